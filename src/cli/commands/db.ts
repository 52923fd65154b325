import { ModelgateError } from "../../core/errors.js";
import { loadOsvDatabase, readDbMetadata } from "../../deps/osv/database.js";
import { resolveConfig } from "../../config/config.js";
import { resolveDbPath } from "../../deps/osv/db-path.js";
import { updateDatabase } from "../../deps/osv/update.js";
import { STALE_DAYS } from "../../deps/audit.js";
import { EXIT } from "../exit-codes.js";
import { createByteProgress, progressActive } from "../progress.js";

interface DbCliOptions {
  db?: string;
  from?: string;
  quiet?: boolean;
  format?: string;
}

/** --db, else MODELGATE_DB, else modelgate.yaml's defaults.db, else the user cache: as `audit` resolves it. */
async function databasePath(opts: DbCliOptions): Promise<string> {
  const config = await resolveConfig({ flags: opts.db !== undefined ? { db: opts.db } : {} });
  return resolveDbPath(config.db);
}

function fail(e: unknown): number {
  if (e instanceof ModelgateError) {
    process.stderr.write(`modelgate: ${e.message}\n`);
    return EXIT.USAGE;
  }
  throw e;
}

export async function runDbUpdate(raw: Record<string, unknown>): Promise<number> {
  const opts = raw as DbCliOptions;
  let db: string;
  try {
    db = await databasePath(opts);
  } catch (e) {
    return fail(e);
  }
  const download = createByteProgress({ enabled: !opts.quiet, label: "downloading", minBytes: 0 });
  const showImport = progressActive(!opts.quiet);
  if (!opts.quiet) process.stderr.write(`modelgate: importing ${opts.from ?? "the OSV PyPI export (network)"} into ${db}\n`);
  try {
    const result = await updateDatabase({
      db,
      ...(opts.from !== undefined ? { from: opts.from } : {}),
      onProgress: (p) => {
        if (p.phase === "download") download.update({ bytesDone: p.done, bytesTotal: p.total, filesDone: 0, filesTotal: 1 });
        else if (showImport) {
          download.done();
          process.stderr.write(`\r\u001b[2Kimporting ${p.done}/${p.total} records`);
        }
      },
    });
    download.done();
    if (showImport) process.stderr.write("\r\u001b[2K");
    const m = result.metadata;
    process.stdout.write(
      `database updated: ${result.path}\n  records: ${m.records} (withdrawn left out: ${result.withdrawn})\n  source: ${m.source}\n` +
        `${m.sha256 ? `  sha256: ${m.sha256}\n` : ""}  updated: ${m.updatedAt}\n`,
    );
    if (m.skipped?.length) {
      process.stderr.write(`modelgate: warning: ${m.skipped.length} record(s) could not be used; audits of the packages they name are reported incomplete:\n`);
      for (const s of m.skipped.slice(0, 20)) process.stderr.write(`  ${s.file}: ${s.message}\n`);
    }
    return EXIT.OK;
  } catch (e) {
    download.done();
    return fail(e);
  }
}

export async function runDbStatus(raw: Record<string, unknown>): Promise<number> {
  const opts = raw as DbCliOptions;
  try {
    const db = await databasePath(opts);
    const meta = await readDbMetadata(db);
    const loaded = await loadOsvDatabase(db);
    loaded.validateAll();
    const updatedAt = loaded.updatedAt;
    const t = updatedAt ? Date.parse(updatedAt) : NaN;
    const ageDays = Number.isFinite(t) ? Math.max(0, Math.floor((Date.now() - t) / 86_400_000)) : undefined;
    const status = {
      path: db,
      updatedAt: updatedAt ?? null,
      ageFrom: loaded.ageFrom ?? null,
      importedAt: loaded.importedAt ?? null,
      ageDays: ageDays ?? null,
      stale: ageDays === undefined || ageDays > STALE_DAYS,
      records: loaded.records,
      withdrawn: loaded.withdrawn,
      source: meta?.source ?? null,
      sha256: meta?.sha256 ?? null,
      issues: loaded.issues.length,
    };
    if (opts.format === "json") {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    } else {
      process.stdout.write(
        `database: ${db}\n  records: ${status.records} (withdrawn left out: ${status.withdrawn})\n` +
          `  data as of: ${updatedAt ?? "unknown"}${ageDays !== undefined ? ` (${ageDays} days ago, ${status.ageFrom === "records" ? "its newest record" : "when it was fetched"})` : ""}\n` +
          `${status.importedAt ? `  imported: ${status.importedAt}\n` : ""}` +
          `${status.source ? `  source: ${status.source}\n` : ""}${status.sha256 ? `  sha256: ${status.sha256}\n` : ""}` +
          `${status.issues ? `  broken records: ${status.issues}\n` : ""}`,
      );
      if (status.stale) process.stdout.write(`warning: the database is older than ${STALE_DAYS} days: run \`modelgate db update\`\n`);
    }
    if (loaded.records === 0) throw new ModelgateError("DATABASE_UNAVAILABLE", `no vulnerability database at ${db}: the folder holds no OSV records; run \`modelgate db update\``);
    return EXIT.OK;
  } catch (e) {
    return fail(e);
  }
}
