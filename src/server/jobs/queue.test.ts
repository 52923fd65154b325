import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../db/migrations.js";
import { createSqliteDatabase } from "../storage/sqlite.js";
import type { SqlDatabase } from "../storage/types.js";
import { createJobQueue, type JobQueue } from "./queue.js";

describe("job queue on SQLite", () => {
  let dir: string;
  let db: SqlDatabase;
  let queue: JobQueue;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-queue-"));
    db = await createSqliteDatabase(join(dir, "q.db"));
    await migrate(db);
    queue = createJobQueue(db);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands each job to one worker only, oldest first", async () => {
    for (let i = 0; i < 20; i++) await queue.enqueue(db, "scan", { i });
    const claimed = await Promise.all(Array.from({ length: 30 }, (_, w) => queue.claim(`w${w}`, 60_000)));
    const jobs = claimed.filter((j) => j !== undefined);
    expect(jobs).toHaveLength(20);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(20);
    expect(jobs.every((j) => j.attempts === 1)).toBe(true);
  });

  it("gives a job whose lease expired (its worker died) to another worker", async () => {
    await queue.enqueue(db, "scan", { v: 1 });
    const first = await queue.claim("dead", 50);
    expect(first).toBeDefined();
    expect(await queue.claim("other", 60_000)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 80));
    const second = await queue.claim("other", 60_000);
    expect(second?.id).toBe(first!.id);
    expect(second?.attempts).toBe(2);
    // The dead worker's late completion does not count: the job is no longer its.
    await queue.complete(first!);
    expect((await queue.depth()).scan).toBe(1);
    await queue.complete(second!);
    expect((await queue.depth()).scan).toBe(0);
  });

  it("on start, takes back at once the jobs of a worker process that is gone, not those of a live one", async () => {
    await queue.enqueue(db, "scan", { v: 1 });
    await queue.enqueue(db, "scan", { v: 2 });
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const deadJob = await queue.claim(`${gone.stdout}-0-abcd1234`, 600_000);
    const liveJob = await queue.claim(`${process.pid}-0-abcd1234`, 600_000);
    expect(await queue.claim("other", 600_000)).toBeUndefined();
    expect(await queue.releaseDeadLocalLeases()).toBe(1);
    const taken = await queue.claim("other", 600_000);
    expect(taken?.id).toBe(deadJob!.id);
    expect(liveJob).toBeDefined();
    expect(await queue.claim("another", 600_000)).toBeUndefined();
  });

  it("renews leases, retries after failures and gives up after maxAttempts", async () => {
    await queue.enqueue(db, "webhook", {}, { maxAttempts: 2 });
    const a = await queue.claim("w", 60_000);
    expect(await queue.renew(a!, 60_000)).toBe(true);
    expect(await queue.fail(a!, "HTTP 500", 0)).toBe(true);
    const b = await queue.claim("w", 60_000);
    expect(b?.attempts).toBe(2);
    expect(await queue.fail(b!, "HTTP 500", 0)).toBe(false);
    expect(await queue.claim("w", 60_000)).toBeUndefined();
    expect(await db.get("SELECT status, last_error FROM jobs")).toEqual({ status: "failed", last_error: "HTTP 500" });
  });

  it("filters by type and respects run_after", async () => {
    await queue.enqueue(db, "reaudit", {}, { runAfter: new Date(Date.now() + 60_000) });
    await queue.enqueue(db, "webhook", {});
    expect(await queue.claim("w", 1000, ["scan"])).toBeUndefined();
    expect(await queue.claim("w", 1000, ["reaudit"])).toBeUndefined();
    expect((await queue.claim("w", 1000, ["webhook", "reaudit"]))?.type).toBe("webhook");
  });

  it("wakes listeners on enqueue", async () => {
    const woke = new Promise<void>((r) => queue.onNotify(r));
    await queue.enqueue(db, "scan", {});
    await expect(woke).resolves.toBeUndefined();
  });
});
