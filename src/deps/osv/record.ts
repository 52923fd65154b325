/**
 * One OSV record (https://ossf.github.io/osv-schema/) → what the matcher needs, per PyPI package it names.
 * Broken records are reported with a reason, never half-used.
 */
import { normalizePackageName } from "../parse/name.js";
import { compareVersions, describeInterval, parseVersion, type VersionInterval } from "../pep440/index.js";
import { recordSeverity, type SeverityInfo } from "./severity.js";

export const OSV_ECOSYSTEM = "PyPI";

/** An advisory as it concerns one PyPI package. */
export interface OsvEntry {
  id: string;
  aliases: string[];
  /** PEP 503 normalised package name. */
  package: string;
  summary: string;
  modified?: string;
  /** From ECOSYSTEM ranges (GIT ranges are ignored). */
  intervals: VersionInterval[];
  /** `affected[].versions`: explicit affected versions. */
  versions: string[];
  /** Every `fixed` event, PEP 440 order. */
  fixed: string[];
  severity: SeverityInfo;
  references: string[];
  /** Where the record was read from (file, zip member, or the OSV API URL). */
  file: string;
}

export type RecordResult =
  | { kind: "ok"; entries: OsvEntry[] }
  | { kind: "withdrawn"; id: string }
  | { kind: "other-ecosystem"; id: string }
  | { kind: "invalid"; message: string; id?: string; packages: string[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

interface Event {
  kind: "introduced" | "fixed" | "last_affected";
  version: string;
}

/** ECOSYSTEM events → intervals, following the OSV evaluation order (sorted events, last one before v wins). */
export function eventsToIntervals(events: Event[]): VersionInterval[] {
  const pos = (e: Event): string => (e.kind === "introduced" && e.version === "0" ? "0.dev0" : e.version);
  const sorted = [...events].sort((a, b) => {
    const c = compareVersions(pos(a), pos(b));
    if (c !== 0) return c;
    // At the same version: introduced applies at v, last_affected just after it.
    const order = { fixed: 0, introduced: 1, last_affected: 2 };
    return order[a.kind] - order[b.kind];
  });
  const out: VersionInterval[] = [];
  let open: VersionInterval | undefined;
  for (const e of sorted) {
    if (e.kind === "introduced") {
      // "0" is the start of time: no lower bound (pre-releases of 0 included).
      if (!open) open = e.version === "0" ? {} : { lower: { version: e.version, inclusive: true } };
    } else if (open) {
      open.upper = { version: e.version, inclusive: e.kind === "last_affected" };
      out.push(open);
      open = undefined;
    }
  }
  if (open) out.push(open);
  return out;
}

function refUrls(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((r) => r.url).filter((u): u is string => typeof u === "string");
}

function firstLine(s: string, max = 200): string {
  const line = s.trim().split(/\n\s*\n/)[0]!.replace(/\s+/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Normalises a parsed OSV record; `file` names where it came from. */
export function normalizeOsvRecord(raw: unknown, file: string): RecordResult {
  if (!isObj(raw)) return { kind: "invalid", message: "not an OSV record (expected an object)", packages: [] };
  const id = raw.id;
  if (typeof id !== "string" || id.trim() === "") return { kind: "invalid", message: "missing or empty `id`", packages: [] };
  if (raw.withdrawn !== undefined && raw.withdrawn !== null && raw.withdrawn !== "") return { kind: "withdrawn", id };
  const affected = raw.affected;
  if (!Array.isArray(affected) || affected.length === 0) return { kind: "invalid", id, message: "missing `affected` list", packages: [] };
  const aliases = Array.isArray(raw.aliases) ? [...new Set(raw.aliases.filter((a): a is string => typeof a === "string" && a !== id))] : [];
  const summary = typeof raw.summary === "string" && raw.summary.trim() ? firstLine(raw.summary) : typeof raw.details === "string" ? firstLine(raw.details) : "";
  const references = refUrls(raw.references);
  const modified = typeof raw.modified === "string" ? raw.modified : undefined;
  const pypi: Obj[] = [];
  for (const a of affected) {
    if (!isObj(a)) return { kind: "invalid", id, message: "an `affected` entry is not an object", packages: [] };
    const pkg = a.package;
    if (!isObj(pkg) || typeof pkg.ecosystem !== "string" || typeof pkg.name !== "string") {
      return { kind: "invalid", id, message: "an `affected` entry has no package name and ecosystem", packages: [] };
    }
    // "PyPI" exactly; ecosystem suffixes (`PyPI:…`) are not used by PyPI records.
    if (pkg.ecosystem === OSV_ECOSYSTEM) pypi.push(a);
  }
  if (pypi.length === 0) return { kind: "other-ecosystem", id };
  const packages = [...new Set(pypi.map((a) => normalizePackageName((a.package as Obj).name as string)))];
  const severity = recordSeverity(raw, pypi);
  const byPackage = new Map<string, OsvEntry>();
  for (const a of pypi) {
    const name = normalizePackageName((a.package as Obj).name as string);
    let entry = byPackage.get(name);
    if (!entry) {
      entry = { id, aliases, package: name, summary, intervals: [], versions: [], fixed: [], severity, references, file };
      if (modified) entry.modified = modified;
      byPackage.set(name, entry);
    }
    if (a.ranges !== undefined && !Array.isArray(a.ranges)) return { kind: "invalid", id, message: `\`ranges\` of ${name} is not a list`, packages };
    for (const r of (a.ranges as unknown[] | undefined) ?? []) {
      if (!isObj(r) || typeof r.type !== "string") return { kind: "invalid", id, message: `a range of ${name} has no type`, packages };
      if (r.type !== "ECOSYSTEM") continue; // GIT and SEMVER ranges do not apply to PyPI versions
      if (!Array.isArray(r.events) || r.events.length === 0) return { kind: "invalid", id, message: `an ECOSYSTEM range of ${name} has no events`, packages };
      const events: Event[] = [];
      for (const ev of r.events) {
        if (!isObj(ev)) return { kind: "invalid", id, message: `an event of ${name} is not an object`, packages };
        const keys = Object.keys(ev).filter((k) => k === "introduced" || k === "fixed" || k === "last_affected" || k === "limit");
        if (keys.length !== 1) return { kind: "invalid", id, message: `an event of ${name} must have exactly one of introduced, fixed, last_affected, limit`, packages };
        const kind = keys[0] as Event["kind"] | "limit";
        const version = ev[kind];
        if (kind === "limit") continue;
        if (typeof version !== "string" || !(kind === "introduced" && version === "0") && !parseVersion(version)) {
          return { kind: "invalid", id, message: `${kind} version ${JSON.stringify(version)} of ${name} is not a PEP 440 version`, packages };
        }
        events.push({ kind, version });
        if (kind === "fixed") entry.fixed.push(version);
      }
      if (!events.some((e) => e.kind === "introduced")) return { kind: "invalid", id, message: `an ECOSYSTEM range of ${name} has no introduced event`, packages };
      entry.intervals.push(...eventsToIntervals(events));
    }
    if (a.versions !== undefined) {
      if (!Array.isArray(a.versions)) return { kind: "invalid", id, message: `\`versions\` of ${name} is not a list`, packages };
      // Versions PEP 440 cannot read are kept for exact (===) comparison only.
      for (const v of a.versions) if (typeof v === "string") entry.versions.push(v);
    }
  }
  for (const e of byPackage.values()) e.fixed = [...new Set(e.fixed)].sort(compareVersions);
  return { kind: "ok", entries: [...byPackage.values()] };
}

/** Human-readable affected ranges of an entry: `<1.13.1`, `>=2.4.0, <2.4.4; >=2.5.0, <2.5.2`, or an explicit list. */
export function describeAffected(e: OsvEntry): string {
  const parts = e.intervals.map(describeInterval);
  if (e.versions.length > 0 && parts.length === 0) {
    const shown = e.versions.slice(0, 8).join(", ");
    parts.push(`versions ${shown}${e.versions.length > 8 ? `, … (${e.versions.length} listed)` : ""}`);
  }
  return parts.join("; ") || "no affected versions listed";
}
