import { randomUUID } from "node:crypto";
import type { ServerContext } from "../context.js";
import type { Job, JobType } from "./queue.js";

export type JobHandler = (ctx: ServerContext, job: Job) => Promise<void>;

export interface WorkerPool {
  /** Stops claiming; waits for running jobs to end (their leases expire if the process dies instead). */
  stop(): Promise<void>;
}

/** Backoff before retry n (1-based): 1 s, 2 s, 4 s, … capped at 5 min. */
export function retryDelayMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * `count` workers in this process. Each claims a job, renews its lease while the handler runs, and completes or
 * fails it; idle workers sleep until woken by an in-process enqueue or the poll interval.
 */
export function startWorkers(ctx: ServerContext, count: number, handlers: Partial<Record<JobType, JobHandler>>): WorkerPool {
  let stopping = false;
  const wakers = new Set<() => void>();
  const unsubscribe = ctx.queue.onNotify(() => {
    for (const w of [...wakers]) w();
  });
  const types = Object.keys(handlers) as JobType[];

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });

  const loop = async (n: number): Promise<void> => {
    const workerId = `${process.pid}-${n}-${randomUUID().slice(0, 8)}`;
    while (!stopping) {
      let job: Job | undefined;
      try {
        job = await ctx.queue.claim(workerId, ctx.config.jobLeaseMs, types);
      } catch (e) {
        if (stopping) break;
        ctx.log.error({ err: e }, "job claim failed");
        await sleep(ctx.config.jobPollMs);
        continue;
      }
      if (!job) {
        await sleep(ctx.config.jobPollMs);
        continue;
      }
      const handler = handlers[job.type];
      const renew = setInterval(() => {
        void ctx.queue.renew(job, ctx.config.jobLeaseMs).catch((e: unknown) => ctx.log.warn({ err: e, job: job.id }, "lease renewal failed"));
      }, Math.max(50, Math.floor(ctx.config.jobLeaseMs / 3)));
      const started = Date.now();
      try {
        if (!handler) throw new Error(`no handler for job type ${job.type}`);
        await handler(ctx, job);
        await ctx.queue.complete(job);
        ctx.metrics.jobs.inc({ type: job.type, outcome: "done" });
        ctx.log.info({ job: job.id, type: job.type, ms: Date.now() - started }, "job done");
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const retry = await ctx.queue.fail(job, message, retryDelayMs(job.attempts)).catch(() => false);
        ctx.metrics.jobs.inc({ type: job.type, outcome: retry ? "retry" : "failed" });
        ctx.log.warn({ err: e, job: job.id, type: job.type, attempt: job.attempts, retry }, "job failed");
      } finally {
        clearInterval(renew);
      }
    }
  };

  const loops = Array.from({ length: count }, (_, i) => loop(i));
  return {
    async stop() {
      stopping = true;
      for (const w of [...wakers]) w();
      unsubscribe();
      await Promise.all(loops);
    },
  };
}
