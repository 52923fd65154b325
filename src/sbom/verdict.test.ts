import { describe, expect, it } from "vitest";
import type { Finding } from "../core/finding.js";
import type { Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import { scanVerdict } from "./verdict.js";

function report(findings: Array<[string, Severity]>, failOn: Severity = "high"): Report {
  const list: Finding[] = findings.map(([ruleId, severity]) => ({ ruleId, severity, title: "", message: "", location: { path: "m/x" }, cwe: [], atlas: [], owasp: [], remediation: "" }));
  const order: Severity[] = ["critical", "high", "medium", "low", "info"];
  const highest = order.find((s) => list.some((f) => f.severity === s)) ?? null;
  return {
    schemaVersion: "1.0.0",
    tool: { name: "modelgate", version: "9.9.9" },
    createdAt: "",
    targets: ["m"],
    limits: {} as Report["limits"],
    summary: {
      files: 1,
      findings: list.length,
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
      highestSeverity: highest,
      failOn,
      failed: false,
      bytesRead: 0,
      durationMs: 0,
    },
    files: [{ path: "m/x", format: "pickle", size: 1, sha256: null, findings: list }],
    folders: [],
  };
}

describe("scanVerdict", () => {
  it("passes without findings at the gate", () => {
    expect(scanVerdict(report([]))).toEqual({ verdict: "pass", maxSeverity: "none", findings: 0, failOn: "high", toolVersion: "9.9.9" });
    expect(scanVerdict(report([["hf/something", "medium"]])).verdict).toBe("pass");
  });

  it("fails when a finding other than 'could not be verified' reaches the gate", () => {
    expect(scanVerdict(report([["pickle/dangerous-global", "critical"], ["scanner/unparseable", "high"]]))).toMatchObject({ verdict: "fail", maxSeverity: "critical", findings: 2 });
    expect(scanVerdict(report([["hf/something", "medium"]], "medium")).verdict).toBe("fail");
  });

  it("is incomplete when only unverifiable content is found", () => {
    expect(scanVerdict(report([["scanner/unparseable", "high"]])).verdict).toBe("incomplete");
    expect(scanVerdict(report([["scanner/limit-exceeded", "high"], ["hf/something", "low"]])).verdict).toBe("incomplete");
    expect(scanVerdict(report([["scanner/unsupported-format", "high"]])).verdict).toBe("incomplete");
  });
});
