import { createHash } from "node:crypto";
import { ModelgateError } from "../../core/errors.js";
import { claimMeta, getMeta } from "../db/meta.js";
import type { SqlDatabase } from "../storage/types.js";

/** The public halves of the keys a node signs with, as recorded in the shared database. */
export interface NodeKeys {
  /** SPKI PEM of the model-signing key. */
  serverSigningKeyPem: string;
  /** C2SP note verifier key of the audit-log checkpoint key (includes the log's origin). */
  auditLogVerifierKey: string;
}

const META_KEY = "node-keys";

function fingerprint(keys: NodeKeys): { serverSigningKey: string; auditLogKey: string } {
  return { serverSigningKey: `sha256:${createHash("sha256").update(keys.serverSigningKeyPem).digest("hex")}`, auditLogKey: keys.auditLogVerifierKey };
}

/**
 * Pins the first node's public keys in the database and refuses to start a node whose keys differ. Nodes that
 * share a PostgreSQL database each read the keys in their own data dir: a node that generated its own would sign
 * approved versions with a key consumers do not trust and checkpoints that `audit-log verify` rejects.
 */
export async function pinNodeKeys(db: SqlDatabase, keys: NodeKeys, keyDir: string): Promise<void> {
  const mine = fingerprint(keys);
  if (await claimMeta(db, META_KEY, JSON.stringify(mine))) return;
  const raw = await getMeta(db, META_KEY);
  let pinned: ReturnType<typeof fingerprint>;
  try {
    pinned = JSON.parse(raw ?? "") as ReturnType<typeof fingerprint>;
  } catch {
    throw new ModelgateError("MALFORMED_INPUT", `the database's record of the server keys (meta '${META_KEY}') is not JSON: restore it from a backup`);
  }
  const differ: string[] = [];
  if (pinned.serverSigningKey !== mine.serverSigningKey) differ.push(`model-signing key ${mine.serverSigningKey} (database: ${pinned.serverSigningKey})`);
  if (pinned.auditLogKey !== mine.auditLogKey) differ.push(`audit-log key ${mine.auditLogKey} (database: ${pinned.auditLogKey})`);
  if (differ.length === 0) return;
  throw new ModelgateError(
    "INVALID_OPTION",
    `this node's keys in ${keyDir} are not the ones the database was started with: ${differ.join("; ")}. ` +
      "Every node must sign with the same keys: copy the keys/ folder of the first node's data dir to this node, then start it again.",
  );
}
