/**
 * `audit()`: Python dependency files → known vulnerabilities (OSV, offline or online) and ML-aware advice.
 * Fails closed: a file that cannot be read or parsed, or a broken advisory for an audited package, is an issue
 * that marks the report incomplete; the rest of the report is kept.
 */
import { stat } from "node:fs/promises";
import { isModelgateError, ModelgateError } from "../core/errors.js";
import { maxSeverity, meetsGate, SEVERITIES, severityRank, type Severity } from "../core/severity.js";
import { TOOL_VERSION } from "../core/version.js";
import { matchAdvice } from "./advice/advice.js";
import type { AdviceMatch, AuditDatabaseInfo, AuditIssue, AuditIssueCode, AuditReport, VulnerabilityMatch } from "./audit-report.js";
import { AUDIT_SCHEMA_VERSION } from "./audit-report.js";
import { loadOsvDatabase, type OsvDatabase } from "./osv/database.js";
import { resolveDbPath } from "./osv/db-path.js";
import { matchAffected, type AffectedHit, type DependencyVersion } from "./osv/match.js";
import { loadOnlineDatabase } from "./osv/online.js";
import { describeAffected, type OsvEntry } from "./osv/record.js";
import { compareVersions, parseSpecifierSet, parseVersion } from "./pep440/index.js";
import { findDependencyFiles, parseDependencyFile } from "./parse/index.js";
import type { Dependency, DependencyFile, DependencyIssueCode } from "./types.js";

export interface AuditOptions {
  /** Offline database directory (default: resolveDbPath()). Ignored with `online`. */
  db?: string;
  /** Query the OSV API instead of a local database. */
  online?: boolean;
  /** Gate: the report fails when a vulnerability or advice item is at or above it. Default high. */
  failOn?: Severity;
  /** fetch for --online (tests inject one). */
  fetch?: typeof fetch;
  /** Clock for the database age and createdAt. */
  now?: Date;
  /** Already parsed files (e.g. by the SBOM writer), audited with those found from `paths`. */
  files?: DependencyFile[];
  /** OSV API base URL (default https://api.osv.dev). */
  api?: string;
}

/** A database older than this is flagged in every report. */
export const STALE_DAYS = 7;

const FATAL_PARSER_CODES: ReadonlySet<DependencyIssueCode> = new Set(["unparsed-line", "include-missing", "include-cycle", "limit-exceeded"]);

/** `file:line:col: what` (the parsers' error style) → line. */
function lineOf(message: string): number | undefined {
  const m = /:(\d+):\d+: /.exec(message) ?? /\bline (\d+)\b/.exec(message);
  return m ? Number(m[1]) : undefined;
}

function errorIssue(file: string, e: unknown): AuditIssue {
  const message = e instanceof Error ? e.message : String(e);
  let code: AuditIssueCode = "parse-error";
  if (isModelgateError(e)) {
    if (e.code === "PATH_NOT_FOUND" || e.code === "PATH_UNREADABLE") code = "read-error";
    else if (e.code === "LIMIT_EXCEEDED") code = "limit-exceeded";
  }
  const line = (e as { line?: unknown }).line;
  const l = typeof line === "number" ? line : lineOf(message);
  return { file, ...(l !== undefined ? { line: l } : {}), code, message: isModelgateError(e) ? message : `could not parse: ${message}`, fatal: true };
}

async function collectFiles(paths: readonly string[], issues: AuditIssue[]): Promise<DependencyFile[]> {
  const out: DependencyFile[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      issues.push({ file: p, code: "read-error", message: code === "ENOENT" ? `${p}: no such file or folder` : `${p}: cannot be read (${code ?? (e as Error).message})`, fatal: true });
      continue;
    }
    let files: string[];
    if (isDir) {
      try {
        files = await findDependencyFiles(p);
      } catch (e) {
        issues.push(errorIssue(p, e));
        continue;
      }
      if (files.length === 0) {
        issues.push({ file: p, code: "no-dependency-files", message: `${p}: no dependency files found (requirements*.txt, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, environment.yml)`, fatal: true });
        continue;
      }
    } else {
      files = [p];
    }
    for (const f of files) {
      try {
        out.push(await parseDependencyFile(f));
      } catch (e) {
        issues.push(errorIssue(f, e));
      }
    }
  }
  return out;
}

/** GHSA, then PYSEC, then CVE, then anything else; alphabetical within a kind (stable across databases). */
export function preferredId(ids: Iterable<string>): string {
  const rank = (id: string): number => (id.startsWith("GHSA-") ? 0 : id.startsWith("PYSEC-") ? 1 : id.startsWith("CVE-") ? 2 : 3);
  return [...ids].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))[0]!;
}

/** Groups advisories whose ids or aliases overlap (PYSEC-… and GHSA-… for one CVE). */
export function groupByAlias<T extends { entry: OsvEntry }>(hits: T[]): T[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const h of hits) {
    union(h.entry.id, h.entry.id);
    for (const a of h.entry.aliases) union(h.entry.id, a);
  }
  const groups = new Map<string, T[]>();
  for (const h of hits) {
    const root = find(h.entry.id);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = []));
    g.push(h);
  }
  return [...groups.values()];
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareVersions(b, a) > 0 ? b : a;
}

function describeDependency(dep: Dependency): string {
  return dep.version !== undefined ? `${dep.name} ${dep.version}` : `${dep.name} ${dep.specifier || "(any version)"}`;
}

function toMatch(dep: Dependency, pinned: boolean, group: { entry: OsvEntry; hit: AffectedHit }[]): VulnerabilityMatch {
  const ids = new Set<string>();
  for (const { entry } of group) {
    ids.add(entry.id);
    for (const a of entry.aliases) ids.add(a);
  }
  const id = preferredId(ids);
  ids.delete(id);
  const bySeverity = [...group].sort((a, b) => b.entry.severity.rank - a.entry.severity.rank || severityRank(b.entry.severity.severity) - severityRank(a.entry.severity.severity));
  const sev = bySeverity[0]!.entry.severity;
  const main = group.find((g) => g.entry.id === id) ?? group.find((g) => g.entry.summary) ?? group[0]!;
  const affected = [...new Set(group.map((g) => describeAffected(g.entry)))].join(" | ");
  const fixed = [...new Set(group.flatMap((g) => g.entry.fixed))].sort(compareVersions);
  let upgradeTo: string | undefined;
  for (const g of group) upgradeTo = later(upgradeTo, g.hit.upgradeTo);
  const allowed = [...new Set(group.map((g) => g.hit.allowed).filter((x): x is string => x !== undefined))].join("; ");
  let message = pinned ? `${describeDependency(dep)} is affected (${affected})` : `${describeDependency(dep)} allows affected versions ${allowed}`;
  if (sev.source === "unknown") message += "; the advisory gives no severity (no GHSA rating or CVSS v3 vector): treated as medium";
  const m: VulnerabilityMatch = {
    id,
    aliases: [...ids].sort(),
    package: dep.name,
    specifier: dep.specifier,
    pinned,
    severity: sev.severity,
    severitySource: sev.source,
    summary: main.entry.summary,
    message,
    affected,
    fixed,
    source: { ...dep.source },
    references: [...new Set(group.flatMap((g) => g.entry.references))].slice(0, 20),
    records: [...new Set(group.map((g) => g.entry.file))],
  };
  if (dep.version !== undefined) m.version = dep.version;
  if (upgradeTo !== undefined) m.upgradeTo = upgradeTo;
  if (!pinned) m.allowedAffected = allowed;
  return m;
}

function dependencyVersion(dep: Dependency, issues: AuditIssue[]): DependencyVersion | undefined {
  const where = { file: dep.source.file, ...(dep.source.line !== undefined ? { line: dep.source.line } : {}) };
  if (dep.version !== undefined) {
    const v = parseVersion(dep.version);
    if (!v) {
      issues.push({ ...where, code: "invalid-version", message: `${dep.rawName} ${dep.version}: not a PEP 440 version; only advisories listing this exact string can match`, fatal: true });
    }
    return { pinned: true, version: v, raw: dep.version };
  }
  const set = parseSpecifierSet(dep.specifier);
  if (!set) {
    issues.push({ ...where, code: "invalid-specifier", message: `${dep.rawName}: ${JSON.stringify(dep.specifier)} is not a valid PEP 440 specifier; it was not checked`, fatal: true });
    return undefined;
  }
  return { pinned: false, specifier: set };
}

function dbInfo(db: OsvDatabase, now: Date): AuditDatabaseInfo {
  const info: AuditDatabaseInfo = { kind: db.kind, records: db.records, stale: false };
  if (db.path) info.path = db.path;
  if (db.source) info.source = db.source;
  if (db.sha256) info.sha256 = db.sha256;
  if (db.kind === "online") {
    info.updatedAt = now.toISOString();
    info.ageDays = 0;
    return info;
  }
  if (db.updatedAt) {
    info.updatedAt = db.updatedAt;
    if (db.ageFrom) info.ageFrom = db.ageFrom;
    const t = Date.parse(db.updatedAt);
    if (Number.isFinite(t)) {
      info.ageDays = Math.max(0, Math.floor((now.getTime() - t) / 86_400_000));
      info.stale = info.ageDays > STALE_DAYS;
    }
  } else {
    info.stale = true; // unknown age
  }
  return info;
}

/**
 * The ML advice table alone (no vulnerability database needed): what `check` still enforces when no database is
 * available, since the advice that matters most for models (torch.load's weights_only bypass, transformers' remote
 * code) is built in. Files it cannot read or lines it cannot parse are left to audit() to report.
 */
export async function matchBuiltinAdvice(paths: readonly string[], options: Pick<AuditOptions, "files"> = {}): Promise<AdviceMatch[]> {
  const ignored: AuditIssue[] = [];
  const files = [...(options.files ?? []), ...(await collectFiles(paths, ignored))];
  const advice: AdviceMatch[] = [];
  for (const file of files) for (const { dep, version } of checkedDependencies(file, ignored)) advice.push(...matchAdvice(dep, version));
  return advice;
}

/** A file's dependencies that can be checked, with their versions (direct references and bad specifiers left out, the latter noted in `issues`). */
function* checkedDependencies(file: DependencyFile, issues: AuditIssue[]): Generator<{ dep: Dependency; version: DependencyVersion }> {
  for (const dep of file.dependencies) {
    if (dep.url !== undefined && dep.version === undefined) continue; // direct references: the parser notes them
    const version = dependencyVersion(dep, issues);
    if (version) yield { dep, version };
  }
}

/** Audits dependency files (or folders holding them) against OSV advisories and the ML advice table. */
export async function audit(paths: readonly string[], options: AuditOptions = {}): Promise<AuditReport> {
  const now = options.now ?? new Date();
  const failOn = options.failOn ?? "high";
  const issues: AuditIssue[] = [];
  // Fail fast on a missing database, before reading anything.
  const dbPath = options.online ? undefined : resolveDbPath(options.db);
  let offline: OsvDatabase | undefined;
  if (dbPath) {
    offline = await loadOsvDatabase(dbPath);
    if (offline.records === 0 && offline.issues.length === 0) {
      throw new ModelgateError("DATABASE_UNAVAILABLE", `no vulnerability database at ${dbPath}: the folder holds no OSV records; run \`modelgate db update\` or pass --db DIR / --online`);
    }
  }
  const files = [...(options.files ?? []), ...(await collectFiles(paths, issues))];
  const names = [...new Set(files.flatMap((f) => f.dependencies.map((d) => d.name)))];
  const db =
    offline ??
    (await loadOnlineDatabase(names, { ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.api ? { api: options.api } : {}) }));
  const vulnerabilities: VulnerabilityMatch[] = [];
  const advice: AdviceMatch[] = [];
  for (const file of files) {
    for (const pi of file.issues) {
      const line = pi.source.line;
      issues.push({ file: pi.source.file, ...(line !== undefined ? { line } : {}), code: pi.code, message: pi.message, fatal: FATAL_PARSER_CODES.has(pi.code) });
    }
    for (const { dep, version } of checkedDependencies(file, issues)) {
      const hits: { entry: OsvEntry; hit: AffectedHit }[] = [];
      for (const entry of db.lookup(dep.name)) {
        const hit = matchAffected(version, entry);
        if (hit) hits.push({ entry, hit });
      }
      for (const group of groupByAlias(hits)) vulnerabilities.push(toMatch(dep, version.pinned, group));
      advice.push(...matchAdvice(dep, version));
    }
  }
  // Database issues last: records are fully checked when their package is first looked up.
  const audited = new Set(names);
  for (const i of db.issues) {
    const fatal = i.code !== "db-record-invalid" || i.packages.length === 0 || i.packages.some((p) => audited.has(p));
    issues.push({ file: i.file, ...(i.line !== undefined ? { line: i.line } : {}), code: i.code, message: i.message, fatal });
  }
  const order = (a: { source: { file: string; line?: number }; severity: Severity; id: string }, b: typeof a): number =>
    (a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : 0) ||
    (a.source.line ?? 0) - (b.source.line ?? 0) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  vulnerabilities.sort(order);
  advice.sort(order);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const x of [...vulnerabilities, ...advice]) bySeverity[x.severity]++;
  const top = maxSeverity([...vulnerabilities, ...advice].map((x) => x.severity));
  const report: AuditReport = {
    schemaVersion: AUDIT_SCHEMA_VERSION,
    tool: { name: "modelgate", version: TOOL_VERSION },
    createdAt: now.toISOString(),
    database: dbInfo(db, now),
    files,
    vulnerabilities,
    advice,
    issues,
    summary: {
      files: files.length,
      dependencies: files.reduce((n, f) => n + f.dependencies.length, 0),
      vulnerable: new Set(vulnerabilities.map((v) => v.package)).size,
      vulnerabilities: vulnerabilities.length,
      advice: advice.length,
      bySeverity,
      ...(top ? { maxSeverity: top } : {}),
      failOn,
      failed: top !== undefined && meetsGate(top, failOn),
      incomplete: issues.some((i) => i.fatal),
    },
  };
  return report;
}
