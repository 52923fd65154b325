/**
 * Does a specifier set allow any version of a set given as intervals (an advisory's affected ranges)?
 *
 * Specifier sets are not plain intervals (`>1.0rc1` leaves out 1.0's post-releases, `<2.0` leaves out 2.0's
 * pre-releases, `!=1.5.*` cuts a hole), so instead of interval algebra we use boundary candidates: both sets only
 * change membership at "critical points" derived from the versions they name, so testing every critical point
 * plus one version just above each (the smallest version, and the smallest final release, above it) finds a
 * common version whenever one exists. Pre-releases count only when the specifier names one (pip's default).
 * Only public versions are considered (PyPI does not accept local versions).
 */
import { allows, type SpecifierSet } from "./specifier.js";
import { compareVersions, parseVersion, type Pep440Version } from "./version.js";

export interface VersionBound {
  version: string;
  inclusive: boolean;
}

/** A range of versions; a missing bound is unbounded. */
export interface VersionInterval {
  lower?: VersionBound;
  upper?: VersionBound;
}

/** Is `v` (its public part) inside the interval? Bounds must be valid PEP 440 versions. */
export function intervalContains(i: VersionInterval, v: Pep440Version): boolean {
  const pub = v.local ? parseVersion(v.public)! : v;
  if (i.lower) {
    const c = compareVersions(pub, i.lower.version);
    if (c < 0 || (c === 0 && !i.lower.inclusive)) return false;
  }
  if (i.upper) {
    const c = compareVersions(pub, i.upper.version);
    if (c > 0 || (c === 0 && !i.upper.inclusive)) return false;
  }
  return true;
}

const v = (text: string): Pep440Version => parseVersion(text)!;

function releaseText(epoch: number, release: number[]): string {
  return `${epoch ? `${epoch}!` : ""}${release.join(".")}`;
}

/** Versions around `p` where membership can change, and samples just above it. */
function around(p: Pep440Version, maxLen: number, out: Map<string, Pep440Version>): void {
  const add = (text: string): void => {
    const parsed = parseVersion(text);
    if (parsed && !out.has(parsed.text)) out.set(parsed.text, parsed);
  };
  const base = releaseText(p.epoch, p.release);
  const pub = p.public;
  add(pub);
  add(base);
  add(`${base}.dev0`);
  add(`${base}.post0.dev0`);
  add(`${base}.post0`);
  // Smallest version above p.
  if (p.dev !== undefined) add(pub.replace(/\.dev\d+$/, `.dev${p.dev + 1}`));
  else if (p.post !== undefined) add(`${pub.replace(/\.post\d+$/, "")}.post${p.post + 1}.dev0`);
  else add(`${pub}.post0.dev0`);
  // Smallest final release above p.
  if (!p.isPrerelease) add(p.post !== undefined ? `${pub.replace(/\.post\d+$/, "")}.post${p.post + 1}` : `${pub}.post0`);
  else if (p.post !== undefined && !p.pre) add(pub.replace(/\.dev\d+$/, ""));
  // A final release above every post-release of this release but below any higher release (1.0 → 1.0.0.1).
  const padded = [...p.release, ...new Array<number>(Math.max(0, maxLen - p.release.length)).fill(0), 1];
  add(releaseText(p.epoch, padded));
  // The next release prefix (for wildcards and ~=): 1.4 → 1.5.dev0, and 2.dev0 for 1.x.
  for (let n = 1; n <= p.release.length; n++) {
    const prefix = p.release.slice(0, n);
    prefix[n - 1]! += 1;
    add(`${releaseText(p.epoch, prefix)}.dev0`);
    add(`${releaseText(p.epoch, p.release.slice(0, n))}.dev0`);
  }
}

/** Candidate versions for deciding whether the two sets meet; sorted. */
function candidates(points: Pep440Version[]): Pep440Version[] {
  const maxLen = Math.max(1, ...points.map((p) => p.release.length)) + 1;
  const out = new Map<string, Pep440Version>();
  for (const s of ["0.dev0", "0"]) out.set(s, v(s));
  for (const p of points) around(p, maxLen, out);
  return [...out.values()].sort(compareVersions);
}

/**
 * Versions that both the specifier set allows (as pip would pick, pre-releases excluded unless named) and that
 * lie in one of `intervals` or `versions`: empty when the sets do not meet. The result is a sample (sorted),
 * not every version: callers describe the overlap with `describeOverlap`.
 */
export function commonVersions(set: SpecifierSet, intervals: readonly VersionInterval[], versions: readonly string[] = []): Pep440Version[] {
  const points: Pep440Version[] = [];
  for (const c of set.clauses) if (c.version) points.push(c.version);
  for (const i of intervals) {
    if (i.lower) points.push(v(i.lower.version));
    if (i.upper) points.push(v(i.upper.version));
  }
  const listed = versions.map(parseVersion).filter((x): x is Pep440Version => x !== undefined);
  points.push(...listed);
  const inSet = (x: Pep440Version): boolean =>
    intervals.some((i) => intervalContains(i, x)) || listed.some((l) => compareVersions(l.public, x.public) === 0);
  return candidates(points).filter((x) => inSet(x) && allows(set, x));
}

/** `>=1.0, <1.13.1` style text for an interval ("any version" when unbounded). */
export function describeInterval(i: VersionInterval): string {
  const parts: string[] = [];
  if (i.lower && !(i.lower.version === "0" && i.lower.inclusive)) parts.push(`${i.lower.inclusive ? ">=" : ">"}${i.lower.version}`);
  if (i.upper) parts.push(`${i.upper.inclusive ? "<=" : "<"}${i.upper.version}`);
  return parts.length ? parts.join(", ") : "all versions";
}
