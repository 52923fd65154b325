import { ModelgateError } from "../../core/errors.js";
import type { ServerContext } from "../context.js";
import { updateVersion, type VersionRef, type VersionRow } from "../db/versions.js";
import { versionSubject } from "../events/audit.js";
import type { SqlDatabase } from "../storage/types.js";

/** A scan that keeps failing is retried this often, then the version is quarantined as not verifiable. */
export const SCAN_ATTEMPTS = 3;

/**
 * The end of every admission, pushed or imported: inside the caller's transaction, the version leaves `uploading`
 * for `pending` (with any extra columns) and its scan job is queued. CONFLICT when it is no longer uploading.
 * The caller records its audit event in the same transaction and calls ctx.queue.notify() after the commit.
 */
export async function queueScan(ctx: Pick<ServerContext, "queue">, tx: SqlDatabase, v: VersionRef, set: Partial<Record<keyof VersionRow, string | null>> = {}): Promise<void> {
  const ok = await updateVersion(tx, v.id, ["uploading"], { ...set, status: "pending", completed_at: new Date().toISOString() });
  if (!ok) throw new ModelgateError("CONFLICT", `${versionSubject(v)} is no longer uploading`);
  await ctx.queue.enqueue(tx, "scan", { versionId: v.id }, { maxAttempts: SCAN_ATTEMPTS });
}
