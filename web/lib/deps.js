/**
 * Reads a stored dependency audit (the AuditReport of `modelgate audit`, src/deps/audit-report.ts) and the policy
 * verdict's dependencies.* results into plain rows for display. The audit lists two kinds of entries:
 *  - `vulnerabilities`: OSV advisories ({ id, aliases, package: "onnx", version, severity, summary, fixed: [] });
 *  - `advice`: modelgate's own advice on ML packages ({ id: "torch-load-weights-only-bypass", package: "torch",
 *    version, severity, title, fixed: "2.6.0", cves }).
 * `package` is the PEP 503 name as a string (the dashboard once read `package.name` and showed nothing); an object
 * ({ name, version }) is read too.
 */
import { SEVERITIES } from "./dom.js";

function str(v) {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** { name, version } of an entry, whether `package` is a string or an object. */
export function packageOf(entry) {
  if (!entry || typeof entry !== "object") return { name: "", version: undefined };
  const p = entry.package;
  if (typeof p === "string") return { name: p, version: str(entry.version) };
  if (p && typeof p === "object") return { name: str(p.name) ?? "", version: str(p.version) ?? str(entry.version) };
  return { name: "", version: str(entry.version) };
}

function fixedOf(entry) {
  const f = entry.fixed;
  if (Array.isArray(f)) return f.map(String);
  return f === undefined || f === null || f === "" ? [] : [String(f)];
}

function severityOf(entry) {
  const s = typeof entry.severity === "string" ? entry.severity.toLowerCase() : "";
  return s || "unknown";
}

/** Sorts most severe first (unknown severities last), then by id. */
export function bySeverity(a, b) {
  const rank = (s) => (SEVERITIES.includes(s) ? SEVERITIES.indexOf(s) : SEVERITIES.length);
  return rank(a.severity) - rank(b.severity) || String(a.id).localeCompare(String(b.id));
}

function rows(list, kind) {
  return (Array.isArray(list) ? list : []).filter((x) => x && typeof x === "object").map((x) => {
    const pkg = packageOf(x);
    return {
      kind,
      id: String(x.id ?? ""),
      aliases: (Array.isArray(x.aliases) ? x.aliases : Array.isArray(x.cves) ? x.cves : []).map(String),
      package: pkg.name,
      version: pkg.version,
      specifier: str(x.specifier),
      severity: severityOf(x),
      title: str(x.title) ?? str(x.summary) ?? str(x.message) ?? "",
      fixed: fixedOf(x),
      file: str(x.source?.file),
      line: typeof x.source?.line === "number" ? x.source.line : undefined,
    };
  });
}

/** Every advisory and advice item of an audit, most severe first. */
export function auditEntries(audit) {
  if (!audit || typeof audit !== "object") return [];
  return [...rows(audit.vulnerabilities, "advisory"), ...rows(audit.advice, "advice")].sort(bySeverity);
}

/** How many dependencies the audit read: its summary, else the dependency files' lists. */
export function dependencyCount(audit) {
  if (!audit || typeof audit !== "object") return undefined;
  if (typeof audit.summary?.dependencies === "number") return audit.summary.dependencies;
  if (Array.isArray(audit.files)) return audit.files.reduce((n, f) => n + (Array.isArray(f?.dependencies) ? f.dependencies.length : 0), 0);
  return undefined;
}

/**
 * The dependency results that made the policy fail (dependencies.vulnerabilities, dependencies.database…), each
 * joined with its audit entry when there is one: { rule, outcome, severity, id, package, version, title, fixed,
 * path, message, controls }. Takes a normalised verdict (lib/verdict.js).
 */
export function failingDependencyResults(verdict, audit) {
  if (!verdict) return [];
  const entries = auditEntries(audit);
  return verdict.results
    .filter((r) => r.rule.startsWith("dependencies.") && (r.outcome === "fail" || r.outcome === "error"))
    .map((r) => {
      const same = r.finding ? entries.filter((e) => e.id === r.finding) : [];
      // One advisory can match several packages: the result's message starts with the package it is about.
      const entry = same.find((e) => e.package && r.message.startsWith(`${e.package} `)) ?? same[0];
      // Without the audit (not readable by this token, or not stored), the message still names the package:
      // "torch 2.0.0 in requirements.txt:1: torch-load-weights-only-bypass (CVE-2025-32434) critical; fixed in 2.6.0".
      const named = r.finding ? /^([A-Za-z0-9][A-Za-z0-9._-]*) (\S+) in /.exec(r.message) : null;
      return {
        rule: r.rule,
        outcome: r.outcome,
        severity: r.severity ?? entry?.severity ?? "unknown",
        id: r.finding ?? "",
        kind: entry?.kind,
        package: entry?.package ?? named?.[1] ?? "",
        version: entry ? entry.version : named && named[2] !== "(unpinned)" ? named[2] : undefined,
        title: entry?.title ?? "",
        fixed: entry?.fixed ?? [],
        aliases: entry?.aliases ?? [],
        path: r.path,
        message: r.message,
        controls: r.controls,
      };
    })
    .sort(bySeverity);
}
