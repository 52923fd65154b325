/**
 * CVSS v3.0/v3.1 base score from a vector string, as specified by FIRST
 * (https://www.first.org/cvss/v3.1/specification-document, section 7.1 and Appendix A for Roundup).
 */

const AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Record<string, number> = { L: 0.77, H: 0.44 };
const PR_UNCHANGED: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
const PR_CHANGED: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };
const UI: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };

/** CVSS v3.1 Roundup: the smallest number with one decimal that is >= the input, free of float noise. */
function roundup31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

function roundup30(x: number): number {
  return Math.ceil(x * 10) / 10;
}

export interface CvssScore {
  version: "3.0" | "3.1";
  score: number;
}

/** Base score of a `CVSS:3.x/AV:…/AC:…/PR:…/UI:…/S:…/C:…/I:…/A:…` vector; undefined when it is not a valid v3 vector. */
export function cvss3BaseScore(vector: string): CvssScore | undefined {
  const parts = vector.trim().split("/");
  const head = /^CVSS:(3\.[01])$/.exec(parts[0] ?? "");
  if (!head) return undefined;
  const version = head[1] as "3.0" | "3.1";
  const m = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const [k, val] = p.split(":");
    if (!k || val === undefined || m.has(k)) return undefined;
    m.set(k, val);
  }
  const get = (k: string, table: Record<string, number>): number | undefined => {
    const val = m.get(k);
    return val !== undefined && Object.hasOwn(table, val) ? table[val] : undefined;
  };
  const scope = m.get("S");
  if (scope !== "U" && scope !== "C") return undefined;
  const changed = scope === "C";
  const av = get("AV", AV);
  const ac = get("AC", AC);
  const pr = get("PR", changed ? PR_CHANGED : PR_UNCHANGED);
  const ui = get("UI", UI);
  const c = get("C", CIA);
  const i = get("I", CIA);
  const a = get("A", CIA);
  if ([av, ac, pr, ui, c, i, a].some((x) => x === undefined)) return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * av! * ac! * pr! * ui!;
  const roundup = version === "3.1" ? roundup31 : roundup30;
  const score = impact <= 0 ? 0 : roundup(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
  return { version, score };
}

/** Qualitative rating of a CVSS v3 score (0 is "none", reported as info). */
export function cvssRating(score: number): "critical" | "high" | "medium" | "low" | "info" {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}
