/**
 * The gate server's end-to-end and security suite, through the real HTTP API against a server listening on
 * 127.0.0.1:0 with a temporary data dir. `describeServerSuite(name, makeConfig)` runs it against any storage: the
 * embedded default (SQLite + folder: test/server/embedded.test.ts) and PostgreSQL + S3 (test/server-scale/).
 */
import { createHash, createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushModel, waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import type { ServerConfig } from "../../src/server/config.js";
import { OPENAPI_DOCUMENT, openApiPath } from "../../src/server/openapi.js";
import { verify } from "../../src/sign/index.js";
import { Api, errorCode, errorMessage, type ApiResponse } from "./client.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLEAN_SAFETENSORS = join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors");
const UNKNOWN_CALL_PICKLE = join(ROOT, "test/fixtures/server/unknown_call.pkl");
const OS_SYSTEM_PICKLE = join(ROOT, "test/fixtures/server/os_system.pkl");

/** Routes other modules serve without a token by contract (they authorise in their handlers). */
const KNOWN_PUBLIC = new Set(["GET /api/v1/audit-log/public-key"]);

/** The config a suite runs with, given a fresh temporary data dir (add databaseUrl / s3 for the scaled setup). */
export type MakeServerConfig = (dataDir: string) => Partial<ServerConfig> | Promise<Partial<ServerConfig>>;

export const SUITE_MAX_UPLOAD = 64 * 1024;

interface VersionBody {
  status: string;
  reasons: string[];
  files: { path: string; size: number; sha256: string; format?: string }[];
  signature?: { verified: boolean; method: string };
  released?: { by: string; reason: string; at: string };
  verdict?: unknown;
  scan?: { findings: number; bySeverity: Record<string, number> };
  digest: string;
}

interface TokenBody {
  id: string;
  token: string;
}

function modelDir(parent: string, name: string, files: Record<string, string | Buffer>): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function describeServerSuite(name: string, makeConfig: MakeServerConfig, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`gate server: ${name}`, () => {
    let dataDir: string;
    let work: string;
    let config: ServerConfig;
    let server: GateServer;
    let admin: Api;
    let publisher: Api;
    let reviewer: Api;
    let consumer: Api;
    let auditor: Api;
    const tokenIds: Record<string, string> = {};
    const hooks: { headers: IncomingMessage["headers"]; body: string }[] = [];
    let hookServer: Server;
    let hookSecret = "";

    const base = (model: string, version: string): string => `/api/v1/projects/vision/models/${model}/versions/${version}`;
    const push = (api: Api, dir: string, model: string, version: string) =>
      pushModel(dir, { url: server.url, token: api.token!, project: "vision", model, version });
    const verdict = (model: string, version: string) => waitForVerdict(server.url, admin.token!, "vision", model, version, 60_000, 100);

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "modelgate-server-"));
      work = mkdtempSync(join(tmpdir(), "modelgate-models-"));
      config = { ...(await makeConfig(dataDir)), dataDir, port: 0, host: "127.0.0.1", logLevel: "silent", jobPollMs: 100, maxUploadBytes: SUITE_MAX_UPLOAD, allowInternalHosts: ["127.0.0.1"], maxAuthFailuresPerAddress: 1_000_000, maxAuthFailuresPerPrefix: 1_000_000 };
      server = await createServer(config);
      expect(server.adminToken).toMatch(/^mg_[A-Za-z0-9_-]{43}$/);
      admin = new Api(server.url, server.adminToken);
      expect((await admin.post("/api/v1/projects", { name: "vision" })).status).toBe(201);
      expect((await admin.post("/api/v1/projects", { name: "other" })).status).toBe(201);
      const make = async (role: string): Promise<Api> => {
        const r = await admin.post<TokenBody>("/api/v1/tokens", { name: `${role}-1`, roles: [{ project: "vision", role }] });
        expect(r.status).toBe(201);
        tokenIds[role] = r.body.id;
        return new Api(server.url, r.body.token);
      };
      publisher = await make("publisher");
      reviewer = await make("reviewer");
      consumer = await make("consumer");
      auditor = await make("auditor");

      hookServer = createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
      const addr = hookServer.address() as { port: number };
      const w = await admin.post<{ id: string; secret: string }>("/api/v1/webhooks", {
        url: `http://127.0.0.1:${addr.port}/hook`,
        events: ["version.approved", "version.quarantined", "version.rejected", "version.revoked", "download"],
      });
      expect(w.status).toBe(201);
      hookSecret = w.body.secret;
    });

    afterAll(async () => {
      await server?.close();
      await new Promise((r) => hookServer?.close(r));
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });

    describe("push, scan, verdict, download", () => {
      it("a clean safetensors model goes pending → approved, signed by the server", async () => {
        const dir = modelDir(work, "clean", { "model.safetensors": readFileSync(CLEAN_SAFETENSORS), "config.json": '{"model_type": "tiny"}\n' });
        const pushed = await push(publisher, dir, "clean", "1.0.0");
        expect(pushed).toMatchObject({ status: "pending", files: 2, uploaded: 2 });
        const state = await verdict("clean", "1.0.0");
        expect(state.status).toBe("approved");
        const v = await consumer.get<VersionBody>(base("clean", "1.0.0"));
        expect(v.status).toBe(200);
        expect(v.body.reasons).toEqual([]);
        expect(v.body.signature).toMatchObject({ verified: true, method: "key" });
        expect(v.body.files.find((f) => f.path === "model.safetensors")?.format).toBe("safetensors");
        expect(v.body.scan?.bySeverity.critical).toBe(0);
        expect(v.body.digest).toMatch(/^[0-9a-f]{64}$/);
        const report = await consumer.get<{ files: { path: string }[] }>(`${base("clean", "1.0.0")}/report`);
        expect(report.status).toBe(200);
        expect(report.body.files.map((f) => f.path)).toContain("clean/model.safetensors");
      });

      it("a consumer downloads an approved file; the download is recorded and listed", async () => {
        const got = await consumer.bytes(`${base("clean", "1.0.0")}/files/model.safetensors`);
        expect(got.status).toBe(200);
        expect(got.body.equals(readFileSync(CLEAN_SAFETENSORS))).toBe(true);
        const list = await reviewer.get<{ tokenId: string; name: string; path: string; at: string }[]>(`${base("clean", "1.0.0")}/downloads`);
        expect(list.status).toBe(200);
        expect(list.body).toContainEqual(expect.objectContaining({ tokenId: tokenIds.consumer, name: "consumer-1", path: "model.safetensors" }));
        expect((await consumer.get(`${base("clean", "1.0.0")}/downloads`)).status).toBe(403);
        expect((await auditor.get(`${base("clean", "1.0.0")}/downloads`)).status).toBe(200);
      });

      it("the server's signature verifies offline with the repo's verify() and the server key; a changed file fails", async () => {
        const dir = join(work, "downloaded-clean");
        mkdirSync(dir, { recursive: true });
        for (const f of ["model.safetensors", "config.json"]) writeFileSync(join(dir, f), (await consumer.bytes(`${base("clean", "1.0.0")}/files/${f}`)).body);
        const sig = await consumer.bytes(`${base("clean", "1.0.0")}/signature`);
        expect(sig.status).toBe(200);
        writeFileSync(join(dir, "model.sig"), sig.body);
        const key = await new Api(server.url).get<{ publicKeyPem: string }>("/api/v1/server-key");
        expect(key.status).toBe(200);
        const ok = await verify(dir, { publicKey: key.body.publicKeyPem });
        expect(ok.failures).toEqual([]);
        expect(ok.verified).toBe(true);
        writeFileSync(join(dir, "config.json"), '{"model_type": "evil"}\n');
        const bad = await verify(dir, { publicKey: key.body.publicKeyPem });
        expect(bad.verified).toBe(false);
        expect(bad.failures.map((f) => f.reason)).toContain("files-changed");
      });

      it("a pickle calling an unvouched function is quarantined with reasons; consumers cannot download it", async () => {
        const dir = modelDir(work, "loader", { "model.pkl": readFileSync(UNKNOWN_CALL_PICKLE) });
        await push(publisher, dir, "loader", "1");
        const state = await verdict("loader", "1");
        expect(state.status).toBe("quarantined");
        expect(state.reasons.join("\n")).toMatch(/acme_loaders|unknown-global-call/);
        const dl = await consumer.get(`${base("loader", "1")}/files/model.pkl`);
        expect(dl.status).toBe(403);
        expect(errorCode(dl)).toBe("FORBIDDEN");
        expect(errorMessage(dl)).toMatch(/^version is quarantined/);
        const queue = await reviewer.get<{ model: string; reasons: string[] }[]>("/api/v1/quarantine");
        expect(queue.body.find((q) => q.model === "loader")?.reasons.length).toBeGreaterThan(0);
        expect((await consumer.get("/api/v1/quarantine")).status).toBe(403);
        expect((await consumer.get(`${base("loader", "1")}/signature`)).status).toBe(404);
      });

      it("release needs an admin and a reason; then the quarantined version downloads", async () => {
        expect((await reviewer.post(`${base("loader", "1")}/release`, { reason: "looks fine" })).status).toBe(403);
        expect((await publisher.post(`${base("loader", "1")}/release`, { reason: "mine" })).status).toBe(403);
        const noReason = await admin.post(`${base("loader", "1")}/release`, {});
        expect(noReason.status).toBe(400);
        const rel = await admin.post<VersionBody>(`${base("loader", "1")}/release`, { reason: "acme_loaders is our own package (ticket SEC-42)" });
        expect(rel.status).toBe(200);
        expect(rel.body.status).toBe("quarantined");
        expect(rel.body.released).toMatchObject({ reason: "acme_loaders is our own package (ticket SEC-42)" });
        const dl = await consumer.bytes(`${base("loader", "1")}/files/model.pkl`);
        expect(dl.status).toBe(200);
        expect(dl.body.equals(readFileSync(UNKNOWN_CALL_PICKLE))).toBe(true);
        expect((await admin.post(`${base("loader", "1")}/release`, { reason: "again" })).status).toBe(409);
      });

      it("a pickle running os.system is rejected (critical) and cannot be released", async () => {
        const dir = modelDir(work, "shell", { "payload.pkl": readFileSync(OS_SYSTEM_PICKLE) });
        await push(publisher, dir, "shell", "1");
        const state = await verdict("shell", "1");
        expect(state.status).toBe("rejected");
        expect(state.reasons.join("\n")).toContain("pickle/dangerous-global");
        expect((await admin.post(`${base("shell", "1")}/release`, { reason: "no" })).status).toBe(409);
        expect((await consumer.get(`${base("shell", "1")}/files/payload.pkl`)).status).toBe(403);
      });

      it("the token that pushed a version cannot approve or release it", async () => {
        const dir = modelDir(work, "self", { "model.pkl": readFileSync(UNKNOWN_CALL_PICKLE) });
        await push(admin, dir, "self", "1");
        expect((await verdict("self", "1")).status).toBe("quarantined");
        const approve = await admin.post(`${base("self", "1")}/approve`, { reason: "trust me" });
        expect(approve.status).toBe(403);
        expect(errorMessage(approve)).toMatch(/pushed/);
        expect((await admin.post(`${base("self", "1")}/release`, { reason: "trust me" })).status).toBe(403);
        expect((await publisher.post(`${base("self", "1")}/approve`, { reason: "x" })).status).toBe(403);
        const byReviewer = await reviewer.post<VersionBody>(`${base("self", "1")}/approve`, { reason: "reviewed acme_loaders" });
        expect(byReviewer.status).toBe(200);
        expect(byReviewer.body.status).toBe("approved");
        expect(byReviewer.body.signature?.verified).toBe(true);
      });

      it("a reviewer revokes an approved version: downloads stop", async () => {
        const dir = modelDir(work, "revokable", { "model.safetensors": readFileSync(CLEAN_SAFETENSORS) });
        await push(publisher, dir, "revokable", "1");
        expect((await verdict("revokable", "1")).status).toBe("approved");
        expect((await consumer.post(`${base("revokable", "1")}/revoke`, { reason: "x" })).status).toBe(403);
        const r = await reviewer.post<VersionBody>(`${base("revokable", "1")}/revoke`, { reason: "CVE in the tokenizer" });
        expect(r.body.status).toBe("revoked");
        expect((await consumer.get(`${base("revokable", "1")}/files/model.safetensors`)).status).toBe(403);
      });

      it("files the project already holds are not uploaded again; versions are immutable", async () => {
        const dir = modelDir(work, "clean2", { "model.safetensors": readFileSync(CLEAN_SAFETENSORS), "config.json": '{"model_type": "tiny"}\n' });
        const pushed = await push(publisher, dir, "clean", "1.0.1");
        expect(pushed.uploaded).toBe(0);
        expect((await verdict("clean", "1.0.1")).status).toBe("approved");
        await expect(push(publisher, dir, "clean", "1.0.1")).rejects.toThrow(/exists/);
        // Another project does not get the dedupe: knowing a digest is not having the file.
        const other = await admin.post<{ missing: string[] }>("/api/v1/projects/other/models/m/versions", {
          version: "1",
          files: [{ path: "model.safetensors", size: readFileSync(CLEAN_SAFETENSORS).length, sha256: sha256Of(readFileSync(CLEAN_SAFETENSORS)) }],
        });
        expect(other.status).toBe(201);
        expect(other.body.missing).toEqual(["model.safetensors"]);
      });

      it("lists projects, models and versions; uploading versions are not listed", async () => {
        const created = await publisher.post(`/api/v1/projects/vision/models/half/versions`, { version: "1", files: [{ path: "a.bin", size: 3, sha256: "a".repeat(64) }] });
        expect(created.status).toBe(201);
        const versions = await consumer.get<{ version: string }[]>("/api/v1/projects/vision/models/half/versions");
        expect(versions.body).toEqual([]);
        expect((await consumer.get(base("half", "1"))).status).toBe(404);
        expect((await publisher.get<VersionBody>(base("half", "1"))).body.status).toBe("uploading");
        const models = await consumer.get<{ name: string; latest?: { status: string } }[]>("/api/v1/projects/vision/models");
        expect(models.body.find((m) => m.name === "clean")?.latest?.status).toBe("approved");
        const projects = await consumer.get<{ name: string }[]>("/api/v1/projects");
        expect(projects.body.map((p) => p.name)).toEqual(["vision"]);
        const stats = await auditor.get<{ date: string; versions: number }[]>("/api/v1/stats/findings?days=7");
        expect(stats.status).toBe(200);
        expect(stats.body).toHaveLength(7);
        expect(stats.body.at(-1)!.versions).toBeGreaterThanOrEqual(3);
      });

      it("webhooks are delivered, signed with HMAC-SHA256", async () => {
        const approved = await until("webhook deliveries", async () => {
          const found = hooks.filter((h) => JSON.parse(h.body).event === "version.approved");
          return found.length > 0 && hooks.some((h) => JSON.parse(h.body).event === "download") && hooks.some((h) => JSON.parse(h.body).event === "version.quarantined") ? found : undefined;
        });
        for (const h of hooks) {
          const expected = `sha256=${createHmac("sha256", hookSecret).update(h.body).digest("hex")}`;
          expect(h.headers["x-modelgate-signature"]).toBe(expected);
          expect(h.headers["content-type"]).toBe("application/json");
        }
        expect(JSON.parse(approved[0]!.body).data).toMatchObject({ project: "vision", status: "approved" });
      });

      it("records every decision and access in the audit log", async () => {
        const size = await server.auditLog.size();
        const types = new Set((await server.auditLog.entries(0, size)).map((e) => e.type));
        for (const t of ["token.created", "project.created", "version.pushed", "version.uploaded", "scan.completed", "policy.verdict", "version.approved", "version.quarantined", "version.rejected", "version.released", "version.revoked", "download", "auth.denied", "webhook.changed"]) {
          expect(types, t).toContain(t);
        }
      });
    });

    describe("security", () => {
      it("every route refuses a missing, malformed, expired, revoked or wrongly scoped token", async () => {
        const scoped = await admin.post<TokenBody>("/api/v1/tokens", { name: "scoped-vulndb", admin: true, scopes: ["vulndb:update"] });
        const scoped2 = await admin.post<TokenBody>("/api/v1/tokens", { name: "scoped-webhooks", admin: true, scopes: ["webhook:*"] });
        const expired = await admin.post<TokenBody>("/api/v1/tokens", { name: "expired", admin: true });
        const revoked = await admin.post<TokenBody>("/api/v1/tokens", { name: "revoked", admin: true });
        await server.db.run("UPDATE tokens SET expires_at = ? WHERE id = ?", ["2001-01-01T00:00:00.000Z", expired.body.id]);
        expect((await admin.delete(`/api/v1/tokens/${revoked.body.id}`)).status).toBe(204);

        const routes = server.routes.filter((r) => !r.public && !KNOWN_PUBLIC.has(`${r.method} ${r.url}`));
        expect(routes.length).toBeGreaterThan(30);
        const failures: string[] = [];
        for (const r of routes) {
          const path = r.url
            .replace(":project", "vision")
            .replace(":model", "clean")
            .replace(":version", "1.0.0")
            .replace(":uploadId", "00000000-0000-0000-0000-000000000000")
            .replace(/:[A-Za-z]+/g, "x")
            .replace(/\*$/, "model.safetensors");
          const query = r.url.includes("proof/inclusion") ? "?index=0&size=1" : r.url.includes("proof/consistency") ? "?from=0&to=1" : "";
          const body = r.method === "POST" || r.method === "PUT" ? {} : undefined;
          const cases: [string, string | undefined, number][] = [
            ["missing", undefined, 401],
            ["malformed", "Basic YWRtaW46YWRtaW4=", 401],
            ["unknown", "mg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401],
            ["expired", expired.body.token, 401],
            ["revoked", revoked.body.token, 401],
          ];
          if (r.url !== "/api/v1/me") cases.push(["wrong scope", r.url === "/api/v1/vulndb/update" ? scoped2.body.token : scoped.body.token, 403]);
          for (const [label, token, want] of cases) {
            const headers: Record<string, string> = token === undefined ? {} : { authorization: token.startsWith("Basic") ? token : `Bearer ${token}` };
            const res: ApiResponse = await new Api(server.url).call(r.method, `${path}${query}`, body, headers);
            if (res.status !== want || errorCode(res) !== (want === 401 ? "UNAUTHORIZED" : "FORBIDDEN")) failures.push(`${r.method} ${r.url} with ${label} token: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
          }
        }
        expect(failures).toEqual([]);
      });

      it("tokens are stored as SHA-256 only, listed without secrets, and revocation is immediate", async () => {
        const t = await admin.post<TokenBody & { expiresAt: string }>("/api/v1/tokens", { name: "short", expiresInDays: 1, roles: [{ project: "vision", role: "consumer" }] });
        expect(Date.parse(t.body.expiresAt) - Date.now()).toBeLessThanOrEqual(86_400_000);
        const rows = await server.db.all<Record<string, unknown>>("SELECT * FROM tokens");
        expect(JSON.stringify(rows)).not.toContain(t.body.token);
        expect(JSON.stringify(rows)).toContain(sha256Of(Buffer.from(t.body.token)));
        const list = await admin.get<Record<string, unknown>[]>("/api/v1/tokens");
        expect(JSON.stringify(list.body)).not.toContain(t.body.token);
        expect(list.body.every((x) => !("token" in x) && !("hash" in x))).toBe(true);
        const api = new Api(server.url, t.body.token);
        expect((await api.get("/api/v1/me")).status).toBe(200);
        await admin.delete(`/api/v1/tokens/${t.body.id}`);
        expect((await api.get("/api/v1/me")).status).toBe(401);
        expect((await publisher.post("/api/v1/tokens", { name: "escalate", admin: true })).status).toBe(403);
        expect((await admin.post("/api/v1/tokens", { name: "bad", scopes: ["everything"] })).status).toBe(400);
      });

      it("roles are per project: a vision publisher cannot push to another project", async () => {
        const r = await publisher.post("/api/v1/projects/other/models/m/versions", { version: "1", files: [{ path: "a", size: 1, sha256: "b".repeat(64) }] });
        expect(r.status).toBe(403);
        expect((await consumer.post("/api/v1/projects/vision/models/m/versions", { version: "1", files: [{ path: "a", size: 1, sha256: "b".repeat(64) }] })).status).toBe(403);
        expect((await consumer.get("/api/v1/projects/other/models")).status).toBe(403);
      });

      it("refuses path traversal and invalid names with 400", async () => {
        const decl = (path: string) => publisher.post("/api/v1/projects/vision/models/trav/versions", { version: "1", files: [{ path, size: 1, sha256: "c".repeat(64) }] });
        for (const bad of ["../evil", "a/../../evil", "/etc/passwd", "C:/x", "a\\b", "a\u0000b", "a/./b", "a//b", "x/", "line\nbreak", "..", "."]) {
          const r = await decl(bad);
          expect(r.status, bad).toBe(400);
          expect(errorCode(r), bad).toBe("INVALID_OPTION");
        }
        for (const bad of ["..", ".hidden", "a b", "x".repeat(129), "-x", "a/b"]) {
          expect((await publisher.post("/api/v1/projects/vision/models/trav/versions", { version: bad, files: [{ path: "a", size: 1, sha256: "c".repeat(64) }] })).status, bad).toBe(400);
          expect((await admin.post("/api/v1/projects", { name: bad })).status, bad).toBe(400);
        }
        const created = await publisher.post<{ uploadId: string }>("/api/v1/projects/vision/models/trav/versions", { version: "1", files: [{ path: "a.bin", size: 1, sha256: "c".repeat(64) }] });
        const up = created.body.uploadId;
        for (const raw of [`/api/v1/uploads/${up}/files/..%2F..%2Fmodelgate.db`, `/api/v1/uploads/${up}/files/%2e%2e/x`, `/api/v1/uploads/${up}/files/a%5Cb`, `/api/v1/uploads/${up}/files/a%00b`]) {
          const r = await publisher.raw("PUT", raw, Buffer.from("x"), { "content-type": "application/octet-stream" });
          expect(r.status, raw).toBe(400);
        }
        for (const raw of [`${base("clean", "1.0.0")}/files/..%2F..%2F..%2Fmodelgate.db`, `${base("clean", "1.0.0")}/files/%2e%2e%2fconfig.json`, `/api/v1/projects/vision/models/clean/versions/%2e%2e/files/x`, `/api/v1/projects/%2e%2e/models/clean/versions/1/files/x`]) {
          const r = await consumer.raw("GET", raw);
          expect([400, 403], raw).toContain(r.status);
          expect(r.text, raw).not.toContain("SQLite");
        }
      });

      it("an oversized upload gets 413, a wrong size or sha256 gets 400, malformed JSON gets 400", async () => {
        const tooBig = await publisher.post("/api/v1/projects/vision/models/big/versions", { version: "1", files: [{ path: "w.bin", size: SUITE_MAX_UPLOAD + 1, sha256: "d".repeat(64) }] });
        expect(tooBig.status).toBe(413);
        expect(errorCode(tooBig)).toBe("LIMIT_EXCEEDED");

        const content = Buffer.alloc(1000, 7);
        const created = await publisher.post<{ uploadId: string }>("/api/v1/projects/vision/models/big/versions", {
          version: "2",
          files: [
            { path: "ok.bin", size: content.length, sha256: sha256Of(content) },
            { path: "lying.bin", size: content.length, sha256: "e".repeat(64) },
          ],
        });
        expect(created.status).toBe(201);
        const up = `/api/v1/uploads/${created.body.uploadId}/files`;
        const over = await publisher.raw("PUT", `${up}/ok.bin`, Buffer.alloc(SUITE_MAX_UPLOAD + 10), { "content-type": "application/octet-stream" });
        expect(over.status).toBe(413);
        const short = await publisher.raw("PUT", `${up}/ok.bin`, content.subarray(0, 10), { "content-type": "application/octet-stream" });
        expect(short.status).toBe(400);
        const mismatch = await publisher.raw("PUT", `${up}/lying.bin`, content, { "content-type": "application/octet-stream" });
        expect(mismatch.status).toBe(400);
        expect(mismatch.text).toMatch(/sha256/);
        expect((await publisher.post(`/api/v1/uploads/${created.body.uploadId}/complete`)).status).toBe(409);
        expect((await publisher.raw("PUT", `${up}/ok.bin`, content, { "content-type": "application/octet-stream" })).status).toBe(204);
        expect((await reviewer.raw("PUT", `${up}/ok.bin`, content, { "content-type": "application/octet-stream" })).status).toBe(403);

        const malformed = await admin.call("POST", "/api/v1/projects", "{not json", { "content-type": "application/json" });
        expect(malformed.status).toBe(400);
        expect(errorCode(malformed)).toBe("MALFORMED_INPUT");
        const wrongShape = await admin.post("/api/v1/projects", { name: 42 });
        expect(wrongShape.status).toBe(400);
        expect(errorCode(wrongShape)).toBe("INVALID_OPTION");
      });
    });

    describe("operations", () => {
      it("serves health, readiness, metrics and an OpenAPI document covering every route", async () => {
        const anon = new Api(server.url);
        expect((await anon.get("/healthz")).body).toEqual({ status: "ok" });
        expect((await anon.get("/readyz")).body).toEqual({ status: "ready" });
        const metrics = await anon.bytes("/metrics");
        expect(metrics.text).toContain("modelgate_http_requests_total");
        expect(metrics.text).toMatch(/modelgate_versions\{status="approved"\} [1-9]/);
        expect(metrics.text).toContain("modelgate_queue_depth");
        expect(metrics.text).toMatch(/modelgate_upload_bytes_total [1-9]/);
        const doc = (await anon.get<typeof OPENAPI_DOCUMENT>("/openapi.json")).body as { openapi: string; paths: Record<string, Record<string, unknown>> };
        expect(doc.openapi).toMatch(/^3\./);
        const undocumented = server.routes
          .filter((r) => !(r.url === "/" || r.url === "/ui" || r.url.startsWith("/ui/")))
          .filter((r) => doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()] === undefined)
          .map((r) => `${r.method} ${r.url}`);
        expect(undocumented).toEqual([]);
      });

      it("keeps everything across a restart, and shows no admin token the second time", async () => {
        await server.close();
        server = await createServer(config);
        expect(server.adminToken).toBeUndefined();
        admin = new Api(server.url, admin.token);
        consumer = new Api(server.url, consumer.token);
        expect((await admin.get<{ name: string }>("/api/v1/me")).body.name).toBe("bootstrap-admin");
        expect((await consumer.get<VersionBody>(base("clean", "1.0.0"))).body.status).toBe("approved");
        const got = await consumer.bytes(`${base("clean", "1.0.0")}/files/model.safetensors`);
        expect(got.body.equals(readFileSync(CLEAN_SAFETENSORS))).toBe(true);
        const dir = modelDir(work, "after-restart", { "model.safetensors": readFileSync(CLEAN_SAFETENSORS) });
        await pushModel(dir, { url: server.url, token: publisher.token!, project: "vision", model: "after", version: "1" });
        expect((await waitForVerdict(server.url, admin.token!, "vision", "after", "1", 60_000, 100)).status).toBe("approved");
      });
    });
  });
}

function sha256Of(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}
