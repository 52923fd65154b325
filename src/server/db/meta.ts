import type { SqlDatabase } from "../storage/types.js";

export async function getMeta(db: SqlDatabase, key: string): Promise<string | undefined> {
  const row = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = ?", [key]);
  return row?.value;
}

/** Inserts the key unless present; true when this call inserted it (a claim other nodes lose). */
export async function claimMeta(db: SqlDatabase, key: string, value: string): Promise<boolean> {
  const r = await db.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [key, value]);
  return r.changes > 0;
}
