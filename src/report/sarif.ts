import { createHash } from "node:crypto";
import { relative, sep } from "node:path";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Finding } from "../core/finding.js";
import type { Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import type { RuleDefinition } from "../rules/rule.js";
import { MEMBER_SEPARATOR } from "../core/virtual-file.js";

const LEVEL: Record<Severity, Result.level> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };

/** GitHub code scanning reads `security-severity` (0–10) to rank security alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };

export interface SarifOptions {
  /** Rule definitions for every rule id in the report (from the catalog). */
  rules: (id: string) => RuleDefinition;
  /** Folder that artifact URIs are made relative to (the repository root in CI). Default: cwd. */
  baseDir?: string;
}

function artifactUri(path: string, baseDir: string): string {
  const top = path.split(MEMBER_SEPARATOR)[0]!;
  const rel = relative(baseDir, top);
  const posix = rel.split(sep).join("/");
  return posix.startsWith("../") || posix === "" ? top.split(sep).join("/") : posix;
}

function describeRule(rule: RuleDefinition): ReportingDescriptor {
  return {
    id: rule.id,
    name: rule.id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : "")),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: rule.remediation, markdown: `**Remediation:** ${rule.remediation}` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags: ["security", ...rule.cwe.map((c) => `external/cwe/${c.toLowerCase()}`), ...rule.atlas, ...rule.owasp],
      precision: "high",
      "security-severity": SECURITY_SEVERITY[rule.severity],
    },
  };
}

function fingerprint(f: Finding): string {
  return createHash("sha256")
    .update([f.ruleId, f.location.path, f.location.offset ?? "", f.message].join("\u0000"))
    .digest("hex");
}

/** SARIF 2.1.0, as GitHub code scanning accepts it. */
export function formatSarif(report: Report, options: SarifOptions): string {
  const baseDir = options.baseDir ?? process.cwd();
  const ruleIds = [...new Set(report.files.flatMap((f) => f.findings.map((x) => x.ruleId)))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results: Result[] = [];
  for (const file of report.files) {
    for (const f of file.findings) {
      const inMember = f.location.path.includes(MEMBER_SEPARATOR);
      const where = inMember ? ` [in ${f.location.path.split(MEMBER_SEPARATOR).slice(1).join(MEMBER_SEPARATOR)}]` : "";
      const result: Result = {
        ruleId: f.ruleId,
        ruleIndex: index.get(f.ruleId)!,
        level: LEVEL[f.severity],
        message: { text: `${f.message}${where}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: artifactUri(f.location.path, baseDir) },
              // Model files are binary: GitHub needs a line, the byte offset travels in properties.
              region: { startLine: 1 },
            },
          },
        ],
        partialFingerprints: { "modelgateFinding/v1": fingerprint(f) },
        properties: {
          severity: f.severity,
          virtualPath: f.location.path,
          ...(f.location.offset !== undefined ? { offset: f.location.offset } : {}),
          ...(f.evidence ? { evidence: f.evidence } : {}),
        },
      };
      results.push(result);
    }
  }
  const log: Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: ruleIds.map((id) => describeRule(options.rules(id))),
          },
        },
        ...((report.relaxations ?? []).length > 0
          ? {
              invocations: [
                {
                  executionSuccessful: true,
                  toolConfigurationNotifications: (report.relaxations ?? []).map((r) => ({
                    level: "warning" as const,
                    descriptor: { id: "gate.relaxation" },
                    message: { text: `the gate is relaxed by ${r.setting} ${r.value}: ${r.effect}; reason: ${r.reason}` },
                  })),
                },
              ],
            }
          : {}),
        results,
        columnKind: "unicodeCodePoints",
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
