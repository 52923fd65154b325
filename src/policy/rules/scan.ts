import { severityRank, type Severity } from "../../core/severity.js";
import { UNVERIFIED_RULE_IDS } from "../../rules/catalog/scanner.js";
import type { SeverityOrNone } from "../types.js";
import { plural, type BuiltinRule, type RuleOutcome } from "./rule.js";


/** True when `s` is above the highest severity allowed ("none": every severity is above). */
export function aboveMax(s: Severity, max: SeverityOrNone): boolean {
  return max === "none" || severityRank(s) > severityRank(max);
}

export const scanMaxSeverity: BuiltinRule = {
  id: "scan.max-severity",
  title: "No scan finding above the allowed severity",
  applies: (doc) => doc.scan?.max_severity !== undefined,
  needs: ["scan"],
  evaluate({ facts, policy, notes }) {
    if (notes.scanError) return [{ status: "error", message: `the scan could not run: ${notes.scanError}` }];
    const max = policy.document.scan!.max_severity!;
    const over = facts.scan.findings.filter((f) => aboveMax(f.severity, max));
    if (over.length === 0) {
      const limit = max === "none" ? "no finding allowed" : `findings up to ${max} allowed`;
      return [{ status: "pass", message: `${plural(facts.scan.findings.length, "finding")}, none above the limit (${limit})` }];
    }
    return over.map(
      (f): RuleOutcome => ({
        status: "fail",
        severity: f.severity,
        path: f.path,
        finding: f.ruleId,
        message: `${f.ruleId} (${f.severity}) in ${f.path}: ${f.message}`,
      }),
    );
  },
};

export const scanIncomplete: BuiltinRule = {
  id: "scan.incomplete",
  title: "Every file fully verified",
  applies: (doc) => doc.scan?.incomplete === "fail",
  needs: ["scan"],
  evaluate({ facts, notes }) {
    if (notes.scanError) return [{ status: "error", message: `the scan could not run: ${notes.scanError}` }];
    const open = facts.scan.findings.filter((f) => UNVERIFIED_RULE_IDS.has(f.ruleId));
    if (open.length === 0) return [{ status: "pass", message: `all ${plural(facts.scan.files.length, "file")} fully verified` }];
    return open.map((f) => ({
      status: "fail" as const,
      severity: f.severity,
      path: f.path,
      finding: f.ruleId,
      message: `${f.path} could not be fully verified (${f.ruleId}): ${f.message}`,
    }));
  },
};
