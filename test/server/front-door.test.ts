/**
 * Limits at the front door of the gate server (issue 12): failed-authentication rate limits with aggregated audit
 * entries, refused and slow requests closed, back-pressure on admissions, confidentiality at rest and in logs,
 * where each audited request came from, file-name clashes in one version, and a vanished keys/ folder.
 * Everything runs against servers on 127.0.0.1:0, with bounded loads.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type GateServer } from "../../src/server/app.js";
import type { ServerConfig } from "../../src/server/config.js";
import { Api, errorCode } from "./client.js";

const ADMIN = `mg_${"a".repeat(43)}`;
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function start(extra: Partial<ServerConfig> = {}): Promise<GateServer> {
  return createServer({ dataDir: tempDir("mg-front-"), port: 0, host: "127.0.0.1", logLevel: "silent", workers: 0, adminToken: ADMIN, ...extra });
}

const randomToken = (): string => `mg_${randomBytes(32).toString("base64url")}`;

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("failed authentication is rate-limited and aggregated in the audit log", () => {
  let server: GateServer;
  beforeAll(async () => {
    server = await start({ authWindowMs: 3000, maxAuthFailuresPerAddress: 30, maxAuthFailuresPerPrefix: 10 });
  });
  afterAll(async () => server.close());

  it("per token prefix, then per address: 429 with Retry-After, and a handful of audit entries for 200 guesses", async () => {
    const before = await server.auditLog.size();
    const api = new Api(server.url);
    const samePrefix = Array.from({ length: 12 }, () => `mg_AAAAAAAA${randomBytes(24).toString("base64url")}`);
    const prefixStatuses: number[] = [];
    for (const t of samePrefix) prefixStatuses.push((await api.as(t).get("/api/v1/projects")).status);
    expect(prefixStatuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(prefixStatuses.slice(10)).toEqual([429, 429]);

    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 200; i++) {
      const r = await api.as(randomToken()).get("/api/v1/projects");
      statuses.push(r.status);
      if (r.status === 429) {
        retryAfter = r.headers.get("retry-after");
        expect(errorCode(r)).toBe("RATE_LIMITED");
      }
    }
    expect(statuses.filter((s) => s === 401).length).toBe(20); // 30 per address, 10 already spent above
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(3);
    // Even the right token is refused from that address until the window ends (a guesser learns nothing).
    expect((await api.as(ADMIN).get("/api/v1/projects")).status).toBe(429);

    // 213 denied requests → the first 401 and the first 429 at once, the rest aggregated when the window ends.
    expect((await server.auditLog.size()) - before).toBeLessThanOrEqual(2);
    // Once the window is over the address may try again, and the aggregate is written with its count.
    await new Promise((r) => setTimeout(r, 3500));
    expect((await api.as(ADMIN).get("/api/v1/projects")).status).toBe(200);
    const entries = await server.auditLog.entries(before, await server.auditLog.size());
    const denied = entries.filter((e) => e.type === "auth.denied");
    expect(denied.length).toBeLessThanOrEqual(4);
    const counted = denied.reduce((n, e) => n + ((e.data as { count?: number }).count ?? 1), 0);
    expect(counted).toBe(213);
    expect(denied.some((e) => (e.data as { aggregated?: boolean }).aggregated === true)).toBe(true);
  }, 30_000);
});

/** Sends a request whose body the test writes itself; resolves when the server answers or the connection ends. */
function rawUpload(
  url: string,
  path: string,
  headers: Record<string, string>,
  feed: (write: (b: Buffer) => boolean, closed: () => boolean) => Promise<void>,
): Promise<{ status?: number; written: number; closedAfterMs: number }> {
  const u = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    let written = 0;
    let status: number | undefined;
    let closed = false;
    const socket = netConnect({ host: u.hostname, port: Number(u.port) });
    const finish = (): void => {
      if (closed) return;
      closed = true;
      resolve({ ...(status !== undefined ? { status } : {}), written, closedAfterMs: Date.now() - started });
    };
    let head = "";
    socket.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) status = Number(m[1]);
    });
    socket.on("close", finish);
    socket.on("error", () => socket.destroy());
    socket.on("connect", () => {
      const lines = [`PUT ${path} HTTP/1.1`, `host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "", ""];
      socket.write(lines.join("\r\n"));
      void feed(
        (b) => {
          if (closed || socket.destroyed) return false;
          written += b.length;
          return socket.write(b);
        },
        () => closed || socket.destroyed,
      ).catch(() => undefined);
    });
  });
}

describe("refused and slow requests are closed, not read", () => {
  let server: GateServer;
  let admin: Api;
  beforeAll(async () => {
    server = await start({ minUploadBytesPerSecond: 2000, uploadGraceMs: 1000, maxUploadBytes: 1024 ** 4 });
    admin = new Api(server.url, ADMIN);
    expect((await admin.post("/api/v1/projects", { name: "slow" })).status).toBe(201);
  });
  afterAll(async () => server.close());

  it("after a 401 the server does not read a 200 MiB body: it answers and closes", async () => {
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const r = await rawUpload(server.url, "/api/v1/uploads/x/files/a.bin", { "content-type": "application/octet-stream", "content-length": String(200 * 1024 * 1024), authorization: `Bearer ${randomToken()}` }, async (write, closed) => {
      for (let i = 0; i < 200 && !closed(); i++) {
        if (!write(chunk)) await new Promise((res) => setTimeout(res, 5));
      }
    });
    expect(r.status).toBe(401);
    expect(r.written).toBeLessThan(64 * 1024 * 1024);
    expect(r.closedAfterMs).toBeLessThan(5000);
  }, 20_000);

  it("a client declaring 10^12 bytes and trickling them is dropped: unauthenticated at once, authenticated within the grace", async () => {
    const trickle = async (write: (b: Buffer) => boolean, closed: () => boolean): Promise<void> => {
      for (let i = 0; i < 100 && !closed(); i++) {
        write(Buffer.from("x"));
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    const anon = await rawUpload(server.url, "/api/v1/uploads/x/files/a.bin", { "content-type": "application/octet-stream", "content-length": String(10 ** 12) }, trickle);
    expect(anon.status).toBe(401);
    expect(anon.closedAfterMs).toBeLessThan(3000);

    const size = 100_000;
    const declared = await admin.post<{ uploadId: string }>("/api/v1/projects/slow/models/m/versions", { version: "1", files: [{ path: "a.bin", size, sha256: "0".repeat(64) }] });
    expect(declared.status).toBe(201);
    const authed = await rawUpload(server.url, `/api/v1/uploads/${declared.body.uploadId}/files/a.bin`, { "content-type": "application/octet-stream", "content-length": String(size), authorization: `Bearer ${ADMIN}` }, trickle);
    expect(authed.closedAfterMs).toBeLessThan(6000);
    expect(authed.closedAfterMs).toBeGreaterThan(900);
  }, 30_000);

  it("headers that never finish are dropped after the headers timeout", async () => {
    const s2 = await start({ headersTimeoutMs: 500 });
    try {
      const u = new URL(s2.url);
      const started = Date.now();
      const closedAfter = await new Promise<number>((resolve) => {
        const socket = netConnect({ host: u.hostname, port: Number(u.port) }, () => socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\n"));
        const t = setInterval(() => socket.write("x-slow: 1\r\n"), 100);
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearInterval(t);
          resolve(Date.now() - started);
        });
      });
      expect(closedAfter).toBeLessThan(3000);
    } finally {
      await s2.close();
    }
  }, 20_000);
});

describe("back-pressure: pending work per project and in all is bounded", () => {
  let server: GateServer;
  let admin: Api;
  beforeAll(async () => {
    // workers: 0 — nothing drains the queue, so pending versions pile up.
    server = await start({ maxPendingPerProject: 3, maxPendingTotal: 5 });
    admin = new Api(server.url, ADMIN);
    for (const name of ["busy", "other"]) expect((await admin.post("/api/v1/projects", { name })).status).toBe(201);
  });
  afterAll(async () => server.close());

  async function push(project: string, version: string): Promise<{ status: number; retryAfter: string | null; code?: string }> {
    const content = Buffer.from(`${project}-${version}-${randomBytes(8).toString("hex")}`);
    const sha256 = createHash("sha256").update(content).digest("hex");
    const d = await admin.post<{ uploadId: string }>(`/api/v1/projects/${project}/models/m/versions`, { version, files: [{ path: "w.bin", size: content.length, sha256 }] });
    if (d.status !== 201) return { status: d.status, retryAfter: d.headers.get("retry-after"), ...(errorCode(d) ? { code: errorCode(d)! } : {}) };
    expect((await admin.call("PUT", `/api/v1/uploads/${d.body.uploadId}/files/w.bin`, content, { "content-type": "application/octet-stream" })).status).toBe(204);
    const c = await admin.post(`/api/v1/uploads/${d.body.uploadId}/complete`);
    return { status: c.status, retryAfter: c.headers.get("retry-after"), ...(errorCode(c) ? { code: errorCode(c)! } : {}) };
  }

  it("answers 429 for a project over its backlog, 503 for a saturated server, with Retry-After and a metric", async () => {
    for (const v of ["1", "2", "3"]) expect((await push("busy", v)).status).toBe(202);
    const over = await push("busy", "4");
    expect(over).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
    // Another project is not held up by the busy one …
    for (const v of ["1", "2"]) expect((await push("other", v)).status).toBe(202);
    // … until the server as a whole is full.
    const full = await push("other", "3");
    expect(full).toMatchObject({ status: 503, code: "UNAVAILABLE" });
    expect(Number(full.retryAfter)).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/modelgate_admissions_refused_total\{scope="project"\} 1/);
    expect(metrics).toMatch(/modelgate_admissions_refused_total\{scope="server"\} 1/);
    expect(metrics).toMatch(/modelgate_pending_versions\{scope="total"\} 5/);
    expect(metrics).toMatch(/modelgate_pending_versions\{scope="max_project"\} 3/);
  }, 30_000);
});

describe("confidentiality at rest and in logs", () => {
  let server: GateServer;
  let admin: Api;
  const logLines: string[] = [];
  beforeAll(async () => {
    server = await start({ logLevel: "info", logStream: { write: (line: string) => void logLines.push(line) }, allowInternalHosts: ["127.0.0.1"] });
    admin = new Api(server.url, ADMIN);
  });
  afterAll(async () => server.close());

  it("creates the data folder 0700 and the database files 0600", async () => {
    expect((await admin.post("/api/v1/projects", { name: "secret-stuff" })).status).toBe(201);
    const mode = (p: string): number => statSync(p).mode & 0o777;
    const dataDir = server.config.dataDir;
    expect(mode(dataDir)).toBe(0o700);
    for (const d of ["tmp", "blobs", "keys"]) expect(mode(join(dataDir, d)), d).toBe(0o700);
    for (const f of readdirSync(dataDir).filter((n) => n.startsWith("modelgate.db"))) expect(mode(join(dataDir, f)), f).toBe(0o600);
    for (const f of readdirSync(join(dataDir, "keys"))) expect(mode(join(dataDir, "keys", f)), f).toBe(0o600);
  });

  it("never logs a token sent in the query string", async () => {
    const secretToken = randomToken();
    await fetch(`${server.url}/api/v1/projects?token=${secretToken}&x=1`);
    await fetch(`${server.url}/api/v1/projects?access_token=${secretToken}`);
    await fetch(`${server.url}/api/v1/projects?X-Amz-Signature=abcdef0123456789&q=${secretToken}`);
    await new Promise((r) => setTimeout(r, 100));
    const log = logLines.join("");
    expect(log).toContain("/api/v1/projects?token=[REDACTED]&x=1");
    expect(log).not.toContain(secretToken);
    expect(log).not.toContain(secretToken.slice(3, 20));
    expect(log).not.toContain("abcdef0123456789");
  });

  it("API responses are nosniff and no-store", async () => {
    for (const path of ["/api/v1/projects", "/api/v1/server-key", "/healthz", "/api/v1/nothing-here"]) {
      const r = await admin.get(path);
      expect(r.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(r.headers.get("cache-control"), path).toBe("no-store");
    }
    const unauth = await new Api(server.url).get("/api/v1/projects");
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("webhook secrets are encrypted at rest, with a key derived from the server key", async () => {
    const secret = "a-very-secret-webhook-secret-123";
    const w = await admin.post<{ id: string }>("/api/v1/webhooks", { url: "http://127.0.0.1:9/hook", events: ["version.approved"], secret });
    expect(w.status).toBe(201);
    const row = await server.db.get<{ secret: string }>("SELECT secret FROM webhooks WHERE id = ?", [w.body.id]);
    expect(row!.secret).toMatch(/^enc:v1:/);
    expect(row!.secret).not.toContain(secret);
    const { getWebhook } = await import("../../src/server/db/webhooks.js");
    expect((await getWebhook(server.db, w.body.id))!.secret).toBe(secret);
    // A secret moved to another row does not decrypt there (the row id is bound in).
    await server.db.run("INSERT INTO webhooks (id, url, events, secret, created_at, created_by) VALUES ('other', 'http://127.0.0.1:9/x', '[]', ?, '2026-01-01', 'x')", [row!.secret]);
    await expect(getWebhook(server.db, "other")).rejects.toThrow(/does not decrypt/);
    await server.db.run("DELETE FROM webhooks WHERE id = 'other'");
    const raw = readFileSync(join(server.config.dataDir, "modelgate.db")).toString("latin1") + readFileSync(join(server.config.dataDir, "modelgate.db-wal")).toString("latin1");
    expect(raw).not.toContain(secret);
  });
});

describe("every audit entry records where its request came from", () => {
  async function originsOf(server: GateServer, headers: Record<string, string>): Promise<Record<string, unknown>> {
    const admin = new Api(server.url, ADMIN);
    const before = await server.auditLog.size();
    expect((await admin.call("POST", "/api/v1/projects", { name: "origin" }, headers)).status).toBe(201);
    expect((await admin.call("POST", "/api/v1/tokens", { name: "t1", roles: [{ project: "origin", role: "publisher" }] }, headers)).status).toBe(201);
    const sha = createHash("sha256").update("x").digest("hex");
    expect((await admin.call("POST", "/api/v1/projects/origin/models/m/versions", { version: "1", files: [{ path: "a.bin", size: 1, sha256: sha }] }, headers)).status).toBe(201);
    expect((await new Api(server.url, randomToken()).call("GET", "/api/v1/projects", undefined, headers)).status).toBe(401);
    const entries = await server.auditLog.entries(before, await server.auditLog.size());
    return Object.fromEntries(entries.map((e) => [e.type, (e.data as { origin?: unknown }).origin]));
  }

  it("the client address on every entry; X-Forwarded-For ignored without a trusted proxy", async () => {
    const server = await start();
    try {
      const o = await originsOf(server, { "x-forwarded-for": "203.0.113.7" });
      for (const t of ["project.created", "token.created", "version.pushed", "auth.denied"]) expect(o[t], t).toEqual({ address: "127.0.0.1" });
    } finally {
      await server.close();
    }
  });

  it("with a trusted proxy, the forwarded chain and the client it names", async () => {
    const server = await start({ trustedProxies: ["127.0.0.1"] });
    try {
      const o = await originsOf(server, { "x-forwarded-for": "203.0.113.7" });
      for (const t of ["project.created", "token.created", "version.pushed", "auth.denied"]) expect(o[t], t).toEqual({ address: "127.0.0.1", forwardedFor: "203.0.113.7", client: "203.0.113.7" });
    } finally {
      await server.close();
    }
  });
});

describe("file names in one version that a file system would conflate are refused at declaration", () => {
  let server: GateServer;
  let admin: Api;
  beforeAll(async () => {
    server = await start();
    admin = new Api(server.url, ADMIN);
    expect((await admin.post("/api/v1/projects", { name: "names" })).status).toBe(201);
  });
  afterAll(async () => server.close());

  const sha = "0".repeat(64);
  const cases: [string, string[], RegExp][] = [
    ["a file and a folder", ["a", "a/b"], /both a file and a folder/],
    ["a file and a folder, case-folded", ["Model", "model/weights.bin"], /both a file and a folder/],
    ["NFC and NFD spellings", ["caf\u00e9.bin", "cafe\u0301.bin"], /two Unicode spellings/],
    ["case-only twins", ["README.md", "readme.md"], /differ only in case/],
    ["a right-to-left override", ["evil\u202egnp.exe"], /U\+202E/],
    ["a zero-width space", ["wei\u200bghts.bin"], /U\+200B/],
    ["a BOM", ["\ufeffconfig.json"], /U\+FEFF/],
  ];
  for (const [what, paths, message] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await admin.post("/api/v1/projects/names/models/m/versions", { version: "1", files: paths.map((path) => ({ path, size: 1, sha256: sha })) });
      expect(r.status).toBe(400);
      expect(errorCode(r)).toBe("INVALID_OPTION");
      const text = JSON.stringify(r.body);
      expect(text).toMatch(message);
      expect(text).not.toContain(server.config.dataDir);
    });
  }

  it("nothing was created by the refused declarations, and distinct names are accepted", async () => {
    const ok = await admin.post("/api/v1/projects/names/models/m/versions", { version: "1", files: ["a/b", "a/c", "ab", "caf\u00e9.bin", "README.md"].map((path) => ({ path, size: 1, sha256: sha })) });
    expect(ok.status).toBe(201);
  });
});

describe("a vanished keys/ folder", () => {
  it("a first start on an empty data dir creates the keys; when keys/ is gone later the server refuses to start and writes none", async () => {
    const dataDir = tempDir("mg-keys-");
    const first = await createServer({ dataDir, port: 0, logLevel: "silent", workers: 0, adminToken: ADMIN });
    await first.close();
    expect(readdirSync(join(dataDir, "keys")).sort()).toEqual(["audit-log-ed25519.pem", "server-signing.key"]);
    rmSync(join(dataDir, "keys"), { recursive: true });
    const err = await createServer({ dataDir, port: 0, logLevel: "silent", workers: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "INVALID_OPTION" });
    expect((err as Error).message).toMatch(/missing and no new key was written/);
    expect(readdirSync(dataDir)).toContain("modelgate.db");
    expect(existsSync(join(dataDir, "keys")) ? readdirSync(join(dataDir, "keys")) : []).toEqual([]);
    // One key file gone is refused just the same.
    const other = tempDir("mg-keys-");
    await (await createServer({ dataDir: other, port: 0, logLevel: "silent", workers: 0, adminToken: ADMIN })).close();
    rmSync(join(other, "keys", "server-signing.key"));
    await expect(createServer({ dataDir: other, port: 0, logLevel: "silent", workers: 0 })).rejects.toThrow(/server-signing.key is missing/);
    expect(readdirSync(join(other, "keys"))).toEqual(["audit-log-ed25519.pem"]);
  });
});
