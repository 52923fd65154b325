/** `modelgate serve` and `modelgate push` as a user runs them: separate processes, real signals, exit codes. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startServe } from "./run-cli.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("modelgate serve / push", () => {
  let dataDir: string;
  let work: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-serve-"));
    work = mkdtempSync(join(tmpdir(), "mg-push-"));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("prints the URL and a one-time admin token, pushes with --wait, and stops cleanly on SIGTERM", { timeout: 240_000 }, async () => {
    const s = await startServe(dataDir);
    expect(s.out()).toContain("save it now: it will not be shown again");
    expect(s.token).toMatch(/^mg_/);
    const res = await fetch(`${s.url}/api/v1/projects`, { method: "POST", headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" }, body: '{"name":"demo"}' });
    expect(res.status).toBe(201);

    const clean = join(work, "clean");
    mkdirSync(clean);
    copyFileSync(join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors"), join(clean, "model.safetensors"));
    const ok = await runCli(["push", clean, "--to", s.url, "--project", "demo", "--model", "tiny", "--version", "1", "--wait"], { MODELGATE_TOKEN: s.token! });
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toContain("pushed demo/tiny@1: 1 file(s), 1 uploaded");
    expect(ok.stdout).toContain("demo/tiny@1: approved");
    expect(ok.code).toBe(0);

    // A Hugging Face cache snapshot: every file is a link into ../../blobs. The linked content is pushed.
    const cache = join(work, "hub", "models--demo--tiny");
    mkdirSync(join(cache, "blobs"), { recursive: true });
    mkdirSync(join(cache, "snapshots", "abc123"), { recursive: true });
    copyFileSync(join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors"), join(cache, "blobs", "f00d"));
    symlinkSync(join("..", "..", "blobs", "f00d"), join(cache, "snapshots", "abc123", "model.safetensors"));
    const linked = await runCli(["push", join(cache, "snapshots", "abc123"), "--to", s.url, "--project", "demo", "--model", "tiny", "--version", "2", "--wait"], { MODELGATE_TOKEN: s.token! });
    expect(linked.stderr).toBe("");
    expect(linked.stdout).toContain("pushed demo/tiny@2: 1 file(s), 0 uploaded");
    expect(linked.stdout).toContain("demo/tiny@2: approved");
    expect(linked.code).toBe(0);
    // A link out of the folder (a cloned repository's config.json -> a secret) is refused, nothing pushed.
    const leaky = join(work, "leaky");
    mkdirSync(leaky);
    copyFileSync(join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors"), join(leaky, "model.safetensors"));
    writeFileSync(join(work, "secret.txt"), "aws_secret_access_key = x\n");
    symlinkSync(join(work, "secret.txt"), join(leaky, "config.json"));
    const refusedLink = await runCli(["push", leaky, "--to", s.url, "--project", "demo", "--model", "tiny", "--version", "3"], { MODELGATE_TOKEN: s.token! });
    expect(refusedLink.code).toBe(2);
    expect(refusedLink.stderr).toMatch(/config\.json is a link to .*secret\.txt, outside /);

    const bad = join(work, "bad");
    mkdirSync(bad);
    copyFileSync(join(ROOT, "test/fixtures/server/unknown_call.pkl"), join(bad, "model.pkl"));
    const q = await runCli(["push", bad, "--to", s.url, "--project", "demo", "--model", "bad", "--version", "1", "--wait", "--token", s.token!]);
    expect(q.stdout).toContain("demo/bad@1: quarantined");
    expect(q.stdout).toMatch(/ {2}- .*acme_loaders/);
    expect(q.code).toBe(1);

    const refused = await runCli(["push", clean, "--to", s.url, "--project", "nope", "--model", "tiny", "--version", "1", "--token", s.token!]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no project nope/);
    expect((await runCli(["push", clean, "--to", s.url])).code).toBe(2);

    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    expect(s.out()).toContain("SIGTERM: shutting down");

    const again = await startServe(dataDir);
    expect(again.token).toBeUndefined();
    expect(again.out()).not.toContain("save it now");
    again.child.kill("SIGINT");
    expect(await again.exited).toBe(0);
    expect(readFileSync(join(dataDir, "keys", "server-signing.key"), "utf8")).toContain("PRIVATE KEY");
  });
});
