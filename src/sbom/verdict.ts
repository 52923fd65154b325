import type { Report } from "../core/report.js";
import { meetsGate } from "../core/severity.js";
import type { SbomScanVerdict } from "./types.js";

/**
 * Findings that mean "could not be verified" rather than "found something dangerous": a limit hit, a
 * file that could not be parsed or read, an analyzer that failed, content that is encrypted, a format
 * recognised but not analysed.
 */
export const UNVERIFIED_RULES: ReadonlySet<string> = new Set([
  "scanner/limit-exceeded",
  "scanner/unparseable",
  "scanner/analyzer-error",
  "scanner/unreadable",
  "scanner/encrypted-content",
  "scanner/unsupported-format",
]);

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
  if (failing.some((f) => !UNVERIFIED_RULES.has(f.ruleId))) verdict = "fail";
  else if (findings.some((f) => UNVERIFIED_RULES.has(f.ruleId))) verdict = "incomplete";
  return {
    verdict,
    maxSeverity: report.summary.highestSeverity ?? "none",
    findings: report.summary.findings,
    failOn: gate,
    toolVersion: report.tool.version,
  };
}
