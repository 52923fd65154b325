/** The dependency audit report (pure data), documented by schemas/audit-report.schema.json. */
import type { Severity } from "../core/severity.js";
import type { DependencyFile, DependencySource } from "./types.js";

export const AUDIT_SCHEMA_VERSION = "1";

export interface VulnerabilityMatch {
  /** The advisory id shown: GHSA if any id or alias is one, else PYSEC, else CVE, else the OSV id. */
  id: string;
  /** Every other id of the merged advisories (CVE, GHSA, PYSEC…). */
  aliases: string[];
  /** PEP 503 normalised name. */
  package: string;
  /** The pinned version, for a pinned dependency. */
  version?: string;
  specifier: string;
  pinned: boolean;
  severity: Severity;
  /** "GHSA database_specific", "CVSS:3.1 7.5", "Ubuntu", "unknown" (then severity is medium). */
  severitySource: string;
  summary: string;
  /** What happens: "torch 1.13.0 is affected (<1.13.1)", or for an unpinned one the affected versions it allows. */
  message: string;
  /** Human-readable affected ranges of the advisory. */
  affected: string;
  /** For an unpinned dependency: the affected versions its specifier allows (`>=1.10, <1.19.1`). */
  allowedAffected?: string;
  /** Fixed versions named by the advisory, PEP 440 order. */
  fixed: string[];
  /** Smallest version that leaves every matched range, when one is known. */
  upgradeTo?: string;
  source: DependencySource;
  references: string[];
  /** OSV record files (or API URLs) the finding comes from. */
  records: string[];
}

export interface AdviceMatch {
  /** Advice id, e.g. torch-load-weights-only-bypass. */
  id: string;
  package: string;
  version?: string;
  specifier: string;
  pinned: boolean;
  severity: Severity;
  title: string;
  why: string;
  /** Affected versions as a specifier (`<2.6.0`). */
  affected: string;
  message: string;
  /** First fixed release; absent when no release fixes it. */
  fixed?: string;
  cves: string[];
  references: string[];
  source: DependencySource;
}

export type AuditIssueCode =
  | "parse-error"
  | "read-error"
  | "no-dependency-files"
  | "invalid-specifier"
  | "invalid-version"
  | "unparsed-line"
  | "unsupported-option"
  | "include-missing"
  | "include-cycle"
  | "no-version"
  | "limit-exceeded"
  | "db-record-invalid"
  | "db-limit-exceeded"
  | "db-read-error";

export interface AuditIssue {
  file: string;
  line?: number;
  code: AuditIssueCode;
  message: string;
  /** True when this issue makes the audit incomplete (something could not be checked). */
  fatal: boolean;
}

export interface AuditDatabaseInfo {
  kind: "offline" | "online";
  path?: string;
  updatedAt?: string;
  /** Whole days between updatedAt and the audit. */
  ageDays?: number;
  /** Where updatedAt comes from: the import's metadata.json, or the newest record in a plain directory. */
  ageFrom?: "metadata" | "records";
  records: number;
  source?: string;
  sha256?: string;
  /** True when older than 7 days. */
  stale: boolean;
}

export interface AuditSummary {
  files: number;
  dependencies: number;
  /** Distinct packages with at least one vulnerability. */
  vulnerable: number;
  vulnerabilities: number;
  advice: number;
  /** Vulnerabilities and advice items by severity. */
  bySeverity: Record<Severity, number>;
  maxSeverity?: Severity;
  failOn: Severity;
  /** A vulnerability or advice item reaches failOn. */
  failed: boolean;
  /** Something could not be checked (an unreadable file, a broken record for an audited package…). */
  incomplete: boolean;
}

export interface AuditReport {
  schemaVersion: string;
  tool: { name: string; version: string };
  createdAt: string;
  database: AuditDatabaseInfo;
  files: DependencyFile[];
  vulnerabilities: VulnerabilityMatch[];
  advice: AdviceMatch[];
  issues: AuditIssue[];
  summary: AuditSummary;
}
