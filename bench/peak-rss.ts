import { readFileSync } from "node:fs";

/**
 * This process's peak resident memory in MiB. Read from /proc (VmHWM: the high-water mark of this program's
 * memory), not getrusage's maxrss, which Linux carries over from the forking parent across execve — a
 * measuring process spawned by a large parent would report the parent's peak as its own.
 */
export function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS / 1024;
}
