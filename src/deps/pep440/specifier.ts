/**
 * PEP 440 specifier sets, evaluated with the semantics of pypa/packaging (what pip uses).
 *
 * The parsing and ordering of versions come from @renovatebot/pep440 (./version.ts). Its `satisfies()` is not
 * used: it simplifies the exclusive comparisons (`2.0b1` does not satisfy `<2.0rc1` there, pip says it does) and
 * does not pad wildcard prefixes (`1` does not match `==1.0.*` there, pip says it does). The clause rules below
 * follow packaging.specifiers.Specifier one operator at a time.
 */
import { compareVersions, parseVersion, type Pep440Version } from "./version.js";

export type SpecifierOperator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

export interface SpecifierClause {
  operator: SpecifierOperator;
  /** The version as written (without `.*`). */
  raw: string;
  /** Parsed version; undefined only for `===` with a string that is not PEP 440. */
  version?: Pep440Version;
  /** `==1.*` / `!=1.*`. */
  wildcard: boolean;
}

export interface SpecifierSet {
  text: string;
  clauses: SpecifierClause[];
  /** An inclusive clause names a pre-release (`>=2.0rc1`): pip then considers pre-releases (packaging's `prereleases`). */
  prereleases: boolean;
}

const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*(\S+)$/;

/** Parses `>=1.0,<2,!=1.5.*` (whitespace allowed around clauses); undefined when any clause is invalid. */
export function parseSpecifierSet(text: string): SpecifierSet | undefined {
  const trimmed = text.trim();
  const clauses: SpecifierClause[] = [];
  if (trimmed !== "") {
    for (const part of trimmed.split(",")) {
      const clause = parseClause(part.trim());
      if (!clause) return undefined;
      clauses.push(clause);
    }
  }
  return { text: trimmed, clauses, prereleases: clauses.some(namesPrerelease) };
}

function parseClause(part: string): SpecifierClause | undefined {
  const m = CLAUSE.exec(part);
  if (!m) return undefined;
  const operator = m[1] as SpecifierOperator;
  let raw = m[2]!;
  if (operator === "===") {
    const version = parseVersion(raw);
    return version ? { operator, raw, version, wildcard: false } : { operator, raw, wildcard: false };
  }
  const wildcard = raw.endsWith(".*");
  if (wildcard) {
    if (operator !== "==" && operator !== "!=") return undefined;
    raw = raw.slice(0, -2);
  }
  const version = parseVersion(raw);
  if (!version) return undefined;
  // Wildcards take a bare release; locals only with == and !=; ~= needs two release components.
  if (wildcard && (version.pre || version.post !== undefined || version.dev !== undefined || version.local)) return undefined;
  if (version.local && operator !== "==" && operator !== "!=") return undefined;
  if (operator === "~=" && version.release.length < 2) return undefined;
  return { operator, raw, version, wildcard };
}

/** As packaging's Specifier.prereleases: inclusive operators naming a pre-release (not `<`, `>` or `!=`). */
function namesPrerelease(c: SpecifierClause): boolean {
  return (c.operator === "==" || c.operator === ">=" || c.operator === "<=" || c.operator === "~=" || c.operator === "===") && c.version !== undefined && c.version.isPrerelease;
}

function pad(release: number[], n: number): number[] {
  return release.length >= n ? release : [...release, ...new Array<number>(n - release.length).fill(0)];
}

function publicOf(v: Pep440Version): Pep440Version {
  return v.local ? parseVersion(v.public)! : v;
}

function sameBase(a: Pep440Version, b: Pep440Version): boolean {
  if (a.epoch !== b.epoch) return false;
  const n = Math.max(a.release.length, b.release.length);
  const x = pad(a.release, n);
  const y = pad(b.release, n);
  return x.every((d, i) => d === y[i]);
}

function prefixMatch(v: Pep440Version, spec: Pep440Version): boolean {
  if (v.epoch !== spec.epoch) return false;
  const r = pad(v.release, spec.release.length);
  return spec.release.every((d, i) => r[i] === d);
}

function equal(v: Pep440Version, c: SpecifierClause): boolean {
  const spec = c.version!;
  if (c.wildcard) return prefixMatch(v, spec);
  return compareVersions(spec.local ? v : publicOf(v), spec) === 0;
}

/** Does one clause allow `v`? (Pre-release filtering is the set's job, see `allows`.) */
export function clauseAllows(c: SpecifierClause, v: Pep440Version): boolean {
  if (c.operator === "===") return v.text.toLowerCase() === c.raw.toLowerCase() || v.public === c.raw.toLowerCase();
  const spec = c.version!;
  switch (c.operator) {
    case "==":
      return equal(v, c);
    case "!=":
      return !equal(v, c);
    case "<=":
      return compareVersions(publicOf(v), spec) <= 0;
    case ">=":
      return compareVersions(publicOf(v), spec) >= 0;
    case "<":
      if (compareVersions(v, spec) >= 0) return false;
      // <V excludes pre-releases of V itself unless V is one.
      return !(!spec.isPrerelease && v.isPrerelease && sameBase(v, spec));
    case ">":
      if (compareVersions(v, spec) <= 0) return false;
      // >V excludes post-releases of V unless V is one, and local versions of V.
      if (!spec.isPostrelease && v.isPostrelease && sameBase(v, spec)) return false;
      return !(v.local !== undefined && sameBase(v, spec));
    case "~=": {
      const prefix: SpecifierClause = {
        operator: "==",
        raw: "",
        version: { ...spec, release: spec.release.slice(0, -1), pre: undefined, post: undefined, dev: undefined, local: undefined } as Pep440Version,
        wildcard: true,
      };
      return compareVersions(publicOf(v), spec) >= 0 && prefixMatch(v, prefix.version!);
    }
  }
}

export interface AllowOptions {
  /** Consider pre-releases: default (undefined) as pip, only when the set names one. */
  prereleases?: boolean;
}

/** Would pip accept `v` for this specifier set? Pre-releases only when the set names one (pip's default). */
export function allows(set: SpecifierSet, v: Pep440Version, options: AllowOptions = {}): boolean {
  const pre = options.prereleases ?? set.prereleases;
  if (v.isPrerelease && !pre) return false;
  return set.clauses.every((c) => clauseAllows(c, v));
}

/** Convenience: `satisfies("1.0", ">=1.0,<2")`; false for an invalid version or specifier. */
export function satisfies(version: string, specifier: string, options: AllowOptions = {}): boolean {
  const v = parseVersion(version);
  const set = parseSpecifierSet(specifier);
  return v !== undefined && set !== undefined && allows(set, v, options);
}
