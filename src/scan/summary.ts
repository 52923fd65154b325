import type { ResolvedScanOptions } from "../config/scan-options.js";
import type { FileReport, FolderReport, Report } from "../core/report.js";
import { REPORT_SCHEMA_VERSION } from "../core/report.js";
import { SEVERITIES, maxSeverity, meetsGate, type Severity } from "../core/severity.js";
import { TOOL_NAME, TOOL_VERSION } from "../core/version.js";

export interface BuildReportInput {
  targets: string[];
  files: FileReport[];
  folders?: FolderReport[];
  options: ResolvedScanOptions;
  bytesRead: number;
  durationMs: number;
}

/** Formats that are not model content: a scan that finds only these verified no model. */
const NOT_MODEL_FORMATS: ReadonlySet<string> = new Set(["text", "json", "unknown", "directory"]);

/** Files (top-level or members) in a model or container format: what the scan verified beyond text and data. */
export function countModelFiles(files: readonly FileReport[]): number {
  return files.filter((f) => !NOT_MODEL_FORMATS.has(f.format) && !f.findings.some((x) => x.ruleId === "scanner/unreadable")).length;
}

/** Assembles the report and its summary; the gate (`failed`) is computed here once. */
export function buildReport(input: BuildReportInput): Report {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let count = 0;
  for (const f of input.files) {
    for (const finding of f.findings) {
      bySeverity[finding.severity]++;
      count++;
    }
  }
  const highest = maxSeverity(input.files.flatMap((f) => f.findings.map((x) => x.severity))) ?? null;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    targets: input.targets,
    limits: input.options.limits,
    summary: {
      files: input.files.length,
      findings: count,
      bySeverity,
      highestSeverity: highest,
      failOn: input.options.failOn,
      failed: highest !== null && meetsGate(highest, input.options.failOn),
      bytesRead: input.bytesRead,
      verifiedModelFiles: countModelFiles(input.files),
      durationMs: input.durationMs,
    },
    files: input.files,
    folders: input.folders ?? [],
  };
}
