import type { ServerContext } from "../context.js";
import { listFiles, listVersionRefs } from "../db/versions.js";
import { recordEvent, versionSubject } from "../events/audit.js";
import { emitWebhookEvent } from "../events/webhooks.js";

export const GC_ACTOR = "system:gc";

export interface GcResult {
  /** `project/model@version` of each expired upload. */
  expired: string[];
  blobsDeleted: number;
}

/** What expiry needs of the server context (the metrics are optional so tools can run it without a registry). */
export type ExpiryContext = Pick<ServerContext, "db" | "blobs" | "auditLog" | "config" | "log" | "queue"> & { metrics?: Pick<ServerContext["metrics"], "expiredUploads" | "deletedBlobs"> };

/** The cut-off: uploads created before it are abandoned. */
export function expiryCutoff(now: Date, expiryHours: number): Date {
  return new Date(now.getTime() - expiryHours * 3_600_000);
}

/**
 * Deletes the blob `sha256` unless a version_files row — any project, any status, pushes in flight included —
 * names it. True when it was deleted.
 *
 * Why this is race-free against a concurrent push of the same bytes: the reference check and the delete run
 * inside one write transaction, and write transactions are serialised (SQLite: one writer; PostgreSQL: the
 * adapter's advisory lock). A push declares its files (inserts its version_files rows) in a write transaction at
 * POST …/versions, before any byte is PUT, so it either committed before our check (we see the row and keep the
 * blob) or commits after the delete (the blob is gone by then: its POST finds it not stored, answers it `missing`,
 * and its PUT writes it anew). A push that relied on an older row (storedInProject) re-checks that row inside its
 * own transaction, and complete() checks every blob is present and, if one is gone, marks it missing and answers
 * CONFLICT "upload it again" — never a version admitted without its bytes.
 * The blob store call happens while holding the write lock: a few milliseconds per blob, once per gc run.
 */
export async function deleteBlobIfUnreferenced(ctx: Pick<ServerContext, "db" | "blobs">, sha256: string): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    if (await tx.get("SELECT 1 AS x FROM version_files WHERE sha256 = ? LIMIT 1", [sha256])) return false;
    if (!(await ctx.blobs.has(sha256))) return false;
    await ctx.blobs.delete(sha256);
    return true;
  });
}

/**
 * Expires pushes (and imports) left `uploading` for longer than `uploadExpiryHours` (measured from `now`): each
 * version row and its file rows are deleted in one transaction (the name is free again) together with a
 * `version.upload-expired` audit entry and webhook event; a version completed or decided meanwhile is left alone
 * (the delete is conditional on the status). Then every blob those versions named that no version refers to any
 * more is deleted (deleteBlobIfUnreferenced). Idempotent: a second run finds nothing.
 */
export async function expireAbandonedUploads(ctx: ExpiryContext, now = new Date()): Promise<GcResult> {
  const cutoff = expiryCutoff(now, ctx.config.uploadExpiryHours).toISOString();
  const stale = await listVersionRefs(ctx.db, "v.status = 'uploading' AND v.created_at < ?", [cutoff]);
  const result: GcResult = { expired: [], blobsDeleted: 0 };
  const candidates = new Set<string>();
  for (const v of stale) {
    const files = await listFiles(ctx.db, v.id);
    const deleted = await ctx.db.transaction(async (tx) => {
      const r = await tx.run("DELETE FROM versions WHERE id = ? AND status = 'uploading'", [v.id]);
      if (r.changes === 0) return false; // completed (or decided) meanwhile
      await tx.run("DELETE FROM version_files WHERE version_id = ?", [v.id]);
      const data = {
        createdAt: v.created_at,
        createdBy: v.created_by_name,
        files: files.length,
        uploaded: files.filter((f) => f.uploaded).length,
        expiryHours: ctx.config.uploadExpiryHours,
      };
      await recordEvent(ctx, { type: "version.upload-expired", actor: GC_ACTOR, project: v.project, subject: versionSubject(v), data }, tx);
      await emitWebhookEvent(ctx, tx, "version.upload-expired", { project: v.project, model: v.model, version: v.version, status: "expired", ...data, by: GC_ACTOR });
      return true;
    });
    if (!deleted) continue;
    ctx.metrics?.expiredUploads.inc();
    result.expired.push(versionSubject(v));
    for (const f of files) candidates.add(f.sha256);
  }
  for (const sha256 of candidates) {
    if (await deleteBlobIfUnreferenced(ctx, sha256)) {
      result.blobsDeleted++;
      ctx.metrics?.deletedBlobs.inc();
    }
  }
  if (result.expired.length > 0) {
    ctx.queue.notify(); // webhook deliveries
    ctx.log.info({ expired: result.expired.length, blobsDeleted: result.blobsDeleted }, "expired abandoned uploads");
  }
  return result;
}
