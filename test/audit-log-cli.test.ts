import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../src/server/audit/entry.js";
import { AUDITOR_TOKEN, startAuditLogServer, type AuditLogServer } from "./helpers/audit-log-server.js";

const BIN = new URL("../bin/modelgate.js", import.meta.url).pathname;

/** Runs the built CLI without blocking this process's event loop (the server under test lives in it). */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: "true", NO_COLOR: "1", MODELGATE_TOKEN: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("modelgate audit-log (built CLI against a server on loopback)", () => {
  let dir: string;
  let srv: AuditLogServer;
  let state: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-auditlog-cli-"));
    state = join(dir, "state.json");
    srv = await startAuditLogServer(dir);
    for (let i = 0; i < 25; i++) await srv.log.append({ type: "download", actor: `token:t${i % 3} (user)`, project: "vision", subject: `vision/m@${i}`, data: { path: `w${i}.bin` } });
  });
  afterAll(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("verifies the log (exit 0), trusting the key on first use and saying so", async () => {
    const r = await run(["audit-log", "verify", "--server", srv.url, "--state", state], { MODELGATE_TOKEN: AUDITOR_TOKEN });
    expect(r.stderr).toMatch(/trust on first use/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verified/);
    expect(r.stdout).toMatch(/entries\s+25/);
    expect(r.stdout).toContain((await srv.log.checkpoint()).rootHash);
  });

  it("verifies with a pinned public key file and prints JSON", async () => {
    const pub = join(dir, "log.pub");
    writeFileSync(pub, srv.log.publicKey().publicKeyPem);
    const r = await run(["audit-log", "verify", "--server", srv.url, "--token", AUDITOR_TOKEN, "--public-key", pub, "--state", state, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, trust: "pinned", size: 25, previous: { size: 25 } });
  });

  it("shows entries as text and JSON", async () => {
    const text = await run(["audit-log", "show", "--server", srv.url, "--token", AUDITOR_TOKEN, "--from", "3", "--to", "5"]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split("\n")).toHaveLength(2);
    expect(text.stdout).toMatch(/^#3 .*download.*subject=vision\/m@3/);
    const json = await run(["audit-log", "show", "--server", srv.url, "--token", AUDITOR_TOKEN, "--format", "json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(25);
  });

  it("exits 1 naming the entry whose row was changed in the database, 1 for a deleted row", async () => {
    await srv.db.run("UPDATE audit_entries SET data = ? WHERE idx = 11", [canonicalJson({ path: "innocent.bin" })]);
    let r = await run(["audit-log", "verify", "--server", srv.url, "--token", AUDITOR_TOKEN, "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TAMPERING DETECTED/);
    expect(r.stdout).toMatch(/entry 11 \(download by token:t2 \(user\) at .*\): its content does not match its recorded leaf hash/);
    await srv.db.run("DELETE FROM audit_entries WHERE idx = 20");
    r = await run(["audit-log", "verify", "--server", srv.url, "--token", AUDITOR_TOKEN, "--state", state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/entry 20 is missing/);
  });

  it("exits 2 on usage and access errors", async () => {
    expect((await run(["audit-log", "verify", "--state", state])).code).toBe(2);
    const denied = await run(["audit-log", "verify", "--server", srv.url, "--token", "mg_wrong", "--state", state]);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/401/);
    const missingKey = await run(["audit-log", "verify", "--server", srv.url, "--token", AUDITOR_TOKEN, "--public-key", join(dir, "nope.pub")]);
    expect(missingKey.code).toBe(2);
    expect(missingKey.stderr).toMatch(/nope\.pub/);
    expect((await run(["audit-log", "verify", "--server", "http://127.0.0.1:1", "--state", state])).code).toBe(2);
    expect((await run(["audit-log", "verify", "--help"])).stdout).toMatch(/Examples:/);
  });
});
