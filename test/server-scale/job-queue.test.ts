/**
 * The job queue shared by several server processes on one PostgreSQL: workers on separate connection pools
 * (as on separate machines) claim concurrently, and every job is claimed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/server/db/migrations.js";
import { createJobQueue, type Job } from "../../src/server/jobs/queue.js";
import { createPostgresDatabase } from "../../src/server/storage/postgres.js";
import type { SqlDatabase } from "../../src/server/storage/types.js";
import { postgresSupport, startPostgres, type PostgresCluster } from "../helpers/postgres.js";

const support = postgresSupport();

describe.skipIf(support.skip)("job queue on PostgreSQL with concurrent workers", () => {
  let cluster: PostgresCluster;
  let url: string;
  const nodes: SqlDatabase[] = [];

  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    for (let i = 0; i < 4; i++) nodes.push(await createPostgresDatabase(url, { max: 4 }));
    // Several nodes starting at once migrate the same database: exactly one applies each migration.
    await Promise.all(nodes.map((n) => migrate(n)));
  });

  afterAll(async () => {
    for (const n of nodes) await n.close();
    await cluster?.stop();
  });

  it("applied the schema once although four nodes migrated at the same time", async () => {
    const rows = await nodes[0]!.all<{ version: number }>("SELECT version FROM schema_migrations");
    expect(rows.map((r) => r.version).sort()).toEqual(rows.map((_, i) => i + 1));
  });

  it("hands every job to exactly one worker", async () => {
    const jobCount = 300;
    const enqueuer = createJobQueue(nodes[0]!);
    const ids = new Set<string>();
    await nodes[0]!.transaction(async (tx) => {
      for (let i = 0; i < jobCount; i++) ids.add(await enqueuer.enqueue(tx, "scan", { n: i }));
    });

    const claims: { worker: string; job: Job }[] = [];
    const workers: Promise<void>[] = [];
    nodes.forEach((node, n) => {
      const queue = createJobQueue(node);
      for (let w = 0; w < 3; w++) {
        const worker = `node${n}-w${w}`;
        workers.push(
          (async () => {
            for (;;) {
              const job = await queue.claim(worker, 600_000, ["scan"]);
              if (!job) return;
              claims.push({ worker, job });
              await queue.complete(job);
            }
          })(),
        );
      }
    });
    await Promise.all(workers);

    const claimedIds = claims.map((c) => c.job.id);
    expect(claimedIds).toHaveLength(jobCount);
    expect(new Set(claimedIds)).toEqual(ids);
    expect(claims.every((c) => c.job.attempts === 1 && c.job.lockedBy === c.worker)).toBe(true);
    // The work was actually shared between nodes, not done by one of them.
    const byNode = new Set(claims.map((c) => c.worker.split("-")[0]));
    expect(byNode.size).toBeGreaterThan(1);
    const status = await nodes[1]!.all<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status");
    expect(status).toEqual([{ status: "done", n: jobCount }]);
    expect(await createJobQueue(nodes[2]!).depth()).toMatchObject({ scan: 0 });
  });

  it("gives a job whose worker died (expired lease) to another worker, once", async () => {
    const queue = createJobQueue(nodes[0]!);
    const id = await queue.enqueue(nodes[0]!, "scan", { crashed: true });
    const first = await queue.claim("dies", 50, ["scan"]);
    expect(first?.id).toBe(id);
    expect(await createJobQueue(nodes[1]!).claim("other", 60_000, ["scan"])).toBeUndefined(); // lease still held
    await new Promise((r) => setTimeout(r, 120));
    const takeovers = await Promise.all(nodes.map((n, i) => createJobQueue(n).claim(`rescuer${i}`, 60_000, ["scan"])));
    const got = takeovers.filter((j): j is Job => j !== undefined);
    expect(got.map((j) => j.id)).toEqual([id]);
    expect(got[0]!.attempts).toBe(2);
    // The dead worker's late completion does not override the new owner's lease.
    await queue.complete(first!);
    expect((await nodes[0]!.get<{ status: string }>("SELECT status FROM jobs WHERE id = ?", [id]))?.status).toBe("running");
  });
});
