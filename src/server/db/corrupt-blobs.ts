import type { SqlDatabase } from "../storage/types.js";

/**
 * Blobs found corrupt (their bytes no longer hash to their address), kept in the meta table as
 * `blob-corrupt:<sha256>` → JSON {detectedAt, detail}: every node sees them, /readyz fails while one is recorded,
 * and a new upload of the same bytes replaces the blob and clears the mark.
 */
const PREFIX = "blob-corrupt:";

export interface CorruptBlob {
  sha256: string;
  detectedAt: string;
  detail: string;
}

export async function markBlobCorrupt(db: SqlDatabase, sha256: string, detail: string): Promise<void> {
  const value = JSON.stringify({ detectedAt: new Date().toISOString(), detail });
  await db.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [PREFIX + sha256, value]);
}

export async function isBlobCorrupt(db: SqlDatabase, sha256: string): Promise<boolean> {
  return (await db.get("SELECT 1 AS x FROM meta WHERE key = ?", [PREFIX + sha256])) !== undefined;
}

export async function clearBlobCorrupt(db: SqlDatabase, sha256: string): Promise<void> {
  await db.run("DELETE FROM meta WHERE key = ?", [PREFIX + sha256]);
}

export async function listCorruptBlobs(db: SqlDatabase, limit = 100): Promise<CorruptBlob[]> {
  const rows = await db.all<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key LIMIT ?", [PREFIX, `${PREFIX}~`, limit]);
  return rows.map((r) => {
    const v = JSON.parse(r.value) as { detectedAt: string; detail: string };
    return { sha256: r.key.slice(PREFIX.length), detectedAt: v.detectedAt, detail: v.detail };
  });
}
