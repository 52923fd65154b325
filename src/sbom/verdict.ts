import type { Report } from "../core/report.js";
import { meetsGate } from "../core/severity.js";
import { UNVERIFIED_RULE_IDS } from "../rules/catalog/scanner.js";
import type { SbomScanVerdict } from "./types.js";


/**
 * The verdict an SBOM records: fail when a finding other than "could not be verified" reaches the
 * report's gate, incomplete when only such findings do (or any exists: part of the model was not
 * checked), pass otherwise.
 */
export function scanVerdict(report: Report): SbomScanVerdict {
  const findings = report.files.flatMap((f) => f.findings);
  const gate = report.summary.failOn;
  const failing = findings.filter((f) => meetsGate(f.severity, gate));
  let verdict: SbomScanVerdict["verdict"] = "pass";
  if (failing.some((f) => !UNVERIFIED_RULE_IDS.has(f.ruleId))) verdict = "fail";
  else if (findings.some((f) => UNVERIFIED_RULE_IDS.has(f.ruleId))) verdict = "incomplete";
  return {
    verdict,
    maxSeverity: report.summary.highestSeverity ?? "none",
    findings: report.summary.findings,
    failOn: gate,
    toolVersion: report.tool.version,
  };
}
