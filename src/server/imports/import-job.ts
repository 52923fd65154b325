import { rm } from "node:fs/promises";
import { ModelgateError } from "../../core/errors.js";
import type { ServerContext } from "../context.js";
import { readJson } from "../db/json.js";
import { getVersionById, insertFiles, updateVersion, type VersionRef, type VersionSource } from "../db/versions.js";
import { recordEvent, versionSubject } from "../events/audit.js";
import { emitWebhookEvent } from "../events/webhooks.js";
import type { Job } from "../jobs/queue.js";
import { declaredDigest } from "../routes/uploads.js";
import { receiveToTemp } from "../uploads/receive.js";
import { queueScan } from "../versions/admit.js";
import { deleteBlobIfUnreferenced } from "../versions/expire.js";
import { openHubFile, type HubFile } from "./hub.js";

export const IMPORT_ACTOR = "system:importer";
/** Network trouble is retried (1 s, 2 s backoff); anything the hub got wrong is final at once. */
export const IMPORT_ATTEMPTS = 3;

export interface ImportPayload {
  versionId: string;
  files: HubFile[];
}

/** Downloads one listed file into the blob store, checking its size and the hub's SHA-256. */
interface StoredFile {
  path: string;
  size: number;
  sha256: string;
  uploaded: true;
}

async function fetchFile(ctx: ServerContext, hub: URL, source: VersionSource, f: HubFile): Promise<StoredFile> {
  const body = await openHubFile(hub, source.repo, source.commit, f.path, ctx.config.hubToken, ctx.config.hubStallMs, ctx.config.outboundAllow);
  const received = await receiveToTemp(body, ctx.config.tmpDir, { maxBytes: ctx.config.maxUploadBytes, expectedSize: f.size, onBytes: (n) => ctx.metrics.uploadBytes.inc(n) });
  try {
    // Neither message tells what the bytes really were (their size, their digest): a hub learning that from the
    // rejection could list the real values and have a second try accepted.
    if (received.size !== f.size) throw new ModelgateError("MALFORMED_INPUT", `${f.path}: the size of the downloaded bytes did not match the size the hub declared`);
    if (f.sha256 !== undefined && received.sha256 !== f.sha256) {
      throw new ModelgateError("MALFORMED_INPUT", `${f.path}: the downloaded bytes do not match the hub's LFS pointer (sha256:${f.sha256})`);
    }
    await ctx.blobs.putFile(received.tempPath, { sha256: received.sha256, size: received.size });
  } finally {
    await rm(received.tempPath, { force: true });
  }
  return { path: f.path, size: f.size, sha256: received.sha256, uploaded: true };
}

async function fail(ctx: ServerContext, v: VersionRef, source: VersionSource | null, message: string): Promise<void> {
  const reasons = [`import failed: ${message}`];
  const now = new Date().toISOString();
  await ctx.db.transaction(async (tx) => {
    const ok = await updateVersion(tx, v.id, ["uploading"], { status: "rejected", reasons: JSON.stringify(reasons), decided_at: now, decided_by: IMPORT_ACTOR });
    if (!ok) return;
    await recordEvent(ctx, { type: "version.import-failed", actor: IMPORT_ACTOR, project: v.project, subject: versionSubject(v), data: { ...(source ? { source } : {}), reasons } }, tx);
    await emitWebhookEvent(ctx, tx, "version.rejected", { project: v.project, model: v.model, version: v.version, status: "rejected", reasons, by: IMPORT_ACTOR });
  });
  ctx.queue.notify();
}

/**
 * The pull-through job: fetches every file of the recorded hub commit into the blob store, then admits the version
 * like a completed push (pending, scan queued). The version stays `uploading`, invisible in lists and not
 * downloadable, until every byte is in and checked. A hub that answers wrongly (a file missing, a size or SHA-256
 * that does not match, a limit) rejects the version with the reason; network errors are retried first.
 */
export async function runImportJob(ctx: ServerContext, job: Job): Promise<void> {
  const { versionId, files } = job.payload as unknown as ImportPayload;
  const v = await getVersionById(ctx.db, versionId);
  if (!v || v.status !== "uploading") return; // decided (revoked, rejected) meanwhile
  const source = readJson<VersionSource | null>(v.source, null);
  const received: StoredFile[] = [];
  try {
    if (!source) throw new ModelgateError("MALFORMED_INPUT", "the version records no hub source");
    const hub = ctx.config.importFrom.find((h) => h.href === source.hub);
    if (!hub) throw new ModelgateError("FORBIDDEN", `${source.hub} is no longer an import hub of this server (--import-from)`);
    for (const f of files) received.push(await fetchFile(ctx, hub, source, f));
    await ctx.db.transaction(async (tx) => {
      // The gc job deletes a blob no file row names, under the same (serialised) write lock: a blob stored above
      // but gone now is fetched again on the next attempt; once this transaction commits, our rows keep them.
      for (const f of received) {
        if (!(await ctx.blobs.has(f.sha256))) throw new ModelgateError("NETWORK_ERROR", `${f.path}: its stored bytes were removed while the import ran; fetching again`);
      }
      await insertFiles(tx, v.id, received);
      await queueScan(ctx, tx, v, { digest: declaredDigest(received) });
      await recordEvent(
        ctx,
        { type: "version.imported", actor: IMPORT_ACTOR, project: v.project, subject: versionSubject(v), data: { source, files: received.length, bytes: received.reduce((a, f) => a + f.size, 0), digest: declaredDigest(received) } },
        tx,
      );
    });
    ctx.queue.notify();
  } catch (e) {
    const transient = e instanceof ModelgateError && (e.code === "NETWORK_ERROR" || e.code === "TIMEOUT");
    if (transient && job.attempts < job.maxAttempts) throw e;
    if (!(e instanceof ModelgateError)) ctx.log.error({ err: e, version: versionSubject(v) }, "import failed");
    await fail(ctx, v, source, e instanceof ModelgateError ? e.message : "internal error (see the server log)");
    // The files fetched before the failure: nothing will refer to them (unless another version holds the same
    // bytes). The gc job's orphan sweep catches any this misses (a crash here).
    for (const f of received) {
      try {
        await deleteBlobIfUnreferenced(ctx, f.sha256);
      } catch (err) {
        ctx.log.warn({ err, sha256: f.sha256 }, "could not delete a failed import's blob; the gc job will");
      }
    }
  }
}
