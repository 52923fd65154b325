import { describe, expect, it } from "vitest";
import { BUILTIN_PROFILES } from "./profiles.js";
import { belowFloor, gateRelaxations } from "./relax.js";

describe("relaxations and the organisation floor", () => {
  it("the default and strict profiles relax nothing; permissive relaxes the scan gate", () => {
    expect(gateRelaxations(BUILTIN_PROFILES.default)).toEqual([]);
    expect(gateRelaxations(BUILTIN_PROFILES.strict)).toEqual([]);
    expect(gateRelaxations(BUILTIN_PROFILES.permissive).map((r) => r.setting)).toEqual(["scan.max_severity", "scan.incomplete"]);
  });

  it("a policy only tightening the floor is not below it; a weaker one is, setting by setting", () => {
    expect(belowFloor(BUILTIN_PROFILES.default, BUILTIN_PROFILES.default)).toEqual([]);
    expect(belowFloor(BUILTIN_PROFILES.default, BUILTIN_PROFILES.strict)).toEqual([]);
    const below = belowFloor(BUILTIN_PROFILES.strict, BUILTIN_PROFILES.default);
    expect(below).toEqual(expect.arrayContaining([expect.stringContaining("scan.max_severity"), expect.stringContaining("formats.deny leaves out pickle-based"), expect.stringContaining("signature.required")]));
    const floor = { ...BUILTIN_PROFILES.default, rules: [{ id: "org.no-py", expression: "true" }] };
    expect(belowFloor(floor, BUILTIN_PROFILES.default)).toEqual(["the organisation's rule org.no-py is left out"]);
    expect(belowFloor(BUILTIN_PROFILES.default, { ...BUILTIN_PROFILES.default, suppressions: [{ rule: "pickle/dangerous-global", reason: "mine" }] })).toEqual([
      "suppressions[0] (pickle/dangerous-global) is not one of the organisation's suppressions",
    ]);
  });
});
