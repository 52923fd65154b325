import { describe, expect, it } from "vitest";
import { sampleReport } from "../../test/helpers/report.js";
import { validateReport } from "../../test/helpers/schema.js";
import type { Report } from "../core/report.js";
import { formatJson } from "./json.js";

describe("JSON report", () => {
  it("matches the published JSON Schema", () => {
    const parsed: unknown = JSON.parse(formatJson(sampleReport()));
    expect(validateReport(parsed)).toEqual([]);
  });

  it("the schema rejects a report missing a required finding field", () => {
    const parsed = JSON.parse(formatJson(sampleReport())) as { files: { findings: Record<string, unknown>[] }[] };
    delete parsed.files[1]!.findings[0]!.remediation;
    expect(validateReport(parsed).join("\n")).toMatch(/remediation/);
  });

  it("carries the contract fields DESIGN.md names", () => {
    const r = JSON.parse(formatJson(sampleReport())) as Report;
    expect(r.schemaVersion).toMatch(/^1\./);
    expect(r.tool).toEqual({ name: "modelgate", version: expect.any(String) });
    const f = r.files[1]!.findings[0];
    for (const k of ["ruleId", "severity", "title", "message", "location", "cwe", "atlas", "owasp", "remediation"]) expect(f).toHaveProperty(k);
    expect(r.summary.failed).toBe(true);
    expect(r.summary.bySeverity).toMatchObject({ high: 1, low: 1, info: 1 });
  });
});
