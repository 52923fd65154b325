/**
 * modelgate library API. The CLI is built on exactly these functions.
 *
 *   import { scan } from "modelgate";
 *   const report = await scan(["model.pt"]);
 *   if (report.summary.failed) …
 */
export { scan, createFinding } from "./scan/scan.js";
export { resolveScanOptions, type ScanOptions, type ResolvedScanOptions, type ScanProgress } from "./config/scan-options.js";
export type { Report, FileReport, FolderReport, ReportSummary } from "./core/report.js";
export { REPORT_SCHEMA_VERSION } from "./core/report.js";
export type { Finding, FindingLocation, Evidence } from "./core/finding.js";
export { SEVERITIES, meetsGate, severityRank, type Severity } from "./core/severity.js";
export { DEFAULT_LIMITS, type ScanLimits } from "./core/limits.js";
export type { FormatId } from "./core/format.js";
export { ModelgateError, LimitError, MalformedError, type ModelgateErrorCode } from "./core/errors.js";
export { RULES, getRule } from "./rules/catalog.js";
export type { RuleDefinition } from "./rules/rule.js";
export { sign, verify } from "./sign/index.js";
export { formatHtml } from "./report/html.js";
export { formatJson } from "./report/json.js";
export { formatSarif, type SarifOptions } from "./report/sarif.js";
export { formatText, type TextOptions } from "./report/text.js";
