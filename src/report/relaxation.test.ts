import { describe, expect, it } from "vitest";
import type { Log } from "sarif";
import { sampleReport } from "../../test/helpers/report.js";
import type { Report } from "../core/report.js";
import { getRule } from "../rules/catalog.js";
import { formatHtml } from "./html.js";
import { formatJson } from "./json.js";
import { formatSarif } from "./sarif.js";
import { formatText } from "./text.js";

/** A scan whose gate `defaults.fail_on: critical` relaxed, with the policy's reason. */
function relaxedReport(): Report {
  const r = sampleReport();
  r.summary.failOn = "critical";
  r.relaxations = [{ setting: "defaults.fail_on", value: "critical", effect: "high findings pass (only critical ones fail)", reason: "research sandbox <SEC-88>" }];
  return r;
}

describe("a relaxed gate is shown in every report format", () => {
  it("text: under the gate line, with the setting and the reason", () => {
    const text = formatText(relaxedReport(), { color: false, verbose: false });
    expect(text).toContain("! the gate is relaxed by defaults.fail_on critical: high findings pass (only critical ones fail); reason: research sandbox <SEC-88>");
    expect(formatText(sampleReport(), { color: false, verbose: false })).not.toContain("relaxed");
  });

  it("JSON: relaxations[] beside the summary", () => {
    expect(JSON.parse(formatJson(relaxedReport())).relaxations[0]).toMatchObject({ setting: "defaults.fail_on", reason: "research sandbox <SEC-88>" });
  });

  it("SARIF: a tool configuration notification per relaxation", () => {
    const log = JSON.parse(formatSarif(relaxedReport(), { rules: getRule, baseDir: process.cwd() })) as Log;
    const n = log.runs[0]!.invocations![0]!.toolConfigurationNotifications!;
    expect(n.map((x) => x.descriptor?.id)).toEqual(["gate.relaxation"]);
    expect(n[0]!.message.text).toContain("research sandbox <SEC-88>");
  });

  it("HTML: under the verdict, escaped", () => {
    const html = formatHtml(relaxedReport());
    expect(html).toContain('data-testid="relaxation"');
    expect(html).toContain("research sandbox &lt;SEC-88&gt;");
  });
});
