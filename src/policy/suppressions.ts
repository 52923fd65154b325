import type { SuppressionSpec } from "./types.js";

/**
 * A glob over POSIX paths: `*` and `?` stay inside one path segment, `**` crosses segments (`**∕` may match
 * nothing), `{a,b}` alternatives. Written here rather than adding a glob dependency: node's
 * path.matchesGlob prints an ExperimentalWarning on Node 20.
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "{") {
      inBraces++;
      re += "(?:";
    } else if (c === "}" && inBraces > 0) {
      inBraces--;
      re += ")";
    } else if (c === "," && inBraces > 0) re += "|";
    else re += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  while (inBraces-- > 0) re += ")";
  return new RegExp(`^${re}$`);
}

/** What a suppression is compared with: one result of a rule. */
export interface SuppressionTarget {
  ruleId: string;
  /** The scan finding's rule id, or the vulnerability id, the result is about. */
  finding?: string;
  /** Other ids of that vulnerability (CVE, GHSA, PYSEC): a suppression may name any of them. */
  aliases?: readonly string[];
  /** Path inside the model ("sub/file.bin", "archive.zip!/member"). */
  path?: string;
  /** sha256 of the file the result is about, or of the model for whole-model results. */
  sha256?: string;
}

export interface SuppressionMatch {
  spec: SuppressionSpec;
  expired: boolean;
}

function digestOf(d: string): string {
  return d.toLowerCase().replace(/^sha256:/, "");
}

/** True when `spec` names this result (rule id, then path glob and digest when given). */
export function suppressionApplies(spec: SuppressionSpec, target: SuppressionTarget): boolean {
  if (spec.rule !== target.ruleId && spec.rule !== target.finding && !(target.aliases ?? []).includes(spec.rule)) return false;
  if (spec.path !== undefined) {
    if (target.path === undefined) return false;
    const re = globToRegExp(spec.path);
    const top = target.path.split("!/")[0]!;
    if (!re.test(target.path) && !re.test(top)) return false;
  }
  if (spec.digest !== undefined && (target.sha256 === undefined || digestOf(spec.digest) !== digestOf(target.sha256))) return false;
  return true;
}

/** Whether the suppression has expired on `now` (it applies through its expiry day, UTC). */
export function isExpired(spec: SuppressionSpec, now: Date): boolean {
  if (spec.expires === undefined) return false;
  return now.toISOString().slice(0, 10) > spec.expires;
}

/**
 * The suppression for a result: the first one that applies and has not expired; else the first expired
 * one that would apply (so the report can say "suppression expired on …"); else undefined.
 */
export function findSuppression(specs: readonly SuppressionSpec[], target: SuppressionTarget, now: Date): SuppressionMatch | undefined {
  let expired: SuppressionSpec | undefined;
  for (const spec of specs) {
    if (!suppressionApplies(spec, target)) continue;
    if (!isExpired(spec, now)) return { spec, expired: false };
    expired ??= spec;
  }
  return expired ? { spec: expired, expired: true } : undefined;
}
