import type { Severity } from "../core/severity.js";

/** One entry of the rule catalog. Reviewed data: every finding comes from exactly one rule. */
export interface RuleDefinition {
  /** Stable id, `area/name`, e.g. `pickle/dangerous-global`. */
  id: string;
  title: string;
  severity: Severity;
  /** What the rule detects and why it matters (one or two sentences). */
  description: string;
  /** CWE ids, e.g. "CWE-502". */
  cwe: string[];
  /** MITRE ATLAS technique ids, e.g. "AML.T0010". */
  atlas: string[];
  /** OWASP ML/LLM Top 10 ids, e.g. "ML06:2023". */
  owasp: string[];
  /** What the user should do about it. */
  remediation: string;
}
