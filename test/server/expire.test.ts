/** Abandoned pushes expire: the version goes, the blobs nobody else uses go, the audit log says so and still verifies. */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { verifyAuditLog } from "../../src/server/audit/verify-client.js";
import { expireAbandonedUploads } from "../../src/server/versions/expire.js";
import { buildSafetensors } from "../fixtures/safetensors/build.js";
import { Api } from "./client.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const HOUR = 3_600_000;
const quietLog = { info: () => undefined, warn: () => undefined } as unknown as GateServer["app"]["log"];

describe("expiry of abandoned uploads", () => {
  let dataDir: string;
  let server: GateServer;
  let admin: Api;
  let publisher: Api;
  const SHARED = buildSafetensors([{ name: "w", dtype: "F32", shape: [8] }], { format: "pt" });
  const OWN = buildSafetensors([{ name: "w", dtype: "F32", shape: [16] }], { format: "pt" });
  const LATE = buildSafetensors([{ name: "w", dtype: "F32", shape: [32] }], { format: "pt" });

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

  const gc = (hoursLater: number) => expireAbandonedUploads({ db: server.db, blobs: server.blobs, auditLog: server.auditLog, config: server.config, log: quietLog }, new Date(Date.now() + hoursLater * HOUR));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-expire-"));
    server = await createServer({ dataDir, port: 0, logLevel: "silent", jobPollMs: 100, uploadExpiryHours: 24 });
    admin = new Api(server.url, server.adminToken);
    await admin.post("/api/v1/projects", { name: "vision" });
    publisher = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "ci", roles: [{ project: "vision", role: "publisher" }] })).body.token);
    await push("kept", "1", { "model.safetensors": SHARED }, ["model.safetensors"], true);
    expect((await waitForVerdict(server.url, publisher.token!, "vision", "kept", "1", 60_000, 100)).status).toBe("approved");
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("leaves uploads younger than the expiry alone", async () => {
    await push("abandoned", "1", { "a.safetensors": OWN, "b.safetensors": SHARED }, ["a.safetensors"], false);
    expect(await gc(23)).toEqual({ expired: [], blobsDeleted: 0 });
    expect(await server.blobs.has(sha256(OWN))).toBe(true);
  });

  it("expires an abandoned push, deletes its unshared blob, keeps the shared one, and frees the version name", async () => {
    const r = await gc(25);
    expect(r).toEqual({ expired: ["vision/abandoned@1"], blobsDeleted: 1 });
    expect(await server.blobs.has(sha256(OWN))).toBe(false);
    expect(await server.blobs.has(sha256(SHARED))).toBe(true); // still the approved version's file
    expect((await publisher.get("/api/v1/projects/vision/models/kept/versions/1/files/model.safetensors")).status).toBe(200);
    const log = (await admin.get<{ entries: { type: string; subject?: string; data: Record<string, unknown> }[] }>("/api/v1/audit-log/entries?from=0&to=1000")).body.entries;
    expect(log.find((e) => e.type === "version.upload-expired")).toMatchObject({ subject: "vision/abandoned@1", data: { files: 2, expiryHours: 24 } });
    const stateDir = mkdtempSync(join(tmpdir(), "mg-expire-state-"));
    try {
      const v = await verifyAuditLog({ server: server.url, token: server.adminToken!, statePath: join(stateDir, "state.json") });
      expect(v.problems).toEqual([]);
      expect(v.verified).toBe(true);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
    // The name is free again, and a second run finds nothing.
    await push("abandoned", "1", { "a.safetensors": OWN }, ["a.safetensors"], true);
    expect((await waitForVerdict(server.url, publisher.token!, "vision", "abandoned", "1", 60_000, 100)).status).toBe("approved");
    expect(await gc(25)).toEqual({ expired: [], blobsDeleted: 0 });
  });

  it("a push whose blob was deleted before it completed is refused, never admitted without its bytes", async () => {
    const uploadId = await push("late", "1", { "model.safetensors": LATE }, ["model.safetensors"], false);
    await server.blobs.delete(sha256(LATE));
    const r = await publisher.post<{ error: { message: string } }>(`/api/v1/uploads/${uploadId}/complete`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain("upload it again");
  });
});
