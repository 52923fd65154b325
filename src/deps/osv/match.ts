/**
 * Does a dependency fall in an advisory's affected versions? Pinned dependencies are tested directly; for the
 * others, whether their specifier set allows any affected version (see pep440/intersect.ts).
 */
import {
  commonVersions,
  compareVersions,
  describeInterval,
  intersectIntervals,
  intervalContains,
  specifierHull,
  type Pep440Version,
  type SpecifierSet,
  type VersionInterval,
} from "../pep440/index.js";

/** Affected versions as ranges and an explicit list (an OSV entry or an advice item). */
export interface AffectedSet {
  intervals: readonly VersionInterval[];
  versions: readonly string[];
  fixed: readonly string[];
}

export interface AffectedHit {
  /** For an unpinned dependency: the affected versions its specifier allows, as text. */
  allowed?: string;
  /** The lowest version that leaves every matched range, when each matched range ends with a fix. */
  upgradeTo?: string;
}

export type DependencyVersion =
  | { pinned: true; version: Pep440Version | undefined; raw: string }
  | { pinned: false; specifier: SpecifierSet };

function listedEqual(listed: string, v: Pep440Version | undefined, raw: string): boolean {
  if (listed === raw) return true;
  if (!v) return false;
  try {
    return compareVersions(listed, v.public) === 0;
  } catch {
    return false; // a listed version PEP 440 cannot read
  }
}

function later(a: string | undefined, b: string): string {
  return a === undefined || compareVersions(b, a) > 0 ? b : a;
}

/** undefined when not affected. */
export function matchAffected(dep: DependencyVersion, set: AffectedSet): AffectedHit | undefined {
  if (dep.pinned) {
    const v = dep.version;
    const inRanges = v ? set.intervals.filter((i) => intervalContains(i, v)) : [];
    const listed = set.versions.some((l) => listedEqual(l, v, dep.raw));
    if (inRanges.length === 0 && !listed) return undefined;
    const hit: AffectedHit = {};
    if (inRanges.length > 0) {
      if (inRanges.every((i) => i.upper && !i.upper.inclusive)) hit.upgradeTo = inRanges.reduce<string | undefined>((to, i) => later(to, i.upper!.version), undefined)!;
    } else if (v) {
      const next = set.fixed.find((f) => compareVersions(f, v.public) > 0);
      if (next) hit.upgradeTo = next;
    }
    return hit;
  }
  const spec = dep.specifier;
  const hull = specifierHull(spec);
  const matched = set.intervals.filter((i) => commonVersions(spec, [i]).length > 0);
  const listed = commonVersions(spec, [], set.versions);
  if (matched.length === 0 && listed.length === 0) return undefined;
  const parts = matched.map((i) => describeInterval(intersectIntervals(i, hull)));
  const inList = listed.filter((x) => !matched.some((i) => intervalContains(i, x)));
  if (inList.length > 0) parts.push(`listed versions ${inList.slice(0, 5).map((x) => x.text).join(", ")}${inList.length > 5 ? ", …" : ""}`);
  const hit: AffectedHit = { allowed: parts.join("; ") };
  let to: string | undefined;
  let fixable = true;
  for (const i of matched) {
    if (i.upper && !i.upper.inclusive) to = later(to, i.upper.version);
    else fixable = false;
  }
  for (const x of inList) {
    const next = set.fixed.find((f) => compareVersions(f, x.public) > 0);
    if (next) to = later(to, next);
    else fixable = false;
  }
  if (fixable && to !== undefined) hit.upgradeTo = to;
  return hit;
}
