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
export {
  check,
  loadPolicy,
  resolvePolicy,
  findPolicyFile,
  BUILTIN_PROFILES,
  BUILTIN_RULES,
  CHECK_REPORT_SCHEMA_VERSION,
  type CheckOptions,
  type CheckReport,
  type CheckModelReport,
  type CheckResult,
  type LoadedPolicy,
  type Facts,
  type PolicyDocument,
} from "./check/index.js";
export { resolveConfig, type ResolvedConfig, type ResolveConfigOptions } from "./config/config.js";
export { formatCheckText } from "./report/check/text.js";
export { formatCheckJson } from "./report/check/json.js";
export { formatCheckSarif } from "./report/check/sarif.js";
export { formatCheckHtml } from "./report/check/html.js";
export { sbom, readModelMetadata, type SbomOptions, type SbomResult, type ModelMetadata } from "./sbom/index.js";
export {
  audit,
  updateDatabase,
  resolveDbPath,
  parseDependencyFile,
  findDependencyFiles,
  formatAuditText,
  formatAuditJson,
  formatAuditSarif,
  type AuditOptions,
  type AuditReport,
  type VulnerabilityMatch,
} from "./deps/index.js";
export type { Dependency, DependencyFile } from "./deps/types.js";
export { pullVersion, parseVersionRef, type PullOptions, type PullResult } from "./client/pull.js";
