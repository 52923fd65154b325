import { ModelgateError } from "../core/errors.js";
import { DEFAULT_LIMITS, type ScanLimits } from "../core/limits.js";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Parses `--limit name=value` options ("maxMemberBytes=2GiB"). */
export function parseLimitOptions(values: readonly string[]): Partial<ScanLimits> {
  const out: Partial<ScanLimits> = {};
  for (const raw of values) {
    const eq = raw.indexOf("=");
    const name = raw.slice(0, eq).trim();
    if (eq < 0 || !(name in DEFAULT_LIMITS)) {
      throw new ModelgateError("USAGE", `--limit ${raw}: expected name=value with name one of ${Object.keys(DEFAULT_LIMITS).join(", ")}`);
    }
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.slice(eq + 1).trim());
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined) throw new ModelgateError("USAGE", `--limit ${raw}: "${raw.slice(eq + 1)}" is not a number (sizes may end in KiB, MiB or GiB)`);
    const value = Math.floor(Number(m[1]) * unit);
    if (value <= 0) throw new ModelgateError("USAGE", `--limit ${raw}: must be positive`);
    out[name as keyof ScanLimits] = value;
  }
  return out;
}
