import { describe, expect, it } from "vitest";
import { convertPoetryConstraint, PoetryConstraintError } from "./poetry-constraint.js";

describe("convertPoetryConstraint", () => {
  it.each([
    // Caret, per Poetry's documentation table.
    ["^1.2.3", ">=1.2.3,<2.0.0"],
    ["^1.2", ">=1.2,<2.0.0"],
    ["^1", ">=1,<2.0.0"],
    ["^0.2.3", ">=0.2.3,<0.3.0"],
    ["^0.0.3", ">=0.0.3,<0.0.4"],
    ["^0.0", ">=0.0,<0.1.0"],
    ["^0", ">=0,<1.0.0"],
    ["^1.2.3b1", ">=1.2.3b1,<2.0.0"],
    // Tilde.
    ["~1.2.3", ">=1.2.3,<1.3.0"],
    ["~1.2", ">=1.2,<1.3.0"],
    ["~1", ">=1,<2.0.0"],
    // Wildcards, exact and plain PEP 440.
    ["*", ""],
    ["", ""],
    ["1.2.*", "==1.2.*"],
    ["!=1.2.*", "!=1.2.*"],
    ["1.2.3", "==1.2.3"],
    ["=1.2.3", "==1.2.3"],
    ["==1.2.3", "==1.2.3"],
    ["~=1.4", "~=1.4"],
    [">=1.2, <1.5", ">=1.2,<1.5"],
    [">= 1.2 < 1.5", ">=1.2,<1.5"],
    ["v1.0", "==1.0"],
  ])("%j → %j", (poetry, pep440) => {
    const [only, ...rest] = convertPoetryConstraint(poetry);
    expect(rest).toEqual([]);
    expect(only?.specifier).toBe(pep440);
  });

  it("pins a version only for an exact constraint", () => {
    expect(convertPoetryConstraint("1.2.3")[0]?.version).toBe("1.2.3");
    expect(convertPoetryConstraint("^1.2.3")[0]?.version).toBeUndefined();
    expect(convertPoetryConstraint("1.2.*")[0]?.version).toBeUndefined();
  });

  it("splits || alternatives", () => {
    expect(convertPoetryConstraint("^1.2 || ^2.0").map((c) => c.specifier)).toEqual([">=1.2,<2.0.0", ">=2.0,<3.0.0"]);
  });

  it.each(["^abc", ">=1.*", "~=1", "^", "1.2.3 foo"])("rejects %j", (text) => {
    expect(() => convertPoetryConstraint(text)).toThrow(PoetryConstraintError);
  });
});
