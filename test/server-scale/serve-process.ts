/**
 * Runs `modelgate serve` as a child process (the real CLI, bin/modelgate.js) and reads the URL and the one-time
 * admin token it prints. Used by the fault test (SIGKILL mid-upload) and the benchmark.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/modelgate.js", import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Printed on the first start of a data dir only. */
  adminToken: string | undefined;
  /** Everything the process wrote so far (stdout + stderr), for failure messages. */
  output(): string;
  /** SIGKILL, and wait until the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

/** Starts `modelgate serve <args>` and resolves once it printed its URL (and, on a first start, the admin token). */
export async function startServe(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  let out = "";
  const collect = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  let adminToken: string | undefined;
  for (;;) {
    url ??= /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]|[\d.]+):\d+/.exec(out)?.[0];
    adminToken ??= /\bmg_[A-Za-z0-9_-]{20,}/.exec(out)?.[0];
    // The token is printed next to the URL on a first start; give it a moment to arrive.
    if (url && (adminToken || /listening|serving|ready|started/i.test(out))) {
      if (!adminToken) await new Promise((r) => setTimeout(r, 200));
      adminToken ??= /\bmg_[A-Za-z0-9_-]{20,}/.exec(out)?.[0];
      break;
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener("exit", killOnExit);
      throw new Error(`modelgate serve exited (${child.exitCode ?? child.signalCode}) before serving:\n${out}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      process.removeListener("exit", killOnExit);
      throw new Error(`modelgate serve printed no URL within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    child,
    pid: child.pid!,
    url,
    adminToken,
    output: () => out,
    async kill9() {
      child.kill("SIGKILL");
      await exited(child);
      process.removeListener("exit", killOnExit);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited(child);
        clearTimeout(timer);
      }
      process.removeListener("exit", killOnExit);
    },
  };
}
