import { describe, expect, it } from "vitest";
import type { Log } from "sarif";
import { sampleReport } from "../../test/helpers/report.js";
import { getRule } from "../rules/catalog.js";
import { formatSarif } from "./sarif.js";

describe("SARIF report", () => {
  const log = JSON.parse(formatSarif(sampleReport(), { rules: getRule, baseDir: process.cwd() })) as Log;
  const run = log.runs[0]!;

  it("is SARIF 2.1.0 with one run and the tool's rules", () => {
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver.name).toBe("modelgate");
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(["scanner/data-file", "scanner/symlink", "scanner/unparseable"]);
  });

  it("gives GitHub code scanning what it needs: rule index, level, location with a line, security-severity", () => {
    for (const result of run.results!) {
      const rule = run.tool.driver.rules![result.ruleIndex!]!;
      expect(rule.id).toBe(result.ruleId);
      expect(["error", "warning", "note"]).toContain(result.level);
      const loc = result.locations![0]!.physicalLocation!;
      expect(loc.artifactLocation!.uri).toBe("models/model.zip");
      expect(loc.region!.startLine).toBe(1);
      expect(Object.keys(result.partialFingerprints!)).toHaveLength(1);
    }
    const unparseable = run.tool.driver.rules!.find((r) => r.id === "scanner/unparseable")!;
    expect(unparseable.properties!["security-severity"]).toBe("8.0");
    expect(unparseable.properties!.tags).toContain("external/cwe/cwe-502");
  });

  it("names the container member and keeps the byte offset", () => {
    const r = run.results!.find((x) => x.ruleId === "scanner/unparseable")!;
    expect(r.message.text).toContain("[in archive/data.pkl]");
    expect(r.properties).toMatchObject({ offset: 42, severity: "high" });
    expect(r.level).toBe("error");
  });
});
