import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type GateServer } from "../src/server/app.js";
import { canonicalJson } from "../src/server/audit/entry.js";
import { verifyAuditLog } from "../src/server/audit/verify-client.js";

const BIN = new URL("../bin/modelgate.js", import.meta.url).pathname;
const ADMIN = `mg_${"a".repeat(43)}`;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: "true", MODELGATE_TOKEN: ADMIN } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Issue 7 acceptance: "an audit-log row changed in the database is detected by audit-log verify", through the real server. */
describe("audit log through the real gate server (embedded defaults)", () => {
  let dir: string;
  let server: GateServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-auditlog-e2e-"));
    server = await createServer({ dataDir: join(dir, "data"), port: 0, workers: 0, adminToken: ADMIN, logLevel: "silent" });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown, token = ADMIN): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("records the server's decisions and accesses, verifies them, and detects a row changed in the database", async () => {
    expect((await api("POST", "/api/v1/projects", { name: "vision" })).status).toBe(201);
    const created = await api("POST", "/api/v1/tokens", { name: "auditor", roles: [{ project: "vision", role: "auditor" }] });
    expect(created.status).toBe(201);
    expect((await api("GET", "/api/v1/audit-log/checkpoint", undefined, `mg_${"b".repeat(43)}`)).status).toBe(401);

    const entries = (await (await api("GET", "/api/v1/audit-log/entries")).json()) as { entries: { index: number; type: string }[] };
    const types = entries.entries.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["token.created", "project.created", "auth.denied"]));

    const state = join(dir, "state.json");
    const ok = await verifyAuditLog({ server: server.url, token: ADMIN, statePath: state });
    expect(ok).toMatchObject({ verified: true, problems: [] });
    expect(ok.size).toBe(entries.entries.length);
    const okCli = await cli(["audit-log", "verify", "--server", server.url, "--state", state]);
    expect(okCli.code).toBe(0);

    const target = entries.entries.find((e) => e.type === "project.created")!.index;
    await server.db.run("UPDATE audit_entries SET data = ? WHERE idx = ?", [canonicalJson({ note: "never happened" }), target]);
    const bad = await cli(["audit-log", "verify", "--server", server.url, "--state", state]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`entry ${target} (project.created`);
  });
});

describe("audit-log verify of two servers with the default state file", () => {
  it("keeps each server's trusted key apart: the second server is a first use, not a key change or tampering", async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-auditlog-two-"));
    const servers: GateServer[] = [];
    const config = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = join(dir, "config");
    try {
      for (const name of ["a", "b"]) servers.push(await createServer({ dataDir: join(dir, name), port: 0, workers: 0, adminToken: ADMIN, logLevel: "silent" }));
      const notices: string[] = [];
      for (const s of servers) {
        const r = await verifyAuditLog({ server: s.url, token: ADMIN, onNotice: (m) => notices.push(m) });
        expect(r, s.url).toMatchObject({ verified: true, problems: [], trust: "first-use", origin: "modelgate/audit-log", stateSaved: true });
        expect(r.statePath.startsWith(join(dir, "config", "modelgate", "audit-log", encodeURIComponent(new URL(s.url).origin)))).toBe(true);
      }
      expect(notices.filter((n) => n.startsWith("trust on first use"))).toHaveLength(2);
      // Each server again: its own key, from its own state.
      for (const s of servers) expect(await verifyAuditLog({ server: s.url, token: ADMIN })).toMatchObject({ verified: true, trust: "state" });
    } finally {
      if (config === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = config;
      for (const s of servers) await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
