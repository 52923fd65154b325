import { describe, expect, it } from "vitest";
import { findSuppression, globToRegExp, isExpired, suppressionApplies } from "./suppressions.js";

describe("globs", () => {
  it.each([
    ["*.pkl", "a.pkl", true],
    ["*.pkl", "dir/a.pkl", false],
    ["**/*.pkl", "a.pkl", true],
    ["**/*.pkl", "x/y/a.pkl", true],
    ["legacy/**", "legacy/a/b.bin", true],
    ["model-?.bin", "model-1.bin", true],
    ["model-?.bin", "model-12.bin", false],
    ["*.{pt,pkl}", "w.pt", true],
    ["a+b(c).bin", "a+b(c).bin", true],
    ["a+b(c).bin", "aab(c).bin", false],
  ])("%s matches %s: %s", (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});

describe("suppressions", () => {
  const spec = { rule: "pickle/dangerous-global", path: "legacy/*.pkl", reason: "reviewed" };
  it("match on rule id or scan finding id, path (member paths by their file) and digest", () => {
    expect(suppressionApplies(spec, { ruleId: "scan.max-severity", finding: "pickle/dangerous-global", path: "legacy/a.pkl" })).toBe(true);
    expect(suppressionApplies(spec, { ruleId: "scan.max-severity", finding: "pickle/dangerous-global", path: "legacy/a.pkl!/data.pkl" })).toBe(true);
    expect(suppressionApplies(spec, { ruleId: "scan.max-severity", finding: "pickle/other", path: "legacy/a.pkl" })).toBe(false);
    expect(suppressionApplies(spec, { ruleId: "scan.max-severity", finding: "pickle/dangerous-global" })).toBe(false);
    const d = { rule: "size.max-file", digest: `sha256:${"AB".repeat(32)}`, reason: "known big file" };
    expect(suppressionApplies(d, { ruleId: "size.max-file", path: "x", sha256: "ab".repeat(32) })).toBe(true);
    expect(suppressionApplies(d, { ruleId: "size.max-file", path: "x", sha256: "cd".repeat(32) })).toBe(false);
  });

  it("expire after their day (UTC); an unexpired one wins over an expired one", () => {
    const now = new Date("2025-03-01T23:59:00Z");
    expect(isExpired({ ...spec, expires: "2025-03-01" }, now)).toBe(false);
    expect(isExpired({ ...spec, expires: "2025-02-28" }, now)).toBe(true);
    const target = { ruleId: "x", finding: "pickle/dangerous-global", path: "legacy/a.pkl" };
    const old = { ...spec, expires: "2024-01-01", reason: "old" };
    const current = { ...spec, reason: "current" };
    expect(findSuppression([old, current], target, now)).toEqual({ spec: current, expired: false });
    expect(findSuppression([old], target, now)).toEqual({ spec: old, expired: true });
    expect(findSuppression([], target, now)).toBeUndefined();
  });
});
