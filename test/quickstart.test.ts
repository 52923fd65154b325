// The README's "from nothing to a pulled model" block, run as written: a new user's empty folder with the package
// installed (node_modules/.bin/modelgate, as `npm install` makes it, so `npx modelgate` resolves locally and never
// reaches the registry) and a model folder of theirs. Only the port is changed, so that it cannot meet a server
// already running on 8414.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = new URL("../", import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function quickStartBlock(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const m = /<!-- quickstart:begin -->\n```sh\n([\s\S]*?)```\n<!-- quickstart:end -->/.exec(readme);
  if (!m) throw new Error("README.md has no quickstart block between <!-- quickstart:begin --> and <!-- quickstart:end -->");
  return m[1]!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("README quick start", () => {
  it("goes from an empty folder to an approved, signed, pulled and verified model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-quickstart-"));
    dirs.push(dir);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "quickstart", private: true }));
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync(ROOT, join(dir, "node_modules", "modelgate"));
    symlinkSync(join(ROOT, "bin", "modelgate.js"), join(dir, "node_modules", ".bin", "modelgate"));
    cpSync(join(ROOT, "test", "fixtures", "sbom", "hf-model"), join(dir, "my-model"), { recursive: true });
    // The fixture's requirements.txt pins torch 2.1.0, which modelgate's built-in advice fails (torch.load's
    // weights_only bypass) even without a vulnerability database: the user's model here has current pins.
    writeFileSync(join(dir, "my-model", "requirements.txt"), "torch==2.6.0\ntransformers==4.53.0\nsafetensors==0.4.1\n");

    const port = await freePort();
    const block = quickStartBlock();
    expect(block).toContain("8414");
    // -e: the first failing line fails the test; the server (started with &) is stopped with the whole group.
    const script = `set -euo pipefail\n${block.replaceAll("8414", String(port))}\nkill %1\nwait || true\n`;
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: "true", npm_config_update_notifier: "false" };
    delete env.MODELGATE_TOKEN;
    delete env.MODELGATE_SERVER;
    const child = spawn("bash", ["-c", script], { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 100_000);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(timer);
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // the group is gone already
    }
    expect(code, out).toBe(0);
    expect(out).toContain("demo/my-model@1: approved");
    expect(out).toMatch(/signature: verified \(server key [0-9a-f]+\)/);
    expect(statSync(join(dir, "admin.token")).mode & 0o777).toBe(0o600);
    expect(out).not.toContain(readFileSync(join(dir, "admin.token"), "utf8").trim());
    expect(existsSync(join(dir, "my-model-approved", "model.sig"))).toBe(true);
    expect(readFileSync(join(dir, "my-model-approved", "model.safetensors"))).toEqual(readFileSync(join(dir, "my-model", "model.safetensors")));
  }, 120_000);
});
