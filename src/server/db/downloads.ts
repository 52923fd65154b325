import { randomUUID } from "node:crypto";
import type { SqlDatabase } from "../storage/types.js";

export async function recordDownload(tx: SqlDatabase, d: { versionId: string; tokenId: string; tokenName: string; path: string }): Promise<string> {
  const at = new Date().toISOString();
  await tx.run("INSERT INTO downloads (id, version_id, token_id, token_name, path, at) VALUES (?, ?, ?, ?, ?, ?)", [randomUUID(), d.versionId, d.tokenId, d.tokenName, d.path, at]);
  return at;
}

export async function listDownloads(db: SqlDatabase, versionId: string): Promise<{ tokenId: string; name: string; at: string; path: string }[]> {
  const rows = await db.all<{ token_id: string; token_name: string; at: string; path: string }>(
    "SELECT token_id, token_name, at, path FROM downloads WHERE version_id = ? ORDER BY at, id",
    [versionId],
  );
  return rows.map((r) => ({ tokenId: r.token_id, name: r.token_name, at: r.at, path: r.path }));
}
