import { describe, expect, it } from "vitest";
import type { CheckReport } from "../../core/check-report.js";
import { evaluatePolicy } from "../../policy/evaluate.js";
import { cleanFacts, policyFromText } from "../../policy/testing/facts.js";
import { formatCheckHtml } from "./html.js";
import { formatCheckSarif } from "./sarif.js";
import { formatCheckText } from "./text.js";

async function report(): Promise<CheckReport> {
  const policy = await policyFromText(
    "version: 1\nscan: { max_severity: medium }\nsuppressions:\n  - { rule: pickle/dangerous-global, path: old.pkl, reason: 'reviewed <b>SEC-1</b>' }\n",
  );
  const facts = cleanFacts();
  facts.scan.findings.push(
    { ruleId: "pickle/dangerous-global", severity: "critical", path: "evil.pkl", message: "os.system <script>alert(1)</script>" },
    { ruleId: "pickle/dangerous-global", severity: "critical", path: "old.pkl", message: "os.system" },
  );
  const m = evaluatePolicy(policy, facts, {}, new Date("2025-01-01T00:00:00Z"));
  return {
    schemaVersion: "1.0.0",
    tool: { name: "modelgate", version: "0.0.0" },
    createdAt: "2025-01-01T00:00:00.000Z",
    policy: { source: "modelgate.yaml", digest: policy.digest },
    models: [m],
    summary: { models: 1, passed: 0, failed: 1, errors: 0, suppressed: 1 },
  };
}

describe("check report formats", () => {
  it("text: verdict, reasons, suppressed result with its reason, controls with --explain", async () => {
    const text = formatCheckText(await report(), { color: false, explain: true, frameworks: { "mitre-atlas": "MITRE ATLAS mitigations" } });
    expect(text).toContain("FAIL  models/clean");
    expect(text).toContain("✗ scan.max-severity  pickle/dangerous-global (critical) in evil.pkl");
    expect(text).toContain("~ scan.max-severity  pickle/dangerous-global (critical) in old.pkl: os.system (suppressed: reviewed <b>SEC-1</b>)");
    expect(text).toMatch(/MITRE ATLAS mitigations: \d+ passed, 2 failed/);
    expect(text).toContain("1 model: 0 passed, 1 failed (1 suppressed)");
  });

  it("sarif: failures as errors, suppressed ones with a SARIF suppression and the reason", async () => {
    const log = JSON.parse(formatCheckSarif(await report(), { ruleTitle: () => "No scan finding above the allowed severity", baseDir: process.cwd() })) as {
      runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; suppressions?: { justification: string }[]; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[] }[];
    };
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(["scan.max-severity"]);
    expect(run.results).toHaveLength(2);
    expect(run.results[0]).toMatchObject({ level: "error", locations: [{ physicalLocation: { artifactLocation: { uri: "models/clean/evil.pkl", uriBaseId: "%SRCROOT%" } } }] });
    expect(run.results[0]!.suppressions).toBeUndefined();
    expect(run.results[1]!.suppressions).toEqual([{ kind: "external", status: "accepted", justification: "reviewed <b>SEC-1</b>" }]);
  });

  it("html: self-contained, no script, content escaped", async () => {
    const html = formatCheckHtml(await report());
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("suppressed: reviewed &lt;b&gt;SEC-1&lt;/b&gt;");
  });
});
