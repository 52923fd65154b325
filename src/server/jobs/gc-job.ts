/**
 * The periodic `gc` job: expires abandoned uploads (versions/expire.ts), deletes the blobs nobody refers to any
 * more — those of expired uploads, and any other stored blob no file row names (what a failed import or a crash
 * between storing and recording left behind) — and removes stale temporary files of this node.
 *
 * One gc job exists at a time for the whole cluster: the meta row GC_META_KEY holds the id of the scheduled (or
 * running) one. The queue's lease gives it to one worker; when it ends it queues its successor GC_INTERVAL_MS
 * later and moves the meta row to it, in one transaction and only if the row still names the ending job, so N
 * nodes never queue N copies. Every node with workers also calls ensureGcScheduled at start and once an interval,
 * which re-arms the chain when the scheduled job is gone (failed for good, or its successor was never queued).
 */
import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ServerContext } from "../context.js";
import { getMeta } from "../db/meta.js";
import type { SqlDatabase } from "../storage/types.js";
import { deleteBlobIfUnreferenced, expireAbandonedUploads, expiryCutoff, type ExpiryContext, type GcResult } from "../versions/expire.js";
import type { Job } from "./queue.js";

/** How often the gc job runs. */
export const GC_INTERVAL_MS = 60 * 60 * 1000;
/** meta key: the id of the one scheduled gc job. */
export const GC_META_KEY = "gc-job";
/** The names this server gives its temporary files and folders (uploads, scan/sign folders, vulnerability db). */
export const SERVER_TEMP_NAME = /^(upload|scan|sign|vulndb)-/;

export interface GcRunResult extends GcResult {
  /** Stale temporary entries removed from tmpDir. */
  tempRemoved: number;
  /** Blobs of the store no version file named (orphans), deleted; also counted in blobsDeleted. */
  orphansDeleted: number;
}

/**
 * Deletes every stored blob last written before `olderThan` that no version_files row names (each through
 * deleteBlobIfUnreferenced: the check and the delete under the write lock). The grace period keeps the blobs an
 * import in flight has stored but not yet recorded (its recording transaction re-checks they are present and
 * fetches again if not). Returns how many it deleted.
 */
export async function sweepOrphanBlobs(ctx: Pick<ServerContext, "db" | "blobs">, olderThan: Date): Promise<number> {
  let deleted = 0;
  for await (const b of ctx.blobs.list()) {
    if (b.modifiedAt >= olderThan) continue;
    if (await ctx.db.get("SELECT 1 AS x FROM version_files WHERE sha256 = ? LIMIT 1", [b.sha256])) continue; // cheap pre-check, no lock
    if (await deleteBlobIfUnreferenced(ctx, b.sha256)) deleted++;
  }
  return deleted;
}

/**
 * Removes entries of `tmpDir` named like this server's temporary files (SERVER_TEMP_NAME) last modified before
 * `olderThan`: what an interrupted upload or scan left behind while the process kept running. Other names are
 * never touched. Returns how many entries it removed.
 */
export async function sweepStaleTemp(tmpDir: string, olderThan: Date): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    if (!SERVER_TEMP_NAME.test(name)) continue;
    const path = join(tmpDir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st || st.mtime >= olderThan) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** One garbage collection pass (what the gc job does, without scheduling the next): `now` is injectable for tests. */
export async function collectGarbage(ctx: ExpiryContext, now = new Date()): Promise<GcRunResult> {
  const expiry = await expireAbandonedUploads(ctx, now);
  const cutoff = expiryCutoff(now, ctx.config.uploadExpiryHours);
  const tempRemoved = await sweepStaleTemp(ctx.config.tmpDir, cutoff);
  if (tempRemoved > 0) ctx.log.info({ tempRemoved }, "removed stale temporary files");
  const orphansDeleted = await sweepOrphanBlobs(ctx, cutoff);
  if (orphansDeleted > 0) {
    ctx.metrics?.deletedBlobs.inc(orphansDeleted);
    ctx.log.info({ orphansDeleted }, "deleted blobs no version refers to");
  }
  return { ...expiry, blobsDeleted: expiry.blobsDeleted + orphansDeleted, tempRemoved, orphansDeleted };
}

class LostRace extends Error {}

/** Inside a transaction: queues a gc job at `runAt` and points the meta row at it, if the row still holds `expected`. */
async function replaceScheduled(ctx: Pick<ServerContext, "queue">, tx: SqlDatabase, expected: string | undefined, runAt: Date): Promise<string> {
  const id = await ctx.queue.enqueue(tx, "gc", { scheduledFor: runAt.toISOString() }, { maxAttempts: 1, runAfter: runAt });
  const r =
    expected === undefined
      ? await tx.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [GC_META_KEY, id])
      : await tx.run("UPDATE meta SET value = ? WHERE key = ? AND value = ?", [id, GC_META_KEY, expected]);
  if (r.changes === 0) throw new LostRace(); // another node scheduled it: roll our job back
  return id;
}

async function orLost<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof LostRace) return undefined;
    throw e;
  }
}

/**
 * Makes sure a gc job is scheduled: queues one (due at `runAt`, default now) unless the meta row names a job that
 * is still queued or running. Returns the id of the job it queued, or undefined when one was scheduled already.
 */
export async function ensureGcScheduled(ctx: Pick<ServerContext, "db" | "queue">, runAt = new Date()): Promise<string | undefined> {
  return orLost(
    ctx.db.transaction(async (tx) => {
      const current = await getMeta(tx, GC_META_KEY);
      if (current !== undefined && (await tx.get("SELECT 1 AS x FROM jobs WHERE id = ? AND status IN ('queued', 'running')", [current]))) return undefined;
      return replaceScheduled(ctx, tx, current, runAt);
    }),
  );
}

/** At the end of gc job `jobId`: queues its successor at `runAt`, unless the chain has moved on without it. */
export async function scheduleNextGc(ctx: Pick<ServerContext, "db" | "queue">, jobId: string, runAt: Date): Promise<string | undefined> {
  return orLost(
    ctx.db.transaction(async (tx) => {
      if ((await getMeta(tx, GC_META_KEY)) !== jobId) return undefined;
      return replaceScheduled(ctx, tx, jobId, runAt);
    }),
  );
}

/** The gc job handler. Never retried (maxAttempts 1): each run is idempotent and the next comes an interval later. */
export async function runGcJob(ctx: ServerContext, job: Job): Promise<void> {
  try {
    await collectGarbage(ctx);
  } finally {
    await scheduleNextGc(ctx, job.id, new Date(Date.now() + GC_INTERVAL_MS));
  }
}

/** On a node with workers: ensures a gc job is scheduled now and every GC_INTERVAL_MS. Resolves to a stop function. */
export async function startGcScheduling(ctx: Pick<ServerContext, "db" | "queue" | "log">): Promise<() => void> {
  const ensure = async (): Promise<void> => {
    if ((await ensureGcScheduled(ctx)) !== undefined) ctx.queue.notify();
  };
  await ensure();
  const timer = setInterval(() => {
    ensure().catch((e: unknown) => ctx.log.warn({ err: e }, "scheduling the gc job failed; will try again"));
  }, GC_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
