import type { SqlDatabase } from "../storage/types.js";

/**
 * Schema migrations, portable between SQLite and PostgreSQL: TEXT, BIGINT and INTEGER columns only, ids from
 * randomUUID(), timestamps as ISO-8601 TEXT (they sort as strings), booleans as INTEGER 0/1, JSON as TEXT, no
 * AUTOINCREMENT. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "core schema",
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  admin INTEGER NOT NULL,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT,
  expires_at TEXT,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE members (
  project_id TEXT NOT NULL,
  token_id TEXT NOT NULL,
  role TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project_id, token_id)
);
CREATE INDEX members_token ON members (token_id);
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (project_id, name)
);
CREATE TABLE versions (
  id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL,
  version TEXT NOT NULL,
  status TEXT NOT NULL,
  reasons TEXT NOT NULL,
  upload_id TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL,
  created_by_name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  completed_at TEXT,
  scanned_at TEXT,
  decided_at TEXT,
  decided_by TEXT,
  released_by TEXT,
  released_reason TEXT,
  released_at TEXT,
  digest TEXT,
  scan_summary TEXT,
  report TEXT,
  verdict TEXT,
  sbom TEXT,
  audit TEXT,
  signature TEXT,
  signature_info TEXT,
  UNIQUE (model_id, version)
);
CREATE INDEX versions_status ON versions (status);
CREATE INDEX versions_scanned ON versions (scanned_at);
CREATE TABLE version_files (
  version_id TEXT NOT NULL,
  path TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  format TEXT,
  uploaded INTEGER NOT NULL,
  PRIMARY KEY (version_id, path)
);
CREATE TABLE downloads (
  id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL,
  token_id TEXT NOT NULL,
  token_name TEXT NOT NULL,
  path TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX downloads_version ON downloads (version_id, at);
CREATE TABLE policies (
  scope TEXT PRIMARY KEY,
  yaml TEXT NOT NULL,
  digest TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  run_after TEXT NOT NULL,
  lease_until TEXT,
  locked_by TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_after);
`,
  },
  {
    version: 2,
    name: "version source (hub imports)",
    // JSON {hub, repo, revision, commit} of a version the server imported from a hub itself; NULL for pushes.
    sql: `ALTER TABLE versions ADD COLUMN source TEXT;`,
  },
  {
    version: 3,
    name: "index version files by content digest",
    // A push asks whether the project already holds each declared file's digest, and blob garbage collection
    // whether any version still refers to one: without this index both read every file row ever recorded.
    sql: `CREATE INDEX version_files_sha256 ON version_files (sha256);`,
  },
];

/** Applies the migrations not yet applied, each in its own transaction (PostgreSQL: under an advisory lock). */
export async function migrate(db: SqlDatabase): Promise<void> {
  await db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  for (const m of MIGRATIONS) {
    await db.transaction(async (tx) => {
      // Several API nodes may start at once against one PostgreSQL: one migrates, the others wait and skip.
      if (tx.dialect === "postgres") await tx.get("SELECT pg_advisory_xact_lock(841400)");
      const done = await tx.get("SELECT version FROM schema_migrations WHERE version = ?", [m.version]);
      if (done) return;
      await tx.exec(m.sql);
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, new Date().toISOString()]);
    });
  }
}
