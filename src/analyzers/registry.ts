import type { FormatId } from "../core/format.js";
import type { Analyzer } from "./analyzer.js";

/**
 * Every analyzer, in one explicit list. Formats with no analyzer here are reported by the scan:
 * `unknown` as a note, any other format as not verified.
 */
export const ANALYZERS: readonly Analyzer[] = [];

const BY_FORMAT = new Map<FormatId, Analyzer>();
for (const a of ANALYZERS) {
  for (const f of a.formats) {
    if (BY_FORMAT.has(f)) throw new Error(`two analyzers claim format ${f}`);
    BY_FORMAT.set(f, a);
  }
}

export function analyzerFor(format: FormatId): Analyzer | undefined {
  return BY_FORMAT.get(format);
}
