/** Finding severities, most severe first. See DESIGN.md "Contracts". */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/** Numeric rank: critical 4 … info 0. */
export function severityRank(s: Severity): number {
  return RANK[s];
}

/** True when `s` is at or above `gate`. */
export function meetsGate(s: Severity, gate: Severity): boolean {
  return RANK[s] >= RANK[gate];
}

export function isSeverity(v: unknown): v is Severity {
  return typeof v === "string" && (SEVERITIES as readonly string[]).includes(v);
}

/** The most severe of a list, or undefined for an empty list. */
export function maxSeverity(list: Iterable<Severity>): Severity | undefined {
  let best: Severity | undefined;
  for (const s of list) if (best === undefined || RANK[s] > RANK[best]) best = s;
  return best;
}
