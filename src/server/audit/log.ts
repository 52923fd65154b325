/**
 * The gate server's audit log: an append-only RFC 9162 Merkle tree over every decision and access, stored in
 * the metadata database through SqlDatabase only (the same SQL runs on SQLite and PostgreSQL), with signed tree
 * heads (C2SP checkpoints, Ed25519 key on disk) and inclusion/consistency proofs.
 *
 * Tables (created when missing):
 *   audit_entries     (idx BIGINT PRIMARY KEY, time, type, actor, project, subject, data (canonical JSON), leaf_hash)
 *   audit_head        (id = 1, size): the committed size. Appending bumps it with UPDATE … RETURNING inside the
 *                     transaction, which row-locks it until commit, so indices are dense and commit in order
 *                     whatever the database's isolation level; a rolled-back append leaves no gap.
 *   audit_checkpoints (size BIGINT PRIMARY KEY, root_hash (base64), note (signed), time)
 *
 * The tree of leaf hashes is kept in memory (64 bytes per entry, see merkle.ts) and brought up to date from the
 * database (only the new rows) before each checkpoint or proof; several processes sharing one database each keep
 * their own. Leaf hashes once loaded are never re-read, so a row edited later does not change what this process
 * signs or proves — the verifier, which re-derives every leaf from the entry's content, sees the difference.
 *
 * Before signing a new checkpoint the log checks that its tree still has the root of the newest checkpoint it
 * signed before (a log must never sign two inconsistent heads); when it does not, the history in the database
 * was rewritten and checkpoint() refuses with VERIFICATION_FAILED instead of signing over it.
 */
import { ModelgateError } from "../../core/errors.js";
import type { SqlDatabase } from "../storage/types.js";
import { loadOrCreateLogKey, noteVerifier, parseNote, signCheckpoint, verifierKeyString, verifyCheckpointNote, type Checkpoint } from "./checkpoint.js";
import { checkEvent, entryLeafHash, type AuditEntry, type AuditEvent } from "./entry.js";
import { MerkleTree } from "./merkle.js";

export type { Checkpoint } from "./checkpoint.js";
export type { AuditEntry, AuditEvent } from "./entry.js";

export interface AuditLog {
  /** Appends an event; pass `tx` to append inside the caller's transaction (the entry commits with it). */
  append(event: AuditEvent, tx?: SqlDatabase): Promise<AuditEntry>;
  /** Number of committed entries. */
  size(): Promise<number>;
  /** Entries with from ≤ index < to, in index order. */
  entries(from: number, to: number): Promise<AuditEntry[]>;
  /** A signed checkpoint of the current size (the stored one when nothing was appended since). */
  checkpoint(): Promise<Checkpoint>;
  inclusionProof(index: number, treeSize: number): Promise<{ leafHash: string; proof: string[] }>;
  consistencyProof(from: number, to: number): Promise<string[]>;
  publicKey(): { publicKeyPem: string; keyId: string; verifierKey: string };
}

export interface AuditLogOptions {
  /** Folder of the signing key (audit-log-ed25519.pem, created 0600 on first use). */
  keyDir: string;
  /** The log's origin: first line of every checkpoint and the key's name (no spaces or '+'). */
  origin: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_entries (
  idx BIGINT PRIMARY KEY,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  project TEXT,
  subject TEXT,
  data TEXT NOT NULL,
  leaf_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_head (
  id INTEGER PRIMARY KEY,
  size BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  size BIGINT PRIMARY KEY,
  root_hash TEXT NOT NULL,
  note TEXT NOT NULL,
  time TEXT NOT NULL
);
INSERT INTO audit_head (id, size) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
`;

interface EntryRow {
  idx: number | string | bigint;
  time: string;
  type: string;
  actor: string;
  project: string | null;
  subject: string | null;
  data: string;
  leaf_hash: string;
}

interface CheckpointRow {
  size: number | string | bigint;
  root_hash: string;
  note: string;
  time: string;
}

/** Rows read per query while catching the in-memory tree up with the database. */
const SYNC_BATCH = 10_000;

const tampered = (message: string): never => {
  throw new ModelgateError("VERIFICATION_FAILED", `audit log integrity: ${message}`);
};

function rowToEntry(r: EntryRow): AuditEntry {
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(r.data);
    data = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { _unreadable: r.data };
  } catch {
    // A row whose data is not JSON was edited by hand: serve it so that the verifier reports it (its leaf hash
    // cannot match), rather than failing the whole page.
    data = { _unreadable: r.data };
  }
  return {
    index: Number(r.idx),
    time: r.time,
    type: r.type,
    actor: r.actor,
    ...(r.project === null ? {} : { project: r.project }),
    ...(r.subject === null ? {} : { subject: r.subject }),
    data,
    leafHash: r.leaf_hash,
  };
}

function checkRange(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ModelgateError("INVALID_OPTION", `${name} must be a non-negative integer, got ${n}`);
}

/** Opens (creating when missing) the audit log stored in `db`, signing with the key in `options.keyDir`. */
export async function createAuditLog(db: SqlDatabase, options: AuditLogOptions): Promise<AuditLog> {
  const key = await loadOrCreateLogKey(options.keyDir, options.origin);
  const verifier = noteVerifier(options.origin, key.signer.publicKey);
  await db.transaction(async (tx) => tx.exec(SCHEMA));

  const tree = new MerkleTree();
  let syncing: Promise<void> = Promise.resolve();

  const headSize = async (q: SqlDatabase = db): Promise<number> => {
    const row = await q.get<{ size: number | string }>("SELECT size FROM audit_head WHERE id = 1");
    if (row === undefined) return tampered("the audit_head row is missing");
    return Number(row.size);
  };

  /** Brings the in-memory tree up to the committed size (one caller at a time). */
  const sync = (): Promise<void> => {
    const run = async (): Promise<void> => {
      const size = await headSize();
      if (size < tree.size) tampered(`the log shrank from ${tree.size} to ${size} entries`);
      while (tree.size < size) {
        const rows = await db.all<{ idx: number | string; leaf_hash: string }>(
          "SELECT idx, leaf_hash FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT ?",
          [tree.size, size, SYNC_BATCH],
        );
        if (rows.length === 0) tampered(`entry ${tree.size} is missing from the database`);
        for (const r of rows) {
          if (Number(r.idx) !== tree.size) tampered(`entry ${tree.size} is missing from the database`);
          const h = Buffer.from(r.leaf_hash, "hex");
          if (h.length !== 32 || h.toString("hex") !== r.leaf_hash) tampered(`entry ${tree.size} has a malformed leaf hash`);
          tree.append(h);
        }
      }
    };
    const next = syncing.then(run, run);
    syncing = next.catch(() => undefined);
    return next;
  };

  const storedCheckpoint = (r: CheckpointRow): Checkpoint => {
    const { signatures } = parseNote(r.note);
    const mine = signatures.find((s) => s.name === verifier.name && s.keyId.equals(verifier.keyId)) ?? signatures[0];
    return {
      origin: options.origin,
      size: Number(r.size),
      rootHash: r.root_hash,
      timestamp: r.time,
      signature: mine?.signature.toString("base64") ?? "",
      keyId: (mine?.keyId ?? verifier.keyId).toString("hex"),
      note: r.note,
    };
  };

  /** The stored checkpoint, when its note is signed by our key and says what its columns say. */
  const trusted = (r: CheckpointRow | undefined): CheckpointRow | undefined => {
    if (r === undefined) return undefined;
    try {
      const body = verifyCheckpointNote(r.note, verifier);
      return body.size === Number(r.size) && body.rootHash.toString("base64") === r.root_hash ? r : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    async append(event, tx) {
      const data = checkEvent(event);
      const write = async (t: SqlDatabase): Promise<AuditEntry> => {
        const head = await t.get<{ size: number | string }>("UPDATE audit_head SET size = size + 1 WHERE id = 1 RETURNING size");
        if (head === undefined) return tampered("the audit_head row is missing");
        const entry: Omit<AuditEntry, "leafHash"> = {
          index: Number(head.size) - 1,
          time: new Date().toISOString(),
          type: event.type,
          actor: event.actor,
          ...(event.project === undefined ? {} : { project: event.project }),
          ...(event.subject === undefined ? {} : { subject: event.subject }),
          data: JSON.parse(data) as Record<string, unknown>,
        };
        const leafHash = entryLeafHash(entry);
        await t.run("INSERT INTO audit_entries (idx, time, type, actor, project, subject, data, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
          entry.index,
          entry.time,
          entry.type,
          entry.actor,
          entry.project ?? null,
          entry.subject ?? null,
          data,
          leafHash,
        ]);
        return { ...entry, leafHash };
      };
      return tx === undefined ? db.transaction(write) : write(tx);
    },

    size: () => headSize(),

    async entries(from, to) {
      checkRange("from", from);
      checkRange("to", to);
      if (from >= to) return [];
      const rows = await db.all<EntryRow>(
        "SELECT idx, time, type, actor, project, subject, data, leaf_hash FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
        [from, to],
      );
      return rows.map(rowToEntry);
    },

    async checkpoint() {
      await sync();
      const n = tree.size;
      const latestRow = await db.get<CheckpointRow>("SELECT size, root_hash, note, time FROM audit_checkpoints ORDER BY size DESC LIMIT 1");
      const latest = trusted(latestRow);
      if (latest !== undefined) {
        const m = Number(latest.size);
        if (m > n) tampered(`a checkpoint of ${m} entries was signed, but the log now has ${n}`);
        if (tree.root(m).toString("base64") !== latest.root_hash) {
          tampered(`the first ${m} entries no longer have the root of the checkpoint signed at ${latest.time}: the stored history was rewritten`);
        }
        if (m === n) return storedCheckpoint(latest);
      }
      const fresh = signCheckpoint(key.signer, n, tree.root(n), new Date().toISOString());
      const existing = trusted(await db.get<CheckpointRow>("SELECT size, root_hash, note, time FROM audit_checkpoints WHERE size = ?", [n]));
      if (existing !== undefined) return storedCheckpoint(existing);
      await db.run(
        "INSERT INTO audit_checkpoints (size, root_hash, note, time) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO UPDATE SET root_hash = excluded.root_hash, note = excluded.note, time = excluded.time",
        [n, fresh.rootHash, fresh.note, fresh.timestamp],
      );
      return fresh;
    },

    async inclusionProof(index, treeSize) {
      checkRange("index", index);
      checkRange("size", treeSize);
      await sync();
      if (treeSize > tree.size) throw new ModelgateError("INVALID_OPTION", `tree size ${treeSize} is larger than the log (${tree.size} entries)`);
      if (index >= treeSize) throw new ModelgateError("INVALID_OPTION", `index ${index} is not below the tree size ${treeSize}`);
      return { leafHash: tree.leaf(index).toString("hex"), proof: tree.inclusionProof(index, treeSize).map((h) => h.toString("hex")) };
    },

    async consistencyProof(from, to) {
      checkRange("from", from);
      checkRange("to", to);
      await sync();
      if (to > tree.size) throw new ModelgateError("INVALID_OPTION", `tree size ${to} is larger than the log (${tree.size} entries)`);
      if (from > to) throw new ModelgateError("INVALID_OPTION", `from (${from}) is larger than to (${to})`);
      return tree.consistencyProof(from, to).map((h) => h.toString("hex"));
    },

    publicKey() {
      return { publicKeyPem: key.publicKeyPem, keyId: verifier.keyId.toString("hex"), verifierKey: verifierKeyString(verifier) };
    },
  };
}
