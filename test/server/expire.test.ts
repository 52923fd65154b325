/**
 * Abandoned pushes expire: the version goes, the blobs nobody else uses go, the audit log says so and still
 * verifies, a webhook and the metrics tell the operator; stale temp files go; one gc job is scheduled at a time.
 */
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { verifyAuditLog } from "../../src/server/audit/verify-client.js";
import { getMeta } from "../../src/server/db/meta.js";
import { ensureGcScheduled, GC_INTERVAL_MS, GC_META_KEY, scheduleNextGc } from "../../src/server/jobs/gc-job.js";
import { createJobQueue } from "../../src/server/jobs/queue.js";
import { deleteBlobIfUnreferenced } from "../../src/server/versions/expire.js";
import { buildSafetensors } from "../fixtures/safetensors/build.js";
import { Api } from "./client.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const HOUR = 3_600_000;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("expiry of abandoned uploads (gc)", () => {
  let dataDir: string;
  let server: GateServer;
  let admin: Api;
  let publisher: Api;
  let hookServer: Server;
  const hooks: { event: string; data: Record<string, unknown> }[] = [];
  const SHARED = buildSafetensors([{ name: "w", dtype: "F32", shape: [8] }], { format: "pt" });
  const OWN = buildSafetensors([{ name: "w", dtype: "F32", shape: [16] }], { format: "pt" });
  const LATE = buildSafetensors([{ name: "w", dtype: "F32", shape: [32] }], { format: "pt" });
  const INTIME = buildSafetensors([{ name: "w", dtype: "F32", shape: [64] }], { format: "pt" });

  /** Starts a push, uploads `upload` of its files, completes it only if asked. */
  async function push(model: string, version: string, files: Record<string, Buffer>, upload: string[], complete: boolean): Promise<string> {
    const created = await publisher.post<{ uploadId: string }>(`/api/v1/projects/vision/models/${model}/versions`, {
      version,
      files: Object.entries(files).map(([path, data]) => ({ path, size: data.length, sha256: sha256(data) })),
    });
    expect(created.status).toBe(201);
    for (const path of upload) {
      const r = await publisher.call("PUT", `/api/v1/uploads/${created.body.uploadId}/files/${path}`, files[path]!, { "content-type": "application/octet-stream" });
      expect(r.status).toBe(204);
    }
    if (complete) expect((await publisher.post(`/api/v1/uploads/${created.body.uploadId}/complete`)).status).toBe(202);
    return created.body.uploadId;
  }

  const gc = (hoursLater: number) => server.collectGarbage(new Date(Date.now() + hoursLater * HOUR));
  const metric = async (name: string): Promise<number> => {
    const text = (await admin.bytes("/metrics")).text;
    const m = new RegExp(`^${name} (\\d+)`, "m").exec(text);
    return m ? Number(m[1]) : NaN;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-expire-"));
    server = await createServer({ dataDir, port: 0, logLevel: "silent", jobPollMs: 100, uploadExpiryHours: 24, allowInternalHosts: ["127.0.0.1"] });
    admin = new Api(server.url, server.adminToken);
    await admin.post("/api/v1/projects", { name: "vision" });
    publisher = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "ci", roles: [{ project: "vision", role: "publisher" }] })).body.token);
    hookServer = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        hooks.push(JSON.parse(body) as { event: string; data: Record<string, unknown> });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
    const w = await admin.post("/api/v1/webhooks", { url: `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/`, events: ["version.upload-expired"] });
    expect(w.status).toBe(201);
    await push("kept", "1", { "model.safetensors": SHARED }, ["model.safetensors"], true);
    expect((await waitForVerdict(server.url, publisher.token!, "vision", "kept", "1", 60_000, 100)).status).toBe("approved");
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((r) => hookServer?.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("leaves uploads younger than the expiry alone", async () => {
    await push("abandoned", "1", { "a.safetensors": OWN, "b.safetensors": SHARED }, ["a.safetensors"], false);
    expect(await gc(23)).toEqual({ expired: [], blobsDeleted: 0, tempRemoved: 0, orphansDeleted: 0 });
    expect(await server.blobs.has(sha256(OWN))).toBe(true);
  });

  it("expires an abandoned push, deletes its unshared blob, keeps the shared one, and frees the version name", async () => {
    // Completed before the run: untouched, although it is as old as the abandoned one.
    await push("intime", "1", { "model.safetensors": INTIME }, ["model.safetensors"], true);
    // (Scanned first: a clock 25 h ahead would also sweep its scan's temporary folder.)
    expect((await waitForVerdict(server.url, publisher.token!, "vision", "intime", "1", 60_000, 100)).status).toBe("approved");
    const r = await gc(25);
    expect(r).toEqual({ expired: ["vision/abandoned@1"], blobsDeleted: 1, tempRemoved: 0, orphansDeleted: 0 });
    expect(await server.blobs.has(sha256(OWN))).toBe(false);
    expect(await server.blobs.has(sha256(SHARED))).toBe(true); // still the approved version's file
    expect(await server.blobs.has(sha256(INTIME))).toBe(true);
    expect((await publisher.get("/api/v1/projects/vision/models/kept/versions/1/files/model.safetensors")).status).toBe(200);
    expect((await publisher.get<{ status: string }>("/api/v1/projects/vision/models/intime/versions/1")).body.status).toBe("approved");
    expect((await publisher.get("/api/v1/projects/vision/models/abandoned/versions/1")).status).toBe(404);

    const log = (await admin.get<{ entries: { type: string; actor: string; subject?: string; data: Record<string, unknown> }[] }>("/api/v1/audit-log/entries?from=0&to=1000")).body.entries;
    expect(log.filter((e) => e.type === "version.upload-expired")).toEqual([
      // b.safetensors counted as uploaded at once: the approved version already holds its bytes.
      expect.objectContaining({ actor: "system:gc", subject: "vision/abandoned@1", data: expect.objectContaining({ files: 2, uploaded: 2, expiryHours: 24 }) }),
    ]);
    const stateDir = mkdtempSync(join(tmpdir(), "mg-expire-state-"));
    try {
      const v = await verifyAuditLog({ server: server.url, token: server.adminToken!, statePath: join(stateDir, "state.json") });
      expect(v.problems).toEqual([]);
      expect(v.verified).toBe(true);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
    const hook = await until("the webhook", async () => hooks.find((h) => h.event === "version.upload-expired"));
    expect(hook.data).toMatchObject({ project: "vision", model: "abandoned", version: "1", status: "expired" });
    expect(await metric("modelgate_gc_expired_uploads_total")).toBe(1);
    expect(await metric("modelgate_gc_deleted_blobs_total")).toBe(1);

    // The name is free again, and a second run finds nothing.
    await push("abandoned", "1", { "a.safetensors": OWN }, ["a.safetensors"], true);
    expect((await waitForVerdict(server.url, publisher.token!, "vision", "abandoned", "1", 60_000, 100)).status).toBe("approved");
    expect(await gc(25)).toEqual({ expired: [], blobsDeleted: 0, tempRemoved: 0, orphansDeleted: 0 });
  });

  it("a push whose blob was deleted before it completed is refused and asked again, never admitted without its bytes", async () => {
    const uploadId = await push("late", "1", { "model.safetensors": LATE }, ["model.safetensors"], false);
    await server.blobs.delete(sha256(LATE));
    const r = await publisher.post<{ error: { code: string; message: string } }>(`/api/v1/uploads/${uploadId}/complete`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain("upload it again");
    // Resuming the push lists the file as missing again; uploading it lets the push complete.
    const resumed = await publisher.post<{ uploadId: string; missing: string[] }>("/api/v1/projects/vision/models/late/versions", {
      version: "1",
      files: [{ path: "model.safetensors", size: LATE.length, sha256: sha256(LATE) }],
    });
    expect(resumed.body).toMatchObject({ uploadId, missing: ["model.safetensors"] });
    expect((await publisher.call("PUT", `/api/v1/uploads/${uploadId}/files/model.safetensors`, LATE, { "content-type": "application/octet-stream" })).status).toBe(204);
    expect((await publisher.post(`/api/v1/uploads/${uploadId}/complete`)).status).toBe(202);
    expect((await waitForVerdict(server.url, publisher.token!, "vision", "late", "1", 60_000, 100)).status).toBe("approved");
  });

  it("never deletes a blob a push in flight declared, even one no completed version holds", async () => {
    const INFLIGHT = buildSafetensors([{ name: "w", dtype: "F32", shape: [128] }], { format: "pt" });
    await push("inflight", "1", { "model.safetensors": INFLIGHT }, ["model.safetensors"], false);
    expect(await deleteBlobIfUnreferenced(server, sha256(INFLIGHT))).toBe(false);
    expect(await server.blobs.has(sha256(INFLIGHT))).toBe(true);
    // Once no row names it (here: rows removed by hand), it goes.
    await server.db.run("DELETE FROM version_files WHERE sha256 = ?", [sha256(INFLIGHT)]);
    expect(await deleteBlobIfUnreferenced(server, sha256(INFLIGHT))).toBe(true);
    expect(await server.blobs.has(sha256(INFLIGHT))).toBe(false);
  });

  it("removes this server's temporary files older than the expiry, and nothing else", async () => {
    const tmp = server.config.tmpDir;
    const old = new Date(Date.now() - 2 * HOUR);
    for (const name of ["upload-stale", "scan-stale", "notours-stale", "upload-fresh"]) writeFileSync(join(tmp, name), "x");
    mkdirSync(join(tmp, "sign-stale"));
    writeFileSync(join(tmp, "sign-stale", "f"), "x");
    for (const name of ["upload-stale", "scan-stale", "notours-stale", "sign-stale"]) utimesSync(join(tmp, name), old, old);
    // 24 h expiry, clock 23 h ahead: the cut-off is an hour ago; "stale" files are two hours old.
    const r = await gc(23);
    expect(r.tempRemoved).toBe(3);
    expect(existsSync(join(tmp, "upload-stale"))).toBe(false);
    expect(existsSync(join(tmp, "scan-stale"))).toBe(false);
    expect(existsSync(join(tmp, "sign-stale"))).toBe(false);
    expect(existsSync(join(tmp, "notours-stale"))).toBe(true);
    expect(existsSync(join(tmp, "upload-fresh"))).toBe(true);
    rmSync(join(tmp, "notours-stale"));
    rmSync(join(tmp, "upload-fresh"));
  });

  it("keeps exactly one gc job scheduled, whichever node asks", async () => {
    // The job queued at start has run and queued its successor an interval later.
    const next = await until("the next gc run", async () => {
      const id = await getMeta(server.db, GC_META_KEY);
      const row = id ? await server.db.get<{ status: string; run_after: string }>("SELECT status, run_after FROM jobs WHERE id = ?", [id]) : undefined;
      return row?.status === "queued" && Date.parse(row.run_after) > Date.now() + GC_INTERVAL_MS / 2 ? id : undefined;
    });
    expect(await server.db.get("SELECT COUNT(*) AS n FROM jobs WHERE type = 'gc' AND status = 'done'")).toMatchObject({ n: 1 });
    // Other nodes (another queue on the same database) asking at the same time queue nothing.
    const otherNode = { db: server.db, queue: createJobQueue(server.db) };
    expect(await Promise.all([ensureGcScheduled(otherNode), ensureGcScheduled(otherNode)])).toEqual([undefined, undefined]);
    expect(await getMeta(server.db, GC_META_KEY)).toBe(next);
    // A job that is not the scheduled one does not extend the chain.
    expect(await scheduleNextGc(otherNode, "not-the-scheduled-job", new Date())).toBeUndefined();
    // The scheduled job failed for good: the next node to ask re-arms the chain, once.
    await server.db.run("UPDATE jobs SET status = 'failed' WHERE id = ?", [next]);
    const far = new Date(Date.now() + 10 * GC_INTERVAL_MS);
    const rearmed = await Promise.all([ensureGcScheduled(otherNode, far), ensureGcScheduled(otherNode, far)]);
    expect(rearmed.filter((id) => id !== undefined)).toHaveLength(1);
    expect(await getMeta(server.db, GC_META_KEY)).toBe(rearmed.find((id) => id !== undefined));
    expect(await server.db.get("SELECT COUNT(*) AS n FROM jobs WHERE type = 'gc' AND status IN ('queued', 'running')")).toMatchObject({ n: 1 });
  });
});
