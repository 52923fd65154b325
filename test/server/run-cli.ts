/** Runs the CLI from source as a separate process (node --import tsx test/server/cli-entry.ts ARGS…). */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const ENTRY = join(import.meta.dirname, "cli-entry.ts");

export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], { cwd: ROOT, env: { ...process.env, CI: "true", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** The one-time admin token, printed on the first start only. */
  token?: string;
  /** Everything the process wrote so far (stdout and stderr). */
  out: () => string;
  exited: Promise<number | null>;
}

/** Starts `modelgate serve --port 0 --data-dir DIR --log-level warn [ARGS…]` and resolves once it has printed its URL. */
export function startServe(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...args], { cwd: ROOT, env: { ...process.env, CI: "true", ...env } });
  let out = "";
  const exited = new Promise<number | null>((r) => child.on("close", r));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const done = out.includes("API description");
      if (url && done) {
        clearTimeout(timer);
        resolve({ child, url, token: /^\s+(mg_\S+)$/m.exec(out)?.[1], out: () => out, exited });
      }
    });
  });
}
