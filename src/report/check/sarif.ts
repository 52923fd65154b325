import { createHash } from "node:crypto";
import { isAbsolute, join, relative, sep } from "node:path";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { CheckReport, CheckResult } from "../../core/check-report.js";
import type { Severity } from "../../core/severity.js";

const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };

export interface CheckSarifOptions {
  /** Titles of the rules (built-in titles, custom rules' descriptions). */
  ruleTitle: (id: string) => string | undefined;
  /** Folder artifact URIs are made relative to (the repository root in CI). Default cwd. */
  baseDir?: string;
}

function uri(modelPath: string, inside: string | undefined, baseDir: string): string {
  const top = inside?.split("!/")[0];
  const full = top && top !== "." ? join(modelPath, top) : modelPath;
  const rel = isAbsolute(full) ? relative(baseDir, full) : full;
  const posix = rel.split(sep).join("/");
  return posix.startsWith("../") || posix === "" ? full.split(sep).join("/") : posix;
}

function level(r: CheckResult): Result.level {
  if (r.status === "error") return "error";
  if (r.severity === "medium") return "warning";
  if (r.severity === "low" || r.severity === "info") return "note";
  return "error";
}

/**
 * The failures (and suppressed failures) of a check as SARIF 2.1.0 for GitHub code scanning. Suppressed
 * results carry a SARIF suppression with the reason, so code scanning shows them as dismissed.
 */
export function formatCheckSarif(report: CheckReport, options: CheckSarifOptions): string {
  const baseDir = options.baseDir ?? process.cwd();
  const shown = report.models.flatMap((m) => m.results.filter((r) => r.status === "fail" || r.status === "error" || r.status === "suppressed").map((r) => ({ m, r })));
  const ruleIds = [...new Set(shown.map(({ r }) => r.ruleId))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const rules: ReportingDescriptor[] = ruleIds.map((id) => {
    const controls = shown.find(({ r }) => r.ruleId === id)?.r.controls ?? [];
    const title = options.ruleTitle(id) ?? id;
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : "")),
      shortDescription: { text: title },
      fullDescription: { text: `${title}. Policy rule of modelgate check.` },
      help: { text: `Policy rule ${id}; controls: ${controls.join(", ") || "none"}.` },
      properties: { tags: ["security", "policy", ...controls] },
    };
  });
  const results: Result[] = shown.map(({ m, r }) => {
    const result: Result = {
      ruleId: r.ruleId,
      ruleIndex: index.get(r.ruleId)!,
      level: level(r),
      message: { text: `${m.path}: ${r.message}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: uri(m.path, r.path, baseDir) }, region: { startLine: 1 } } }],
      partialFingerprints: {
        "modelgateCheck/v1": createHash("sha256").update([r.ruleId, m.path, r.path ?? "", r.finding ?? ""].join("\u0000")).digest("hex"),
      },
      properties: {
        status: r.status,
        model: m.path,
        controls: r.controls,
        ...(r.severity ? { severity: r.severity, "security-severity": SECURITY_SEVERITY[r.severity] } : {}),
        ...(r.finding ? { finding: r.finding } : {}),
        ...(r.suppression?.expired ? { suppressionExpired: r.suppression.expires } : {}),
      },
    };
    if (r.status === "suppressed" && r.suppression) {
      result.suppressions = [{ kind: "external", status: "accepted", justification: r.suppression.reason }];
    }
    return result;
  });
  const log: Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: `${report.tool.name}-check`, version: report.tool.version, semanticVersion: report.tool.version, rules } },
        automationDetails: { id: `modelgate-check/${report.policy.digest.slice(0, 12)}/` },
        ...((report.policy.relaxations ?? []).length > 0
          ? {
              invocations: [
                {
                  executionSuccessful: true,
                  toolConfigurationNotifications: (report.policy.relaxations ?? []).map((r) => ({
                    level: "warning" as const,
                    descriptor: { id: "policy.relaxation" },
                    message: { text: `the policy relaxes the gate: ${r.setting}: ${r.value} — ${r.effect}; reason: ${r.reason}` },
                  })),
                },
              ],
            }
          : {}),
        results,
        columnKind: "unicodeCodePoints",
        properties: { policy: report.policy, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
