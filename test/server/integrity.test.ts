/**
 * Storage integrity: the server re-checks every stored file's SHA-256 when the worker reads it and when it is
 * served (while streaming). An altered blob is never scanned, approved, signed or served whole; it is marked
 * corrupt, /readyz fails, and pushing the same bytes again replaces it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushModel, waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { buildSafetensors } from "../fixtures/safetensors/build.js";
import { Api } from "./client.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const ADMIN = `mg_${"i".repeat(40)}`;

/** Raw GET: status, the bytes that arrived, and whether the body broke off before its declared length. */
function download(url: string, token: string): Promise<{ status: number; body: Buffer; declared: number; brokeOff: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      const declared = Number(res.headers["content-length"] ?? -1);
      const done = (brokeOff: boolean) => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), declared, brokeOff });
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(Buffer.concat(chunks).length !== declared));
      res.on("aborted", () => done(true));
      res.on("error", () => done(true));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("stored files are verified when read", () => {
  let dataDir: string;
  let work: string;
  let server: GateServer;
  let admin: Api;
  // Larger than one read chunk (1 MiB), so a download has sent bytes by the time the digest is known.
  const weights = buildSafetensors([{ name: "w", dtype: "F32", shape: [1_000_000] }], { format: "pt" });
  const digest = sha256(weights);
  const blobPath = (): string => join(dataDir, "blobs", digest.slice(0, 2), digest.slice(2));
  const tamper = (): void => {
    const b = readFileSync(blobPath());
    b[b.length - 1] = b[b.length - 1]! ^ 1;
    writeFileSync(blobPath(), b);
  };
  const start = (workers: number) => createServer({ dataDir, port: 0, logLevel: "silent", jobPollMs: 100, workers, adminToken: ADMIN });
  const push = (version: string) => pushModel(join(work, "m"), { url: server.url, token: ADMIN, project: "nlp", model: "tiny", version });
  const verdict = (version: string) => waitForVerdict(server.url, ADMIN, "nlp", "tiny", version, 60_000, 100);
  const readyz = async () => (await fetch(`${server.url}/readyz`)).status;
  const fileUrl = (version: string) => `${server.url}/api/v1/projects/nlp/models/tiny/versions/${version}/files/model.safetensors`;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-integrity-"));
    work = mkdtempSync(join(tmpdir(), "mg-integrity-models-"));
    mkdirSync(join(work, "m"));
    writeFileSync(join(work, "m", "model.safetensors"), weights);
    server = await start(0); // API only: the push stays pending while we alter its file
    admin = new Api(server.url, ADMIN);
    await admin.post("/api/v1/projects", { name: "nlp" });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("a file altered while pending is not scanned, approved or signed: quarantined, marked corrupt, /readyz fails", async () => {
    expect((await push("1")).status).toBe("pending");
    tamper();
    await server.close();
    server = await start(1);
    admin = new Api(server.url, ADMIN);
    const state = await verdict("1");
    expect(state.status).toBe("quarantined");
    expect(state.reasons.join("\n")).toMatch(/no longer match their digest/);
    const v = (await admin.get<{ signature?: unknown }>("/api/v1/projects/nlp/models/tiny/versions/1")).body;
    expect(v.signature).toBeUndefined();
    expect(await readyz()).toBe(503);
  });

  it("pushing the same bytes again replaces the corrupt blob: approved, /readyz green", async () => {
    const r = await push("2");
    expect(r.uploaded).toBe(1); // the corrupt blob did not count as stored
    expect((await verdict("2")).status).toBe("approved");
    expect(sha256(readFileSync(blobPath()))).toBe(digest);
    expect(await readyz()).toBe(200);
    const ok = await download(fileUrl("2"), ADMIN);
    expect(ok.status).toBe(200);
    expect(ok.body.equals(weights)).toBe(true);
  });

  it("an approved file altered on disk is never served whole under its hash: the response breaks off, then 500; /readyz fails", async () => {
    tamper();
    const broken = await download(fileUrl("2"), ADMIN);
    expect(broken.status).toBe(200); // headers were sent before the last bytes were read…
    expect(broken.brokeOff).toBe(true); // …but the body never completes
    expect(broken.body.length).toBeLessThan(broken.declared);
    expect(await readyz()).toBe(503);
    const refused = await download(fileUrl("2"), ADMIN);
    expect(refused.status).toBe(500);
    expect(refused.body.toString()).toContain("no longer match their digest");
    // Repaired by the same bytes once more.
    expect((await push("3")).uploaded).toBe(1);
    expect((await verdict("3")).status).toBe("approved");
    expect(await readyz()).toBe(200);
    expect((await download(fileUrl("2"), ADMIN)).body.equals(weights)).toBe(true);
  });
});
