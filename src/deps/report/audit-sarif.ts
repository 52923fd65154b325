/** SARIF 2.1.0 for `modelgate audit`: one rule per advisory (and per advice item), results at file:line. */
import { createHash } from "node:crypto";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Severity } from "../../core/severity.js";
import { sarifLocator } from "../../report/sarif.js";
import type { AuditReport } from "../audit-report.js";
import { remediation } from "./audit-text.js";

const LEVEL: Record<Severity, Result.level> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };

export interface AuditSarifOptions {
  /**
   * Folder that artifact URIs are made relative to (`%SRCROOT%`): the repository root in CI. Default: the
   * repository root holding the current directory, else the current directory (as for scan and check).
   */
  baseDir?: string;
}

function fingerprint(...parts: (string | number | undefined)[]): string {
  return createHash("sha256").update(parts.map((p) => String(p ?? "")).join("\u0000")).digest("hex");
}

export const ADVICE_RULE_PREFIX = "modelgate-advice/";

export function formatAuditSarif(report: AuditReport, options: AuditSarifOptions = {}): string {
  const locator = sarifLocator(options.baseDir);
  // Fingerprints use the file's URI, not the path as given: the same advisory keeps its fingerprint from any folder.
  const uri = (file: string): string => locator.locate(file).uri!;
  const rules = new Map<string, ReportingDescriptor>();
  const results: Result[] = [];
  for (const v of report.vulnerabilities) {
    if (!rules.has(v.id)) {
      rules.set(v.id, {
        id: v.id,
        name: v.id.replace(/[^A-Za-z0-9]/g, ""),
        shortDescription: { text: v.summary || `${v.id} in ${v.package}` },
        fullDescription: { text: `${v.summary ? `${v.summary} ` : ""}Affected: ${v.affected}.${v.aliases.length ? ` Also known as ${v.aliases.join(", ")}.` : ""}` },
        help: { text: `Upgrade to a fixed version (${v.fixed.join(", ") || "none known"}).`, markdown: `**Fixed versions:** ${v.fixed.join(", ") || "none known"}` },
        ...(v.references[0] ? { helpUri: v.references.find((r) => r.includes("/advisories/")) ?? v.references[0] } : {}),
        defaultConfiguration: { level: LEVEL[v.severity] },
        properties: { tags: ["security", "vulnerability", "dependency", ...v.aliases], "security-severity": SECURITY_SEVERITY[v.severity], precision: "high" },
      });
    }
  }
  for (const a of report.advice) {
    const id = `${ADVICE_RULE_PREFIX}${a.id}`;
    if (!rules.has(id)) {
      rules.set(id, {
        id,
        name: a.id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : "")),
        shortDescription: { text: a.title },
        fullDescription: { text: a.why },
        help: { text: a.fixed ? `Upgrade ${a.package} to >= ${a.fixed}.` : `No release fixes this: ${a.why}` },
        ...(a.references[0] ? { helpUri: a.references[0] } : {}),
        defaultConfiguration: { level: LEVEL[a.severity] },
        properties: { tags: ["security", "ml-supply-chain", "dependency", ...a.cves], "security-severity": SECURITY_SEVERITY[a.severity], precision: "high" },
      });
    }
  }
  const ids = [...rules.keys()].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const location = (file: string, line: number | undefined) => [
    { physicalLocation: { artifactLocation: locator.locate(file), region: { startLine: line ?? 1 } } },
  ];
  for (const v of report.vulnerabilities) {
    results.push({
      ruleId: v.id,
      ruleIndex: index.get(v.id)!,
      level: LEVEL[v.severity],
      message: { text: `${v.message}. ${remediation(v.package, [v], [], v.pinned)}.` },
      locations: location(v.source.file, v.source.line),
      partialFingerprints: { "modelgateAudit/v1": fingerprint(v.id, v.package, uri(v.source.file), v.specifier) },
      properties: { severity: v.severity, severitySource: v.severitySource, package: v.package, ...(v.version ? { version: v.version } : {}), aliases: v.aliases, fixed: v.fixed },
    });
  }
  for (const a of report.advice) {
    const id = `${ADVICE_RULE_PREFIX}${a.id}`;
    results.push({
      ruleId: id,
      ruleIndex: index.get(id)!,
      level: LEVEL[a.severity],
      message: { text: `${a.message}. ${remediation(a.package, [], [a], a.pinned)}.` },
      locations: location(a.source.file, a.source.line),
      partialFingerprints: { "modelgateAudit/v1": fingerprint(id, a.package, uri(a.source.file), a.specifier) },
      properties: { severity: a.severity, package: a.package, ...(a.version ? { version: a.version } : {}), cves: a.cves },
    });
  }
  const log: Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, semanticVersion: report.tool.version, rules: ids.map((id) => rules.get(id)!) } },
        results,
        originalUriBaseIds: locator.originalUriBaseIds,
        columnKind: "unicodeCodePoints",
        invocations: [
          {
            executionSuccessful: !report.summary.incomplete,
            toolExecutionNotifications: report.issues.map((i) => ({
              level: i.fatal ? ("error" as const) : ("note" as const),
              message: { text: `[${i.code}] ${i.message}` },
              locations: location(i.file, i.line),
            })),
          },
        ],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
