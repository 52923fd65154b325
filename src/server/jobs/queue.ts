import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { num, readJson } from "../db/json.js";
import type { SqlDatabase } from "../storage/types.js";

export type JobType = "scan" | "reaudit" | "webhook" | "import" | "gc";

export interface Job<P = Record<string, unknown>> {
  id: string;
  type: JobType;
  payload: P;
  attempts: number;
  maxAttempts: number;
  leaseUntil: string;
  lockedBy: string;
}

interface JobRow {
  id: string;
  type: JobType;
  payload: string;
  attempts: unknown;
  max_attempts: unknown;
  lease_until: string;
  locked_by: string;
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  type: r.type,
  payload: readJson<Record<string, unknown>>(r.payload, {}),
  attempts: num(r.attempts),
  maxAttempts: num(r.max_attempts),
  leaseUntil: r.lease_until,
  lockedBy: r.locked_by,
});

export interface EnqueueOptions {
  maxAttempts?: number;
  /** Earliest start. */
  runAfter?: Date;
}

/**
 * A job queue in the jobs table, shared by every API/worker process on one database. A worker claims one ready job
 * (queued and due, or running with an expired lease: its worker died) and holds a lease it renews while working;
 * PostgreSQL claims with FOR UPDATE SKIP LOCKED, SQLite inside a BEGIN IMMEDIATE transaction (one writer at a time).
 */
export interface JobQueue {
  /** Adds a job (pass the caller's transaction to enqueue with the state change that needs it). */
  enqueue(db: SqlDatabase, type: JobType, payload: Record<string, unknown>, options?: EnqueueOptions): Promise<string>;
  claim(workerId: string, leaseMs: number, types?: readonly JobType[]): Promise<Job | undefined>;
  /** Extends the lease; false when the job is no longer this worker's. */
  renew(job: Job, leaseMs: number): Promise<boolean>;
  complete(job: Job): Promise<void>;
  /** Retries after `retryInMs` while attempts remain, else marks the job failed. Returns true when it will retry. */
  fail(job: Job, error: string, retryInMs: number): Promise<boolean>;
  depth(): Promise<Record<string, number>>;
  /**
   * SQLite only (one machine): ends at once the leases of running jobs whose worker process is gone (a killed
   * server), instead of waiting for them to expire. Worker ids start with their process id. Returns how many.
   */
  releaseDeadLocalLeases(): Promise<number>;
  /** Wakes in-process workers (call after the enqueuing transaction commits). */
  notify(): void;
  onNotify(listener: () => void): () => void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

export function createJobQueue(db: SqlDatabase): JobQueue {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const readyWhere = "((status = 'queued' AND run_after <= ?) OR (status = 'running' AND lease_until < ?))";
  return {
    async releaseDeadLocalLeases() {
      if (db.dialect !== "sqlite") return 0; // other machines' workers cannot be probed
      const running = await db.all<{ id: string; locked_by: string | null }>("SELECT id, locked_by FROM jobs WHERE status = 'running'");
      let released = 0;
      for (const job of running) {
        const pid = Number(job.locked_by?.split("-")[0]);
        if (!Number.isSafeInteger(pid) || pid <= 0 || processAlive(pid)) continue;
        const r = await db.run("UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND status = 'running' AND locked_by = ?", [
          new Date(0).toISOString(),
          new Date().toISOString(),
          job.id,
          job.locked_by,
        ]);
        released += r.changes;
      }
      return released;
    },
    async enqueue(tx, type, payload, options = {}) {
      const id = randomUUID();
      const now = new Date().toISOString();
      await tx.run(
        "INSERT INTO jobs (id, type, payload, status, attempts, max_attempts, run_after, lease_until, locked_by, last_error, created_at, updated_at) VALUES (?, ?, ?, 'queued', 0, ?, ?, NULL, NULL, NULL, ?, ?)",
        [id, type, JSON.stringify(payload), options.maxAttempts ?? 5, (options.runAfter ?? new Date(0)).toISOString(), now, now],
      );
      setTimeout(() => events.emit("job"), 0);
      return id;
    },
    async claim(workerId, leaseMs, types) {
      const now = new Date();
      const nowIso = now.toISOString();
      const lease = new Date(now.getTime() + leaseMs).toISOString();
      const typeFilter = types && types.length > 0 ? ` AND type IN (${types.map(() => "?").join(", ")})` : "";
      const params = [nowIso, nowIso, ...(types ?? [])];
      const set = "SET status = 'running', attempts = attempts + 1, lease_until = ?, locked_by = ?, updated_at = ?";
      if (db.dialect === "postgres") {
        const row = await db.get<JobRow>(
          `UPDATE jobs ${set} WHERE id = (SELECT id FROM jobs WHERE ${readyWhere}${typeFilter} ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *`,
          [lease, workerId, nowIso, ...params],
        );
        return row ? toJob(row) : undefined;
      }
      return db.transaction(async (tx) => {
        const pick = await tx.get<{ id: string }>(`SELECT id FROM jobs WHERE ${readyWhere}${typeFilter} ORDER BY created_at LIMIT 1`, params);
        if (!pick) return undefined;
        const row = await tx.get<JobRow>(`UPDATE jobs ${set} WHERE id = ? RETURNING *`, [lease, workerId, nowIso, pick.id]);
        return row ? toJob(row) : undefined;
      });
    },
    async renew(job, leaseMs) {
      const lease = new Date(Date.now() + leaseMs).toISOString();
      const r = await db.run("UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND locked_by = ? AND status = 'running'", [
        lease,
        new Date().toISOString(),
        job.id,
        job.lockedBy,
      ]);
      if (r.changes > 0) job.leaseUntil = lease;
      return r.changes > 0;
    },
    async complete(job) {
      await db.run("UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ? WHERE id = ? AND locked_by = ?", [new Date().toISOString(), job.id, job.lockedBy]);
    },
    async fail(job, error, retryInMs) {
      const now = new Date();
      const retry = job.attempts < job.maxAttempts;
      await db.run("UPDATE jobs SET status = ?, lease_until = NULL, locked_by = NULL, last_error = ?, run_after = ?, updated_at = ? WHERE id = ? AND locked_by = ?", [
        retry ? "queued" : "failed",
        error.slice(0, 2000),
        new Date(now.getTime() + retryInMs).toISOString(),
        now.toISOString(),
        job.id,
        job.lockedBy,
      ]);
      if (retry) setTimeout(() => events.emit("job"), retryInMs).unref();
      return retry;
    },
    async depth() {
      const rows = await db.all<{ type: string; n: unknown }>("SELECT type, COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') GROUP BY type");
      const out: Record<string, number> = { scan: 0, reaudit: 0, webhook: 0 };
      for (const r of rows) out[r.type] = num(r.n);
      return out;
    },
    notify() {
      events.emit("job");
    },
    onNotify(listener) {
      events.on("job", listener);
      return () => events.off("job", listener);
    },
  };
}
