/** Text output of `modelgate audit`: grouped by file, then dependency, with what to do. */
import { compareVersions } from "../pep440/index.js";
import type { AdviceMatch, AuditReport, VulnerabilityMatch } from "../audit-report.js";
import type { Severity } from "../../core/severity.js";

export interface AuditTextOptions {
  color?: boolean;
}

const COLORS: Record<Severity, string> = { critical: "\u001b[1;31m", high: "\u001b[31m", medium: "\u001b[33m", low: "\u001b[36m", info: "\u001b[2m" };

function later(a: string | undefined, b: string): string {
  return a === undefined || compareVersions(b, a) > 0 ? b : a;
}

/** "upgrade torch to >= 2.6.0", or what to do when no release fixes everything. */
export function remediation(pkg: string, vulns: readonly VulnerabilityMatch[], advice: readonly AdviceMatch[], pinned: boolean): string {
  let to: string | undefined;
  const unfixed: string[] = [];
  for (const v of vulns) {
    if (v.upgradeTo) to = later(to, v.upgradeTo);
    else unfixed.push(v.id);
  }
  for (const a of advice) {
    if (a.fixed) to = later(to, a.fixed);
    else unfixed.push(a.id);
  }
  const parts: string[] = [];
  if (to) parts.push(pinned ? `upgrade ${pkg} to >= ${to}` : `require ${pkg} >= ${to} (the specifier allows affected versions)`);
  if (unfixed.length) parts.push(`no fixed release known for ${unfixed.join(", ")}: remove or replace ${pkg}, or accept the risk knowingly`);
  return parts.join("; ");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The database line and its staleness warning (also used by `db status`). */
export function describeDatabase(report: Pick<AuditReport, "database">): string[] {
  const d = report.database;
  const lines: string[] = [];
  if (d.kind === "online") {
    lines.push(`database: OSV API ${d.source ?? ""} (online, ${plural(d.records, "record")} fetched)`);
    return lines;
  }
  const when = d.updatedAt ? `${d.ageFrom === "records" ? "newest record " : "updated "}${d.updatedAt.slice(0, 10)}, ${d.ageDays ?? "?"} days old` : "age unknown";
  lines.push(`database: ${d.path ?? "?"} (${when}; ${plural(d.records, "record")})`);
  if (d.stale) {
    lines.push(
      `warning: the vulnerability database is ${d.ageDays !== undefined ? `${d.ageDays} days` : "of unknown age and maybe"} old (more than 7): newer advisories are missing; run \`modelgate db update\` or use --online`,
    );
  }
  return lines;
}

export function formatAuditText(report: AuditReport, options: AuditTextOptions = {}): string {
  const c = (s: Severity, text: string): string => (options.color ? `${COLORS[s]}${text}\u001b[0m` : text);
  const out: string[] = [];
  const s = report.summary;
  out.push(`modelgate audit: ${plural(s.dependencies, "dependency").replace("dependencys", "dependencies")} in ${plural(s.files, "file")}`);
  out.push(...describeDatabase(report));
  out.push("");
  const files = [...new Set([...report.files.map((f) => f.path), ...report.vulnerabilities.map((v) => v.source.file), ...report.advice.map((a) => a.source.file)])];
  for (const file of files) {
    const vulns = report.vulnerabilities.filter((v) => v.source.file === file);
    const advice = report.advice.filter((a) => a.source.file === file);
    if (vulns.length === 0 && advice.length === 0) continue;
    out.push(file);
    const keys = [...new Set([...vulns, ...advice].map((x) => `${x.package}\u0000${x.source.line ?? 0}`))];
    for (const key of keys) {
      const [pkg, line] = key.split("\u0000");
      const vs = vulns.filter((v) => v.package === pkg && String(v.source.line ?? 0) === line);
      const as = advice.filter((a) => a.package === pkg && String(a.source.line ?? 0) === line);
      const first = (vs[0] ?? as[0])!;
      const what = first.version !== undefined ? `${pkg} ${first.version}` : `${pkg} ${first.specifier || "(any version)"} (not pinned)`;
      out.push(`  ${what}${line !== "0" ? `  (line ${line})` : ""}`);
      for (const v of vs) {
        out.push(`    ${c(v.severity, v.severity.toUpperCase().padEnd(8))} ${v.id}${v.aliases.length ? `  (${v.aliases.join(", ")})` : ""}`);
        if (v.summary) out.push(`             ${v.summary}`);
        out.push(`             affected: ${v.affected}; fixed: ${v.fixed.length ? v.fixed.join(", ") : "none known"}; severity: ${v.severitySource === "unknown" ? "unknown (treated as medium)" : v.severitySource}`);
        if (!v.pinned) out.push(`             the specifier allows affected versions ${v.allowedAffected ?? "(see JSON)"}`);
      }
      for (const a of as) {
        out.push(`    ${c(a.severity, a.severity.toUpperCase().padEnd(8))} advice ${a.id}: ${a.title}${a.cves.length ? ` (${a.cves.join(", ")})` : ""}`);
        out.push(`             ${a.why}`);
        if (!a.pinned) out.push(`             the specifier allows affected versions (${a.affected})`);
      }
      const fix = remediation(pkg!, vs, as, first.pinned);
      if (fix) out.push(`    → ${fix}`);
    }
    out.push("");
  }
  if (report.issues.length) {
    out.push("issues:");
    for (const i of report.issues) out.push(`  ${i.fatal ? "error" : "note "} ${i.file}${i.line !== undefined ? `:${i.line}` : ""}: [${i.code}] ${i.message}`);
    out.push("");
  }
  const counts = (["critical", "high", "medium", "low", "info"] as const).filter((k) => s.bySeverity[k] > 0).map((k) => `${s.bySeverity[k]} ${k}`);
  out.push(
    `${plural(s.vulnerabilities, "vulnerability").replace("vulnerabilitys", "vulnerabilities")} in ${plural(s.vulnerable, "package")}, ${plural(s.advice, "advice item")}` +
      `${counts.length ? ` (${counts.join(", ")})` : ""}; gate ${s.failOn}: ${s.incomplete ? "INCOMPLETE (see issues)" : s.failed ? "FAIL" : "PASS"}`,
  );
  return `${out.join("\n")}\n`;
}
