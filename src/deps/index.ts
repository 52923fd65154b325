/** Python dependencies: parsing (./parse), the OSV vulnerability audit and ML-aware advice. Named exports only. */
export { audit, STALE_DAYS, type AuditOptions } from "./audit.js";
export {
  AUDIT_SCHEMA_VERSION,
  type AdviceMatch,
  type AuditDatabaseInfo,
  type AuditIssue,
  type AuditIssueCode,
  type AuditReport,
  type AuditSummary,
  type VulnerabilityMatch,
} from "./audit-report.js";
export { ADVICE, type AdviceEntry } from "./advice/table.js";
export { resolveDbPath } from "./osv/db-path.js";
export { loadOsvDatabase, readDbMetadata, type DbMetadata, type OsvDatabase } from "./osv/database.js";
export { loadOnlineDatabase, OSV_API } from "./osv/online.js";
export { OSV_PYPI_EXPORT, updateDatabase, type UpdateOptions, type UpdateResult } from "./osv/update.js";
export { formatAuditJson } from "./report/audit-json.js";
export { formatAuditSarif, type AuditSarifOptions } from "./report/audit-sarif.js";
export { formatAuditText, type AuditTextOptions } from "./report/audit-text.js";
export {
  findDependencyFiles,
  normalizePackageName,
  parseDependencyFile,
  parseDependencyText,
  type FindDependencyFilesOptions,
  type ParseDependencyFileOptions,
} from "./parse/index.js";
export type { Dependency, DependencyFile, DependencyFileKind, DependencyIssue, DependencyIssueCode, DependencySource } from "./types.js";
