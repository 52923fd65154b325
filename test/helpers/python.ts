/**
 * Debian's CPython with its ML packages (`/usr/bin/python3`, python3-torch, -numpy, -sklearn, -joblib, -pandas…),
 * the real loaders the scanner is checked against. `.ci/run` installs them; on a machine without them the tests
 * that need them are skipped locally, and fail under CI (CI=true), so a missing install step cannot pass silently.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PYTHON = "/usr/bin/python3";

const cache = new Map<string, boolean>();

/** True when /usr/bin/python3 can import every module named. */
export function pythonHas(...modules: string[]): boolean {
  const key = modules.join(",");
  const known = cache.get(key);
  if (known !== undefined) return known;
  let ok = existsSync(PYTHON);
  if (ok && modules.length > 0) {
    const r = spawnSync(PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")], { stdio: "ignore", timeout: 120_000 });
    ok = r.status === 0;
  }
  if (!ok && process.env.CI === "true") {
    throw new Error(`CI must provide ${PYTHON} with ${modules.join(", ") || "no extra modules"} (.ci/run installs Debian's python3-* packages)`);
  }
  cache.set(key, ok);
  return ok;
}

export interface PythonRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python script file (or `-c` code) with arguments and optional stdin; never through a shell. */
export function runPython(args: string[], options: { input?: string | Buffer; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): PythonRun {
  const r = spawnSync(PYTHON, args, {
    input: options.input,
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONHASHSEED: "0", ...options.env },
  });
  return { status: r.status, stdout: r.stdout?.toString("utf8") ?? "", stderr: r.stderr?.toString("utf8") ?? "" };
}
