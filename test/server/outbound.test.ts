/**
 * Webhooks are outbound requests like imports: a receiver on loopback, a private network, link-local or a cloud
 * metadata address is refused at registration and again at every delivery (its name may resolve elsewhere by
 * then), unless the operator allowlisted it (--allow-internal-host).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type GateServer } from "../../src/server/app.js";
import type { ServerContext } from "../../src/server/context.js";
import { insertWebhook } from "../../src/server/db/webhooks.js";
import type { Job } from "../../src/server/jobs/queue.js";
import { runWebhookJob } from "../../src/server/jobs/webhook-job.js";
import { Api } from "./client.js";

describe("webhooks to internal addresses", () => {
  let strict: GateServer;
  let allowing: GateServer;
  let receiver: Server;
  let other: Server;
  const got: string[] = [];

  beforeAll(async () => {
    receiver = createHttpServer((req, res) => void req.resume().on("end", () => (got.push("allowed"), res.writeHead(204).end())));
    other = createHttpServer((req, res) => void req.resume().on("end", () => (got.push("internal"), res.writeHead(204).end())));
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => other.listen(0, "127.0.0.2", r));
    strict = await createServer({ dataDir: mkdtempSync(join(tmpdir(), "mg-out-strict-")), port: 0, logLevel: "silent", workers: 0 });
    allowing = await createServer({ dataDir: mkdtempSync(join(tmpdir(), "mg-out-allow-")), port: 0, logLevel: "silent", workers: 0, allowInternalHosts: ["127.0.0.1"] });
  });
  afterAll(async () => {
    for (const s of [strict, allowing]) {
      await s?.close();
      if (s) rmSync(s.config.dataDir, { recursive: true, force: true });
    }
    await new Promise((r) => receiver?.close(r));
    await new Promise((r) => other?.close(r));
  });

  it("refuses loopback, metadata and private receivers at registration by default", async () => {
    const admin = new Api(strict.url, strict.adminToken);
    for (const url of ["http://127.0.0.1:9/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/", "http://10.0.0.7/hook", "http://192.168.1.1/", "http://0.0.0.0:9/"]) {
      const res = await admin.post("/api/v1/webhooks", { url, events: ["download"] });
      expect(res.status, url).toBe(400);
      expect(JSON.stringify(res.body), url).toContain("internal address");
    }
    expect((await admin.get<unknown[]>("/api/v1/webhooks")).body).toEqual([]);
  });

  it("allows only what --allow-internal-host names, and checks again at delivery", async () => {
    const admin = new Api(allowing.url, allowing.adminToken);
    const port = (receiver.address() as { port: number }).port;
    expect((await admin.post("/api/v1/webhooks", { url: `http://127.0.0.1:${port}/`, events: ["download"] })).status).toBe(201);
    const otherPort = (other.address() as { port: number }).port;
    expect((await admin.post("/api/v1/webhooks", { url: `http://127.0.0.2:${otherPort}/`, events: ["download"] })).status).toBe(400);

    // A hook stored before (or whose name now resolves to an internal address) is refused at delivery, not retried.
    const ok = await insertWebhook(allowing.db, { url: `http://127.0.0.1:${port}/`, events: ["download"], secret: "s".repeat(20), createdBy: "test" });
    const bad = await insertWebhook(allowing.db, { url: `http://127.0.0.2:${otherPort}/`, events: ["download"], secret: "s".repeat(20), createdBy: "test" });
    const logged: unknown[] = [];
    const ctx = { db: allowing.db, config: allowing.config, log: { warn: (o: unknown) => logged.push(o), info: () => undefined, error: () => undefined } } as unknown as ServerContext;
    const job = (webhookId: string) => ({ id: `job-${webhookId}`, type: "webhook", payload: { webhookId, event: "download", at: new Date().toISOString(), data: {} }, attempts: 1, maxAttempts: 5 }) as unknown as Job;
    await runWebhookJob(ctx, job(ok.id));
    await runWebhookJob(ctx, job(bad.id)); // resolves: not delivered and not retried
    expect(got).toEqual(["allowed"]);
    expect(JSON.stringify(logged)).toContain("internal address");
  });
});
