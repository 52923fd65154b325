import type { Finding } from "../../src/core/finding.js";
import type { FileReport, Report } from "../../src/core/report.js";
import { createFinding } from "../../src/scan/scan.js";
import { buildReport } from "../../src/scan/summary.js";
import { resolveScanOptions } from "../../src/config/scan-options.js";

/** A small report with findings of several severities, for the writers' tests. */
export function sampleReport(): Report {
  const top: FileReport = { path: "models/model.zip", format: "zip", size: 2048, sha256: "a".repeat(64), findings: [] };
  const member: FileReport = {
    path: "models/model.zip!/archive/data.pkl",
    format: "pickle",
    size: 100,
    sha256: null,
    container: "models/model.zip",
    findings: [],
  };
  const f1: Finding = createFinding("scanner/unparseable", member.path, "archive/data.pkl", { message: "truncated stream", offset: 42 });
  const f2: Finding = createFinding("scanner/symlink", top.path, undefined, { message: "dangling link", evidence: { target: "x" } });
  const f3: Finding = createFinding("scanner/data-file", top.path, undefined, { message: "data, not a model format" });
  member.findings.push(f1);
  top.findings.push(f2, f3);
  return buildReport({ targets: ["models"], files: [top, member], options: resolveScanOptions({}), bytesRead: 10, durationMs: 5 });
}
