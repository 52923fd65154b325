import type { Severity } from "../core/severity.js";

/** A built-in profile name. */
export type ProfileName = "strict" | "default" | "permissive";

export type SeverityOrNone = Severity | "none";

/** A size in bytes, or text such as "512MiB" (parsed by parseSize). */
export type SizeValue = number | string;

export interface PolicyDefaults {
  format?: "text" | "json" | "sarif" | "html";
  fail_on?: Severity;
  db?: string;
  limits?: Record<string, SizeValue>;
}

export interface ScanSection {
  max_severity?: SeverityOrNone;
  incomplete?: "fail" | "allow";
}

export interface FormatsSection {
  allow?: string[];
  deny?: string[];
}

export interface SignatureSection {
  required?: boolean;
  methods?: ("key" | "certificate" | "sigstore")[];
  keys?: string[];
  certificate_roots?: string[];
  identities?: { identity: string; issuer: string }[];
  trust_root?: string;
  allow_legacy?: boolean;
}

export interface ProvenanceSection {
  required?: boolean;
  keys?: string[];
  allowed_sources?: string[];
  require_revision?: boolean;
}

export interface DependenciesSection {
  max_severity?: SeverityOrNone;
  ignore_unfixed?: boolean;
  max_database_age_days?: number;
  require_database?: boolean;
}

export interface LicensesSection {
  allow?: string[];
  deny?: string[];
  unknown?: "fail" | "allow";
}

export type SbomField =
  | "name"
  | "license"
  | "datasets"
  | "base_model"
  | "revision"
  | "model_card"
  | "pipeline_tag"
  | "architecture"
  | "languages"
  | "metrics"
  | "dependencies";

export interface SbomSection {
  required_fields?: SbomField[];
  require_file?: boolean;
}

export interface SizeSection {
  max_file_size?: SizeValue;
  max_total_size?: SizeValue;
}

export interface CustomRuleSpec {
  id: string;
  description?: string;
  expression: string;
  severity?: Severity;
  message?: string;
  controls?: string[];
}

export interface SuppressionSpec {
  rule: string;
  path?: string;
  digest?: string;
  reason: string;
  /** YYYY-MM-DD: applies through that day (UTC). */
  expires?: string;
}

/** Settings that can let a high or critical scan finding (or unverified content) pass. */
export const RELAXABLE_SETTINGS = ["scan.max_severity", "scan.incomplete", "defaults.fail_on"] as const;
export type RelaxableSetting = (typeof RELAXABLE_SETTINGS)[number];

/** `allow:` — a relaxation of the gate said in words. */
export interface AllowSpec {
  relax: RelaxableSetting;
  reason: string;
}

/** The policy file as written (schemas/policy.schema.json). Keys are the YAML keys. */
export interface PolicyDocument {
  version: 1;
  extends?: ProfileName;
  defaults?: PolicyDefaults;
  scan?: ScanSection;
  formats?: FormatsSection;
  signature?: SignatureSection;
  provenance?: ProvenanceSection;
  dependencies?: DependenciesSection;
  licenses?: LicensesSection;
  sbom?: SbomSection;
  size?: SizeSection;
  rules?: CustomRuleSpec[];
  suppressions?: SuppressionSpec[];
  allow?: AllowSpec[];
}

/** The policy sections that configure built-in rules. */
export const POLICY_SECTIONS = ["scan", "formats", "signature", "provenance", "dependencies", "licenses", "sbom", "size"] as const;
export type PolicySection = (typeof POLICY_SECTIONS)[number];
