import { describe, expect, it } from "vitest";
import { commonVersions, type VersionInterval } from "./intersect.js";
import { allows, parseSpecifierSet, satisfies } from "./specifier.js";
import { compareVersions, normalizeVersion, parseVersion, versionsEqual } from "./version.js";

describe("PEP 440 versions", () => {
  it("normalises spellings", () => {
    expect(normalizeVersion("1.0RC1")).toBe("1.0rc1");
    expect(normalizeVersion("1.0c2")).toBe("1.0rc2");
    expect(normalizeVersion("v1.0-1")).toBe("1.0.post1");
    expect(normalizeVersion("1.0.0-Beta.1")).toBe("1.0.0b1");
    expect(normalizeVersion("1!2.0.post3.dev4+CPU_1")).toBe("1!2.0.post3.dev4+cpu.1");
    expect(parseVersion("not a version")).toBeUndefined();
  });

  it("orders dev < pre < final < post, pads releases and honours epochs", () => {
    const ordered = ["1.0.dev0", "1.0a0.dev0", "1.0a1", "1.0b1", "1.0rc1", "1.0", "1.0+local", "1.0.post0.dev0", "1.0.post0", "1.0.0.1", "1.1", "2.0", "1!0.1"];
    for (let i = 1; i < ordered.length; i++) expect(compareVersions(ordered[i - 1]!, ordered[i]!), `${ordered[i - 1]} < ${ordered[i]}`).toBe(-1);
    expect(versionsEqual("1.0", "1.0.0")).toBe(true);
    expect(versionsEqual("1.0RC1", "1.0rc1")).toBe(true);
  });
});

describe("PEP 440 specifiers (expected values from pypa/packaging 23.0, SpecifierSet.contains)", () => {
  // Generated once with /usr/bin/python3 and packaging 23.0; pre-releases count only when an inclusive clause names one.
  const table: [string, string, boolean][] = [
    ["1.0", "==1.0.0", true],
    ["1.0rc1", "==1.0RC1", true],
    ["1.0+cpu", "==1.0", true],
    ["1.0", "==1.0+cpu", false],
    ["1.0+cpu", "==1.0+cpu", true],
    ["2.0b1", "<2.0rc1", false],
    ["2.0rc1", "<2.0", false],
    ["2.0.dev1", "<2.0", false],
    ["1.9", "<2.0", true],
    ["1.0.post1", ">1.0", false],
    ["1.0.1", ">1.0", true],
    ["1.0.post2", ">1.0.post1", true],
    ["1.0+loc", ">1.0", false],
    ["1.0.post1", ">1.0rc1", false],
    ["1", "==1.0.*", true],
    ["1.0.5", "==1.0.*", true],
    ["1.1", "==1.0.*", false],
    ["1.0rc1", "==1.0.*", false],
    ["1.5", "!=1.*", false],
    ["2.0", "!=1.*", true],
    ["2.2", "~=2.2", true],
    ["2.9", "~=2.2", true],
    ["3.0", "~=2.2", false],
    ["2.2.5", "~=2.2.0", true],
    ["2.3", "~=2.2.0", false],
    ["2.2.post3", "~=2.2.post3", true],
    ["2.3", "~=2.2.post3", true],
    ["1!1.0", ">=2.0", true],
    ["1!1.0", "==1!1.*", true],
    ["2.0", "<1!0", true],
    ["1.0", "===1.0", true],
    ["1.0.0", "===1.0", false],
    ["2.0rc1", ">=1.0", false],
    ["2.0rc1", ">=2.0rc1", true],
    ["2.0rc1", ">=1.0,!=2.0rc2", false],
    ["2.0rc1", ">=1.0, <3.0a1", false],
    ["1.0+cpu", "<=1.0", true],
    ["1.0+cpu", ">=1.0", true],
    ["1.0+cpu", "<1.0.post0", true],
  ];
  it.each(table)("%s in %s → %s", (version, spec, expected) => {
    expect(satisfies(version, spec)).toBe(expected);
  });

  it("treats the exclusive comparisons exactly (the library's own satisfies() does not)", () => {
    // With pre-releases allowed, 2.0b1 < 2.0rc1 is in <2.0rc1 (packaging: Specifier.contains(..., prereleases=True)).
    expect(satisfies("2.0b1", "<2.0rc1", { prereleases: true })).toBe(true);
    expect(satisfies("1.0.post1", ">1.0rc1", { prereleases: true })).toBe(false);
  });

  it("rejects invalid specifiers", () => {
    for (const bad of ["~=1", ">=1.0.*", "<=1.0+local", "==1.0a1.*", "=>1.0", ">=", "1.0"]) expect(parseSpecifierSet(bad), bad).toBeUndefined();
    expect(parseSpecifierSet("")?.clauses).toEqual([]);
    expect(parseSpecifierSet("===foobar")?.clauses[0]?.raw).toBe("foobar");
  });

  it("excludes pre-releases for an empty specifier, as pip does", () => {
    const any = parseSpecifierSet("")!;
    expect(allows(any, parseVersion("2.0")!)).toBe(true);
    expect(allows(any, parseVersion("2.0rc1")!)).toBe(false);
  });
});

describe("commonVersions: does a specifier allow a version in the affected intervals?", () => {
  const b = (version: string, inclusive: boolean) => ({ version, inclusive });
  // Expected values: packaging 23.0 over a grid of ~1 900 versions (releases 0–3.3 with .0/.1/.0.1/.5 tails and
  // dev/a/b/rc/post suffixes; cases the grid missed checked on the versions they name); `true` = some version is in both.
  const table: [string, VersionInterval[], boolean][] = [
    [">=1.0", [{ lower: b("0", true), upper: b("1.1", false) }], true],
    [">=1.1", [{ lower: b("0", true), upper: b("1.1", false) }], false],
    [">1.0", [{ lower: b("0", true), upper: b("1.0.post1", false) }], false],
    [">1.0", [{ lower: b("0", true), upper: b("1.0.1", false) }], true],
    ["<2.0", [{ lower: b("2.0a1", true), upper: b("2.0", false) }], false],
    ["<2.0", [{ lower: b("1.9", true), upper: b("2.0", false) }], true],
    [">=1.0", [{ lower: b("2.0a1", true), upper: b("2.0rc1", false) }], false],
    [">=2.0a1", [{ lower: b("2.0a1", true), upper: b("2.0rc1", false) }], true],
    ["~=1.2", [{ lower: b("2.0", true) }], false],
    ["~=1.2", [{ lower: b("1.3", true), upper: b("1.3.1", false) }], true],
    ["~=1.2.0", [{ lower: b("1.3", true) }], false],
    ["==1.*", [{ lower: b("2.0.dev0", true) }], false],
    ["==1.*", [{ lower: b("1.9.9", true) }], true],
    ["!=1.*,>=1.0", [{ lower: b("1.0", true), upper: b("2.0", false) }], false],
    ["!=1.*,>=1.0", [{ lower: b("1.0", true), upper: b("2.0.post1", false) }], true],
    [">1.0rc1", [{ lower: b("1.0.post0", true), upper: b("1.0.post3", false) }], false],
    [">1.0rc1", [{ lower: b("1.0", true), upper: b("1.0.post3", false) }], true],
    ["", [{ lower: b("0", true), upper: b("0.1", false) }], true],
    ["", [{ lower: b("1!0", true) }], true],
    ["<1!0", [{ lower: b("1!0", true) }], false],
    [">=1.0,<1.0.post0", [{ lower: b("1.0", true), upper: b("1.0", true) }], true],
    [">=1.5,<=1.5", [{ lower: b("0", true), upper: b("1.5", true) }], true],
    [">=1.5,<=1.5", [{ lower: b("0", true), upper: b("1.5", false) }], false],
    ["==1.5.*", [{ lower: b("1.5.post2", true), upper: b("1.5.post2", true) }], true],
    [">=3.0", [{ lower: b("0", true), upper: b("3.0.dev0", false) }], false],
  ];
  it.each(table)("%s ∩ %j → %s", (spec, intervals, expected) => {
    expect(commonVersions(parseSpecifierSet(spec)!, intervals).length > 0).toBe(expected);
  });

  it("matches explicit version lists", () => {
    expect(commonVersions(parseSpecifierSet(">=1.0")!, [], ["0.9", "1.2"]).map((v) => v.text)).toEqual(["1.2"]);
    expect(commonVersions(parseSpecifierSet(">=1.3")!, [], ["0.9", "1.2"])).toEqual([]);
  });
});
