import type { Severity } from "./severity.js";

/**
 * The report of `modelgate check` (documented by schemas/check-report.schema.json). Pure data: the facts
 * each verdict rests on travel with it. The facts' shape is the Facts interface of src/policy/facts.ts.
 */
export const CHECK_REPORT_SCHEMA_VERSION = "1.0.0";

export type CheckStatus = "pass" | "fail" | "error" | "suppressed" | "skipped";

export interface CheckSuppression {
  /** The suppression's `rule` as written. */
  rule: string;
  reason: string;
  expires?: string;
  /** True when the suppression matched but had expired: the result stays failed. */
  expired?: boolean;
  path?: string;
  digest?: string;
}

export interface CheckResult {
  /** Built-in rule id (scan.max-severity) or a custom rule's id. */
  ruleId: string;
  status: CheckStatus;
  message: string;
  severity?: Severity;
  /** Framework control ids the rule implements. */
  controls: string[];
  /** The file inside the model the result is about (members as "archive.zip!/member"). */
  path?: string;
  /** The scan finding's rule id, for scan.* results. */
  finding?: string;
  suppression?: CheckSuppression;
}

export interface ControlOutcome {
  id: string;
  framework: string;
  title?: string;
  /** fail: a rule implementing it failed or could not be evaluated; skipped: every such rule was skipped. */
  status: "pass" | "fail" | "skipped";
  /** Rules that implement it here, with their outcome. */
  rules: { ruleId: string; status: CheckStatus }[];
}

export interface CheckModelReport {
  path: string;
  verdict: "pass" | "fail";
  /** One line per failing rule (empty when the model passes). */
  reasons: string[];
  results: CheckResult[];
  controls: ControlOutcome[];
  /** The facts document the rules were evaluated over. */
  facts: Record<string, unknown>;
}

/** A setting of the policy that opens the gate, with the reason the policy gives. */
export interface CheckRelaxation {
  setting: string;
  value: string;
  effect: string;
  reason: string;
}

export interface CheckReport {
  schemaVersion: string;
  tool: { name: string; version: string };
  createdAt: string;
  /** relaxations: where the policy lets a high or critical finding (or unverified content) pass, and why. */
  policy: { source: string; profile?: string; digest: string; relaxations?: CheckRelaxation[] };
  models: CheckModelReport[];
  summary: { models: number; passed: number; failed: number; errors: number; suppressed: number };
}
