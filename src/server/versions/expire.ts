import type { ServerContext } from "../context.js";
import { listFiles, listVersionRefs } from "../db/versions.js";
import { recordEvent, versionSubject } from "../events/audit.js";

export const GC_ACTOR = "system:gc";
/** How often a node with workers looks for abandoned uploads. */
export const GC_INTERVAL_MS = 60 * 60 * 1000;

export interface GcResult {
  expired: string[];
  blobsDeleted: number;
}

/**
 * Expires pushes (and imports) left `uploading` for longer than `uploadExpiryHours`: the version and its file rows
 * are deleted (the name is free again), a `version.upload-expired` entry goes into the audit log, and the blobs
 * no version refers to any more are deleted.
 *
 * Blobs are content-addressed and shared, so a blob is deleted only when no version_files row — any project, any
 * status, uploads in flight included (a push declares its files when it starts) — names its digest, checked again
 * right before the delete. What remains is a push of the same bytes that starts between that check and the delete:
 * its complete() finds the blob gone and answers CONFLICT ("upload it again"), or, if it completed already, its
 * scan cannot read the file and the version is quarantined as not verifiable. Never admitted without its bytes.
 */
export async function expireAbandonedUploads(ctx: Pick<ServerContext, "db" | "blobs" | "auditLog" | "config" | "log">, now = new Date()): Promise<GcResult> {
  const cutoff = new Date(now.getTime() - ctx.config.uploadExpiryHours * 3_600_000).toISOString();
  const stale = await listVersionRefs(ctx.db, "v.status = 'uploading' AND v.created_at < ?", [cutoff]);
  const result: GcResult = { expired: [], blobsDeleted: 0 };
  const candidates = new Set<string>();
  for (const v of stale) {
    const files = await listFiles(ctx.db, v.id);
    const deleted = await ctx.db.transaction(async (tx) => {
      const r = await tx.run("DELETE FROM versions WHERE id = ? AND status = 'uploading'", [v.id]);
      if (r.changes === 0) return false; // completed (or decided) meanwhile
      await tx.run("DELETE FROM version_files WHERE version_id = ?", [v.id]);
      await recordEvent(
        ctx,
        { type: "version.upload-expired", actor: GC_ACTOR, project: v.project, subject: versionSubject(v), data: { createdAt: v.created_at, createdBy: v.created_by_name, files: files.length, expiryHours: ctx.config.uploadExpiryHours } },
        tx,
      );
      return true;
    });
    if (!deleted) continue;
    result.expired.push(versionSubject(v));
    for (const f of files) candidates.add(f.sha256);
  }
  for (const sha256 of candidates) {
    if (await ctx.db.get("SELECT 1 AS x FROM version_files WHERE sha256 = ? LIMIT 1", [sha256])) continue;
    if (!(await ctx.blobs.has(sha256))) continue;
    await ctx.blobs.delete(sha256);
    result.blobsDeleted++;
  }
  if (result.expired.length > 0) ctx.log.info({ expired: result.expired.length, blobsDeleted: result.blobsDeleted }, "expired abandoned uploads");
  return result;
}

/** Runs expireAbandonedUploads now and every GC_INTERVAL_MS on this node; returns a stop function. */
export function startUploadExpiry(ctx: Pick<ServerContext, "db" | "blobs" | "auditLog" | "config" | "log">): () => void {
  let running = false;
  const tick = (): void => {
    if (running) return;
    running = true;
    void expireAbandonedUploads(ctx)
      .catch((e: unknown) => ctx.log.warn({ err: e }, "expiring abandoned uploads failed; will try again"))
      .finally(() => (running = false));
  };
  const first = setTimeout(tick, 5_000);
  const timer = setInterval(tick, GC_INTERVAL_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
