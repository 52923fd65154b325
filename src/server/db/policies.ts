import { createHash } from "node:crypto";
import type { SqlDatabase } from "../storage/types.js";

export interface StoredPolicy {
  yaml: string;
  digest: string;
  updatedAt: string;
  updatedBy: string;
}

/** Scope "org" is the organisation policy; "project:<id>" a project's override. */
export async function getPolicy(db: SqlDatabase, scope: string): Promise<StoredPolicy | undefined> {
  const r = await db.get<{ yaml: string; digest: string; updated_at: string; updated_by: string }>("SELECT * FROM policies WHERE scope = ?", [scope]);
  return r ? { yaml: r.yaml, digest: r.digest, updatedAt: r.updated_at, updatedBy: r.updated_by } : undefined;
}

export function policyDigest(yaml: string): string {
  return `sha256:${createHash("sha256").update(yaml, "utf8").digest("hex")}`;
}

export async function putPolicy(tx: SqlDatabase, scope: string, yaml: string, by: string): Promise<StoredPolicy> {
  const p = { yaml, digest: policyDigest(yaml), updatedAt: new Date().toISOString(), updatedBy: by };
  await tx.run(
    "INSERT INTO policies (scope, yaml, digest, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope) DO UPDATE SET yaml = excluded.yaml, digest = excluded.digest, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    [scope, p.yaml, p.digest, p.updatedAt, p.updatedBy],
  );
  return p;
}

export async function deletePolicy(tx: SqlDatabase, scope: string): Promise<boolean> {
  return (await tx.run("DELETE FROM policies WHERE scope = ?", [scope])).changes > 0;
}
