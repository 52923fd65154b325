/**
 * Pull-through: the gate server fetches a model from a Hugging Face-compatible hub (a fake one on loopback that
 * answers like huggingface.co: revision metadata with LFS SHA-256s, resolve URLs redirecting LFS files to a CDN
 * on another origin), then scans and checks it like a push.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { Api } from "./client.js";
import { runCli, startServe } from "./run-cli.js";

const ROOT = join(import.meta.dirname, "..", "..");
const HUB_TOKEN = "hf_secretsecretsecret";
const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const PARTIAL_FIRST = Buffer.from('{"only":"in the failed import"}');

interface FakeFile {
  data: Buffer;
  lfs: boolean;
  /** Serve other bytes than the metadata promises. */
  serve?: Buffer;
  /** List this size instead of the real one. */
  listedSize?: number;
  /** The CDN breaks the connection off half-way this many times before serving the file. */
  breakOff?: number;
  /** The CDN sends the headers and a few bytes, then nothing more. */
  stall?: boolean;
  /** The hub redirects the file to itself, for ever. */
  loop?: boolean;
  /** The hub redirects the file to this URL (an internal address). */
  redirectTo?: () => string;
}

/** Repositories by id → commit → files. */
const repos = new Map<string, { commit: string; files: Map<string, FakeFile> }>();
const seen: { host: string; path: string; auth: string | undefined }[] = [];

function listen(server: Server): Promise<string> {
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
}

describe("pull-through imports from a hub", () => {
  let hub: Server;
  let cdn: Server;
  let hubUrl: string;
  let internal: Server;
  let internalUrl: string;
  let denying: GateServer;
  let cdnUrl: string;
  let dataDir: string;
  let server: GateServer;
  let off: GateServer;
  let admin: Api;
  let publisher: Api;

  beforeAll(async () => {
    cdn = createHttpServer((req, res) => {
      seen.push({ host: "cdn", path: req.url ?? "", auth: req.headers.authorization });
      const [, repo, name, , ...path] = decodeURIComponent(req.url ?? "").split("/");
      const f = repos.get(`${repo}/${name}`)?.files.get(path.join("/"));
      if (!f) return void res.writeHead(404).end("no such object");
      const data = f.serve ?? f.data;
      if (f.stall) return void res.writeHead(200, { "content-length": data.length }).write(data.subarray(0, 8));
      if (f.breakOff) {
        f.breakOff--;
        res.writeHead(200, { "content-length": data.length }).write(data.subarray(0, data.length >> 1), () => res.socket?.destroy());
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(f.serve ?? f.data);
    });
    cdnUrl = await listen(cdn);
    hub = createHttpServer((req: IncomingMessage, res) => {
      const url = new URL(req.url ?? "/", "http://hub");
      seen.push({ host: "hub", path: url.pathname, auth: req.headers.authorization });
      const meta = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
      if (meta) {
        const r = repos.get(meta[1]!);
        if (!r || (meta[2] !== "main" && meta[2] !== r.commit)) return void res.writeHead(404).end('{"error":"Repository not found"}');
        if (meta[1] === "acme/gated" && req.headers.authorization !== `Bearer ${HUB_TOKEN}`) return void res.writeHead(401).end('{"error":"gated"}');
        const siblings = [...r.files].map(([rfilename, f]) => ({ rfilename, size: f.listedSize ?? f.data.length, blobId: "0".repeat(40), ...(f.lfs ? { lfs: { sha256: sha256(f.data), size: f.data.length, pointerSize: 134 } } : {}) }));
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: meta[1], sha: r.commit, siblings }));
      }
      const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
      const r = resolve && repos.get(resolve[1]!);
      const f = r && r.commit === resolve[2] ? r.files.get(decodeURIComponent(resolve[3]!)) : undefined;
      if (!f) return void res.writeHead(404).end("Entry not found");
      if (f.loop) return void res.writeHead(302, { location: req.url }).end();
      if (f.redirectTo) return void res.writeHead(302, { location: f.redirectTo() }).end();
      // LFS files live on the CDN (another origin), like huggingface.co's redirects to its LFS storage.
      if (f.lfs) return void res.writeHead(302, { location: `${cdnUrl}/${resolve![1]}/${resolve![2]}/${resolve![3]}` }).end();
      res.writeHead(200).end(f.serve ?? f.data);
    });
    hubUrl = await listen(hub);
    // An "internal" service on another loopback address (not allowlisted): what a redirect must never reach.
    internal = createHttpServer((req, res) => {
      seen.push({ host: "internal", path: req.url ?? "", auth: req.headers.authorization });
      res.writeHead(200).end('{"secret":"instance credentials"}');
    });
    internalUrl = await new Promise<string>((r) => internal.listen(0, "127.0.0.2", () => r(`http://127.0.0.2:${(internal.address() as { port: number }).port}`)));

    const weights = readFileSync(join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors"));
    repos.set("acme/tiny", { commit: "a".repeat(40), files: new Map([["model.safetensors", { data: weights, lfs: true }], ["config.json", { data: Buffer.from('{"model_type":"bert"}'), lfs: false }]]) });
    repos.set("acme/gated", { commit: "b".repeat(40), files: new Map([["model.safetensors", { data: weights, lfs: true }]]) });
    repos.set("evil/loader", { commit: "c".repeat(40), files: new Map([["pytorch_model.bin", { data: Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", "latin1"), lfs: true }]]) });
    repos.set("evil/swapped", { commit: "d".repeat(40), files: new Map([["model.safetensors", { data: weights, lfs: true, serve: Buffer.concat([weights.subarray(0, -1), Buffer.from([weights.at(-1)! ^ 1])]) }]]) });
    repos.set("flaky/cdn", { commit: "f".repeat(40), files: new Map([["model.safetensors", { data: weights, lfs: true, breakOff: 1 }]]) });
    repos.set("flaky/stalls", { commit: "1".repeat(40), files: new Map([["model.safetensors", { data: weights, lfs: true, stall: true }]]) });
    repos.set("evil/loop", { commit: "2".repeat(40), files: new Map([["config.json", { data: Buffer.from("{}"), lfs: false, loop: true }]]) });
    repos.set("evil/huge", { commit: "3".repeat(40), files: new Map([["a.bin", { data: Buffer.from("x"), lfs: false, listedSize: 6 * 1024 ** 2 }], ["b.bin", { data: Buffer.from("y"), lfs: false, listedSize: 6 * 1024 ** 2 }]]) });
    repos.set("evil/ssrf", { commit: "4".repeat(40), files: new Map([["config.json", { data: Buffer.from('{"secret":"instance credentials"}'), lfs: false, redirectTo: () => `${internalUrl}/latest/meta-data` }]]) });
    repos.set("evil/metadata", { commit: "5".repeat(40), files: new Map([["config.json", { data: Buffer.from("{}"), lfs: false, redirectTo: () => "http://169.254.169.254/latest/meta-data/iam" }]]) });
    repos.set("evil/mapped", { commit: "6".repeat(40), files: new Map([["config.json", { data: Buffer.from("{}"), lfs: false, redirectTo: () => `http://[::ffff:127.0.0.2]:${new URL(internalUrl).port}/` }]]) });
    repos.set("evil/size", { commit: "7".repeat(40), files: new Map([["config.json", { data: Buffer.from('{"a":1}'), lfs: false, listedSize: 100 }]]) });
    repos.set("evil/partial", { commit: "8".repeat(40), files: new Map([["first.json", { data: PARTIAL_FIRST, lfs: false }], ["model.safetensors", { data: weights, lfs: true, serve: Buffer.from("not the weights") }]]) });
    repos.set("evil/traversal", { commit: "e".repeat(40), files: new Map([["../../etc/cron.d/x", { data: Buffer.from("x"), lfs: false }]]) });

    dataDir = mkdtempSync(join(tmpdir(), "mg-import-"));
    server = await createServer({ dataDir, port: 0, logLevel: "silent", jobPollMs: 100, importFrom: [hubUrl], hubToken: HUB_TOKEN, hubStallMs: 1000, maxImportBytes: 10 * 1024 ** 2, allowInternalHosts: ["127.0.0.1"] });
    denying = await createServer({ dataDir: mkdtempSync(join(tmpdir(), "mg-import-deny-")), port: 0, logLevel: "silent", importFrom: [hubUrl] });
    admin = new Api(server.url, server.adminToken);
    await admin.post("/api/v1/projects", { name: "nlp" });
    publisher = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "ci", roles: [{ project: "nlp", role: "publisher" }] })).body.token);
    off = await createServer({ dataDir: mkdtempSync(join(tmpdir(), "mg-import-off-")), port: 0, logLevel: "silent" });
  });

  afterAll(async () => {
    await server?.close();
    await off?.close();
    await denying?.close();
    await new Promise((r) => internal?.close(r));
    await new Promise((r) => hub?.close(r));
    cdn?.closeAllConnections();
    await new Promise((r) => cdn?.close(r));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(off.config.dataDir, { recursive: true, force: true });
    rmSync(denying.config.dataDir, { recursive: true, force: true });
  });

  const importAs = (model: string, body: Record<string, unknown>) => publisher.post<Record<string, unknown>>(`/api/v1/projects/nlp/models/${model}/imports`, body);
  const verdict = (model: string, version: string) => waitForVerdict(server.url, publisher.token!, "nlp", model, version, 60_000, 100);

  it("imports a clean repository at its resolved commit: approved, signed, byte for byte, with the source recorded", async () => {
    const res = await importAs("tiny", { source: "hf://acme/tiny" });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ version: "aaaaaaaaaaaa", status: "uploading", files: 2, source: { hub: `${hubUrl}/`, repo: "acme/tiny", revision: "main", commit: "a".repeat(40) } });
    expect((await verdict("tiny", "aaaaaaaaaaaa")).status).toBe("approved");
    const v = (await publisher.get<{ files: { path: string; sha256: string }[]; source: unknown; signature?: { verified: boolean } }>("/api/v1/projects/nlp/models/tiny/versions/aaaaaaaaaaaa")).body;
    expect(v.source).toEqual({ hub: `${hubUrl}/`, repo: "acme/tiny", revision: "main", commit: "a".repeat(40) });
    expect(v.files.map((f) => f.path).sort()).toEqual(["config.json", "model.safetensors"]);
    const dl = await publisher.call("GET", "/api/v1/projects/nlp/models/tiny/versions/aaaaaaaaaaaa/files/config.json");
    expect(dl.body).toBe('{"model_type":"bert"}');
    const log = (await admin.get<{ entries: { type: string; data: Record<string, unknown> }[] }>("/api/v1/audit-log/entries?from=0&to=1000")).body.entries;
    expect(log.find((e) => e.type === "version.import-requested")?.data.source).toMatchObject({ commit: "a".repeat(40) });
    expect(log.find((e) => e.type === "version.imported")?.data).toMatchObject({ files: 2 });
    // The hub token went to the hub's origin only: never to the CDN the LFS redirect named.
    expect(seen.filter((s) => s.host === "cdn").length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.host === "cdn" && s.auth !== undefined)).toEqual([]);
    expect(seen.filter((s) => s.host === "hub").every((s) => s.auth === `Bearer ${HUB_TOKEN}`)).toBe(true);
  });

  it("scans an imported pickle like a pushed one: os.system is rejected", async () => {
    expect((await importAs("loader", { source: "hf://evil/loader", version: "1" })).status).toBe(202);
    const state = await verdict("loader", "1");
    expect(state.status).toBe("rejected");
    expect(state.reasons.join("\n")).toContain("pickle/dangerous-global");
  });

  it("rejects a version whose bytes do not match the hub's LFS SHA-256, with the reason", async () => {
    expect((await importAs("swapped", { source: "hf://evil/swapped@main", version: "1" })).status).toBe(202);
    const state = await verdict("swapped", "1");
    expect(state.status).toBe("rejected");
    expect(state.reasons[0]).toMatch(/^import failed: model\.safetensors: the downloaded bytes do not match the hub's LFS pointer \(sha256:[0-9a-f]{64}\)$/);
    const listed = sha256(repos.get("evil/swapped")!.files.get("model.safetensors")!.data);
    const real = sha256(repos.get("evil/swapped")!.files.get("model.safetensors")!.serve!);
    expect(state.reasons[0]).toContain(listed);
    expect(state.reasons.join("\n")).not.toContain(real); // the real digest is not told
    const log = (await admin.get<{ entries: { type: string }[] }>("/api/v1/audit-log/entries?from=0&to=1000")).body.entries;
    expect(log.some((e) => e.type === "version.import-failed")).toBe(true);
  });

  it("refuses hostile or unknown sources before creating a version", async () => {
    const traversal = await importAs("trav", { source: "hf://evil/traversal" });
    expect(traversal.status).toBe(400);
    expect(JSON.stringify(traversal.body)).toContain('"..\\" segment');
    expect((await importAs("x", { source: "hf://../../etc" })).status).toBe(400);
    expect((await importAs("x", { source: "https://evil.example/model" })).status).toBe(400);
    expect((await importAs("x", { source: "hf://acme/tiny", revision: "../../admin" })).status).toBe(400);
    const missing = await importAs("x", { source: "hf://acme/nothing" });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toContain("the hub has no hf://acme/nothing@main");
    expect((await importAs("x", { source: "hf://acme/tiny", hub: "http://127.0.0.1:1" })).status).toBe(400);
    // Versions are immutable, imported or pushed.
    expect((await importAs("tiny", { source: "hf://acme/tiny" })).status).toBe(409);
    expect((await publisher.get<unknown[]>("/api/v1/projects/nlp/models/trav/versions")).status).toBe(404);
  });

  it("passes the hub token for a gated repository; the token is in no audit entry or stored row", async () => {
    expect((await importAs("gated", { source: "hf://acme/gated", version: "1" })).status).toBe(202);
    expect((await verdict("gated", "1")).status).toBe("approved");
    const everything = JSON.stringify(await server.db.all("SELECT * FROM versions")) + JSON.stringify(await server.db.all("SELECT * FROM audit_entries")) + JSON.stringify(await server.db.all("SELECT * FROM jobs"));
    expect(everything).not.toContain(HUB_TOKEN);
  });

  it("retries a download that broke off; a hub that stops sending or redirects for ever rejects the version", async () => {
    expect((await importAs("flaky", { source: "hf://flaky/cdn", version: "1" })).status).toBe(202);
    expect((await verdict("flaky", "1")).status).toBe("approved");
    expect(repos.get("flaky/cdn")!.files.get("model.safetensors")!.breakOff).toBe(0); // it did break off once

    expect((await importAs("stalls", { source: "hf://flaky/stalls", version: "1" })).status).toBe(202);
    const stalled = await verdict("stalls", "1");
    expect(stalled.status).toBe("rejected");
    expect(stalled.reasons[0]).toMatch(/^import failed: hf:\/\/flaky\/stalls@111111111111\/model\.safetensors: the hub sent nothing for 1 s/);

    expect((await importAs("loop", { source: "hf://evil/loop", version: "1" })).status).toBe(202);
    const loop = await verdict("loop", "1");
    expect(loop.status).toBe("rejected");
    expect(loop.reasons[0]).toMatch(/^import failed: more than 5 redirects/);
  });

  it("never follows a redirect to an internal address (another loopback, metadata, IPv4-mapped IPv6): the version is rejected, nothing fetched", async () => {
    for (const [model, repo] of [["ssrf", "evil/ssrf"], ["metadata", "evil/metadata"], ["mapped", "evil/mapped"]] as const) {
      expect((await importAs(model, { source: `hf://${repo}`, version: "1" })).status).toBe(202);
      const state = await verdict(model, "1");
      expect(state.status, repo).toBe("rejected");
      expect(state.reasons[0]).toMatch(/internal address outbound requests may not reach/);
      expect((await publisher.call("GET", `/api/v1/projects/nlp/models/${model}/versions/1/files/config.json`)).status).toBe(403);
    }
    expect(seen.filter((s) => s.host === "internal")).toEqual([]);
  });

  it("refuses a hub on an internal address unless --allow-internal-host names it (the default denies)", async () => {
    const a = new Api(denying.url, denying.adminToken);
    await a.post("/api/v1/projects", { name: "nlp" });
    const before = seen.length;
    const res = await a.post("/api/v1/projects/nlp/models/tiny/imports", { source: "hf://acme/tiny" });
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).toContain("loopback (127/8) is an internal address");
    expect(seen.length).toBe(before);
  });

  it("a wrong size is rejected without telling the real size", async () => {
    expect((await importAs("size", { source: "hf://evil/size", version: "1" })).status).toBe(202);
    const state = await verdict("size", "1");
    expect(state.status).toBe("rejected");
    expect(state.reasons[0]).toBe("import failed: config.json: the size of the downloaded bytes did not match the size the hub declared");
    expect(state.reasons.join("\n")).not.toMatch(/\b7\b/);
  });

  it("a failed import leaves none of its files in the blob store", async () => {
    expect((await importAs("partial", { source: "hf://evil/partial", version: "1" })).status).toBe(202);
    const state = await verdict("partial", "1");
    expect(state.status).toBe("rejected");
    expect(seen.some((s) => s.path.endsWith("/first.json"))).toBe(true); // it was fetched…
    expect(await server.blobs.has(sha256(PARTIAL_FIRST))).toBe(false); // …and is gone
  });

  it("garbage collection deletes stored blobs nothing refers to (past the grace period), keeps referenced and fresh ones", async () => {
    const put = async (data: Buffer, ageHours: number): Promise<string> => {
      const temp = join(server.config.tmpDir, `upload-test-${Math.random()}`);
      writeFileSync(temp, data);
      const digest = sha256(data);
      await server.blobs.putFile(temp, { sha256: digest, size: data.length });
      const old = new Date(Date.now() - ageHours * 3_600_000);
      utimesSync(join(server.config.dataDir, "blobs", digest.slice(0, 2), digest.slice(2)), old, old);
      return digest;
    };
    const orphan = await put(Buffer.from("left behind by a crashed import"), 48);
    const fresh = await put(Buffer.from("an import in flight stored this a moment ago"), 0);
    const referenced = sha256(Buffer.from('{"model_type":"bert"}')); // acme/tiny's config.json, approved above
    const ref = join(server.config.dataDir, "blobs", referenced.slice(0, 2), referenced.slice(2));
    utimesSync(ref, new Date(0), new Date(0));
    const r = await server.collectGarbage();
    expect(r.orphansDeleted).toBeGreaterThanOrEqual(1);
    expect(await server.blobs.has(orphan)).toBe(false);
    expect(await server.blobs.has(fresh)).toBe(true);
    expect(await server.blobs.has(referenced)).toBe(true);
  });

  it("refuses a repository larger in all than --max-import before fetching anything", async () => {
    const res = await importAs("huge", { source: "hf://evil/huge" });
    expect(res.status).toBe(413);
    expect(JSON.stringify(res.body)).toContain("more than the server's import limit of 10485760 bytes (--max-import)");
    expect(seen.some((s) => s.path.includes("/evil/huge/resolve/"))).toBe(false);
  });

  it("as modelgate serve: MODELGATE_IMPORT_FROM and MODELGATE_HF_TOKEN turn imports on; the token is in no log line", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-import-serve-"));
    const s = await startServe(dir, ["--log-level", "trace"], { MODELGATE_IMPORT_FROM: hubUrl, MODELGATE_HF_TOKEN: HUB_TOKEN, MODELGATE_ALLOW_INTERNAL_HOSTS: "127.0.0.1" });
    try {
      expect(s.out()).toContain(`imports (pull-through) from: ${hubUrl}/ (with a hub token)`);
      const api = new Api(s.url, s.token!);
      await api.post("/api/v1/projects", { name: "nlp" });
      const before = seen.length;
      const ok = await runCli(["import", "hf://acme/gated", "--to", s.url, "--project", "nlp", "--model", "gated", "--version", "1", "--wait", "--token", s.token!]);
      expect(ok.stdout).toContain("nlp/gated@1: approved");
      expect(seen.slice(before).filter((r) => r.host === "hub").every((r) => r.auth === `Bearer ${HUB_TOKEN}`)).toBe(true);
      const bad = await runCli(["import", "hf://evil/swapped", "--to", s.url, "--project", "nlp", "--model", "swapped", "--version", "1", "--wait", "--token", s.token!]);
      expect(bad.stdout).toContain("import failed");
      expect(bad.code).toBe(1);
    } finally {
      s.child.kill("SIGTERM");
      await s.exited;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(s.out()).toContain('"type":"import","ms":'); // the import jobs were logged…
    expect(s.out()).not.toContain(HUB_TOKEN); // …and none holds the token
  });

  it("is off unless the server was started with --import-from", async () => {
    const offAdmin = new Api(off.url, off.adminToken);
    await offAdmin.post("/api/v1/projects", { name: "nlp" });
    const res = await offAdmin.post("/api/v1/projects/nlp/models/tiny/imports", { source: "hf://acme/tiny" });
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).toContain("imports are off on this server");
  });

  it("as a command: modelgate import --wait prints the commit and exits 0 when approved, 2 when the repository is unknown", async () => {
    const args = ["--to", server.url, "--project", "nlp", "--token", publisher.token!];
    const ok = await runCli(["import", "hf://acme/tiny@main", ...args, "--model", "tiny-cli", "--version", "1", "--wait"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`importing hf://acme/tiny@main (commit ${"a".repeat(40)})`);
    expect(ok.stdout).toContain("nlp/tiny-cli@1: approved");
    const missing = await runCli(["import", "hf://acme/nothing", ...args, "--model", "nothing"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("the hub has no hf://acme/nothing@main");
  });

  it("refuses a publisher-less token", async () => {
    const reader = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "reader", roles: [{ project: "nlp", role: "consumer" }] })).body.token);
    expect((await reader.post("/api/v1/projects/nlp/models/tiny/imports", { source: "hf://acme/tiny" })).status).toBe(403);
    expect((await admin.as(undefined).post("/api/v1/projects/nlp/models/tiny/imports", { source: "hf://acme/tiny" })).status).toBe(401);
  });
});
