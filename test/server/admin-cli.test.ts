/** `modelgate project`, `token create`, `server-key` and `serve --admin-token-file` as an administrator runs them. */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startServe, type ServeProcess } from "./run-cli.js";

describe("modelgate project / token / server-key", () => {
  let dataDir: string;
  let work: string;
  let s: ServeProcess;
  let admin: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-admin-"));
    work = mkdtempSync(join(tmpdir(), "mg-admin-work-"));
    s = await startServe(dataDir, ["--admin-token-file", join(work, "admin.token")]);
    admin = readFileSync(join(work, "admin.token"), "utf8").trim();
  }, 90_000);
  afterAll(async () => {
    s.child.kill("SIGTERM");
    await s.exited;
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("serve writes the first start's admin token to a new 0600 file and does not print it", () => {
    expect(admin).toMatch(/^mg_/);
    expect(statSync(join(work, "admin.token")).mode & 0o777).toBe(0o600);
    expect(s.out()).not.toContain(admin);
    expect(s.token).toBeUndefined();
    expect(s.out()).toMatch(/signing key: [0-9a-f]{64}/);
  });

  it("creates a project (once), lists it, and issues a publisher token the server accepts", { timeout: 60_000 }, async () => {
    const env = { MODELGATE_SERVER: s.url, MODELGATE_TOKEN: admin };
    const created = await runCli(["project", "create", "vision"], env);
    expect(created).toMatchObject({ code: 0, stdout: "created project vision\n" });
    const again = await runCli(["project", "create", "vision"], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("project vision exists (HTTP 409");
    const list = await runCli(["project", "list", "--format", "json"], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: "vision", models: 0 })]);

    const token = await runCli(["token", "create", "ci", "--role", "vision:publisher", "--expires-in-days", "7"], env);
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^mg_\S+\n$/);
    expect(token.stderr).toContain("publisher of vision");
    const me = await fetch(`${s.url}/api/v1/me`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
    expect(me.status).toBe(200);

    const badRole = await runCli(["token", "create", "x", "--role", "vision:king"], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain("no role king; roles are admin, publisher, reviewer, consumer, auditor");
    const noProject = await runCli(["token", "create", "x", "--role", "nlp:consumer"], env);
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toContain("no project nlp: create it first");
    const noRole = await runCli(["token", "create", "x"], env);
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain("at least one --role");
    const notAdmin = await runCli(["project", "create", "other"], { ...env, MODELGATE_TOKEN: token.stdout.trim() });
    expect(notAdmin.code).toBe(2);
    expect(notAdmin.stderr).toContain("HTTP 403");
  });

  it("server-key saves the signing key (never over a file) that pull and verify pin", { timeout: 30_000 }, async () => {
    const out = join(work, "server.pub");
    const saved = await runCli(["server-key", "--server", s.url, "-o", out]);
    expect(saved.code).toBe(0);
    const pem = readFileSync(out, "utf8");
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const published = (await (await fetch(`${s.url}/api/v1/server-key`)).json()) as { publicKeyPem: string; keyHint: string };
    expect(pem.trim()).toBe(published.publicKeyPem.trim());
    expect(saved.stderr).toContain(published.keyHint);
    expect(s.out()).toContain(`signing key: ${published.keyHint}`);
    writeFileSync(out, "kept\n");
    const refused = await runCli(["server-key", "--server", s.url, "-o", out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("exists (not replaced");
    expect(readFileSync(out, "utf8")).toBe("kept\n");
  });

  it("says what is missing or wrong before calling anything", { timeout: 30_000 }, async () => {
    const noServer = await runCli(["project", "list"], { MODELGATE_SERVER: "", MODELGATE_TOKEN: "" });
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain("missing --server URL (or MODELGATE_SERVER), --token T (or MODELGATE_TOKEN)");
    const badUrl = await runCli(["server-key", "--server", "ftp://x"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("is not a server URL");
    const down = await runCli(["server-key", "--server", "http://127.0.0.1:9"]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("cannot reach http://127.0.0.1:9");
  });

  it("a second start does not write a token file again", { timeout: 90_000 }, async () => {
    s.child.kill("SIGTERM");
    await s.exited;
    s = await startServe(dataDir, ["--admin-token-file", join(work, "second.token")]);
    expect(existsSync(join(work, "second.token"))).toBe(false);
    expect(s.out()).toContain("not written to");
  });
});
