import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { CheckReport, CheckResult } from "../../core/check-report.js";
import type { Severity } from "../../core/severity.js";
import { MEMBER_SEPARATOR } from "../../core/virtual-file.js";
import { diskPath, sarifLocator } from "../sarif.js";

const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };

export interface CheckSarifOptions {
  /** Titles of the rules (built-in titles, custom rules' descriptions). */
  ruleTitle: (id: string) => string | undefined;
  /**
   * Folder artifact URIs are made relative to (`%SRCROOT%`): the repository root in CI. Default: the repository
   * root holding the current directory (a `.git` upward), else the current directory.
   */
  baseDir?: string;
}

/** undefined when the path cannot be read (the report is formatted after the model was moved). */
function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch {
    return undefined;
  }
}

/**
 * The file on disk a result is about. A result's path is inside the model (check/gather.ts): relative to the
 * folder for a folder model; for a single-file model it is the file's own name or a sibling's (its SBOM), so it
 * is relative to the file's folder — joined to the model path it named `models/c.zip/c.zip`. A finding on a
 * folder model itself carries the folder's name. Members of archives point at the archive. Model paths are as
 * given on the command line, relative to the current directory.
 */
function resultFile(model: string, inside: string | undefined): string {
  const modelPath = resolve(model);
  if (inside === undefined) return modelPath;
  const top = diskPath(inside);
  // A dependency file outside the model folder keeps the path the audit gave it.
  if (isAbsolute(top)) return top;
  const name = basename(modelPath);
  // The report does not say whether the model is a folder: the disk does. When it is gone, the model's own name
  // means the model either way, and anything else is taken as inside a folder.
  const isDir = isDirectory(modelPath) ?? top !== name;
  if (!isDir) return resolve(dirname(modelPath), top);
  const inFolder = resolve(modelPath, top);
  return top === name && !existsSync(inFolder) ? modelPath : inFolder;
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
  const locator = sarifLocator(options.baseDir);
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
    const artifactLocation = locator.locate(resultFile(m.path, r.path));
    const member = r.path?.split(MEMBER_SEPARATOR).slice(1) ?? [];
    const result: Result = {
      ruleId: r.ruleId,
      ruleIndex: index.get(r.ruleId)!,
      level: level(r),
      message: { text: `${m.path}: ${r.message}` },
      locations: [{ physicalLocation: { artifactLocation, region: { startLine: 1 } } }],
      partialFingerprints: {
        // The file's URI rather than the model path as given, so a check run from another folder keeps the fingerprint.
        "modelgateCheck/v1": createHash("sha256").update([r.ruleId, [artifactLocation.uri, ...member].join(MEMBER_SEPARATOR), r.finding ?? ""].join("\u0000")).digest("hex"),
      },
      properties: {
        status: r.status,
        model: m.path,
        // The file inside the model as check names it (members as "archive.zip!/member"): the URI is the archive's.
        ...(r.path !== undefined ? { path: r.path } : {}),
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
        originalUriBaseIds: locator.originalUriBaseIds,
        results,
        columnKind: "unicodeCodePoints",
        properties: { policy: report.policy, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
