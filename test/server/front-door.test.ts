/**
 * Limits at the front door of the gate server (issue 12): failed-authentication rate limits with aggregated audit
 * entries, refused and slow requests closed, back-pressure on admissions, confidentiality at rest and in logs,
 * where each audited request came from, file-name clashes in one version, and a vanished keys/ folder.
 * Everything runs against servers on 127.0.0.1:0, with bounded loads.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
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
