import type { Severity } from "../../core/severity.js";
import { cvss3BaseScore, cvssRating } from "./cvss.js";

export interface SeverityInfo {
  severity: Severity;
  /** Where it came from: "GHSA database_specific", "CVSS:3.1 7.5", "Ubuntu", "unknown". */
  source: string;
  /** How much to trust it when merging records: 3 GHSA rating, 2 CVSS v3 score, 1 another qualitative rating, 0 none. */
  rank: number;
}

const GHSA: Record<string, Severity> = { LOW: "low", MODERATE: "medium", MEDIUM: "medium", HIGH: "high", CRITICAL: "critical" };
const QUALITATIVE: Record<string, Severity> = { negligible: "info", none: "info", low: "low", moderate: "medium", medium: "medium", high: "high", important: "high", critical: "critical" };

export const UNKNOWN_SEVERITY: SeverityInfo = { severity: "medium", source: "unknown", rank: 0 };

interface SeverityEntry {
  type?: unknown;
  score?: unknown;
}

function entries(v: unknown): SeverityEntry[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === "object") as SeverityEntry[]) : [];
}

/**
 * A record's severity: GHSA's `database_specific.severity`, else the highest CVSS v3.x base score computed from
 * its vectors, else a qualitative rating in the record (Ubuntu entries, a CVSS v4 record's own rating), else
 * medium with source "unknown".
 */
export function recordSeverity(record: Record<string, unknown>, affected: readonly Record<string, unknown>[]): SeverityInfo {
  const dbs = record.database_specific as Record<string, unknown> | undefined;
  const ghsa = typeof dbs?.severity === "string" ? GHSA[dbs.severity.toUpperCase()] : undefined;
  if (ghsa) {
    return { severity: ghsa, source: "GHSA database_specific", rank: 3 };
  }
  const all = [...entries(record.severity), ...affected.flatMap((a) => entries(a.severity))];
  let best: { score: number; version: string } | undefined;
  for (const e of all) {
    if ((e.type === "CVSS_V3" || e.type === "CVSS_V3_1") && typeof e.score === "string") {
      const s = cvss3BaseScore(e.score);
      if (s && (!best || s.score > best.score)) best = s;
    }
  }
  if (best) return { severity: cvssRating(best.score), source: `CVSS:${best.version} ${best.score.toFixed(1)}`, rank: 2 };
  for (const e of all) {
    if (e.type === "Ubuntu" && typeof e.score === "string" && QUALITATIVE[e.score.toLowerCase()]) {
      return { severity: QUALITATIVE[e.score.toLowerCase()]!, source: "Ubuntu", rank: 1 };
    }
  }
  // CVSS v4 vectors carry no score; use a qualitative rating the record gives for them.
  const v4 = all.some((e) => e.type === "CVSS_V4");
  const qualitative = [dbs?.severity, ...affected.map((a) => (a.ecosystem_specific as Record<string, unknown> | undefined)?.severity), ...affected.map((a) => (a.database_specific as Record<string, unknown> | undefined)?.severity)]
    .filter((x): x is string => typeof x === "string")
    .map((x) => QUALITATIVE[x.toLowerCase()])
    .find((x) => x !== undefined);
  if (qualitative) return { severity: qualitative, source: v4 ? "CVSS:4.0 qualitative rating" : "qualitative rating", rank: 1 };
  return UNKNOWN_SEVERITY;
}
