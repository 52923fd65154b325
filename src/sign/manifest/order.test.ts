import { describe, expect, it } from "vitest";
import { compareCodePoints, compareKeys, comparePaths } from "./order.js";

describe("canonical resource order", () => {
  it("sorts paths exactly as Python sorts pathlib.PurePosixPath (component lists, code points)", () => {
    const names = ["a-b", "a/b", "a.b", "ab", "a/b/c", "a", "B", "b", "a b", "é", "\uffff", "\u{1F600}", "z/\u{1F600}", "z/\uff01", "a/-", "a/.x", "_", "~"];
    // Computed with Python 3.11: json.dumps([str(p) for p in sorted(pathlib.PurePosixPath(n) for n in names)])
    const python = ["B", "_", "a", "a/-", "a/.x", "a/b", "a/b/c", "a b", "a-b", "a.b", "ab", "b", "z/\uff01", "z/\u{1F600}", "~", "é", "\uffff", "\u{1F600}"];
    expect([...names].sort(comparePaths)).toEqual(python);
    // Plain string order differs: that is the trap.
    expect([...names].sort()).not.toEqual(python);
  });

  it("compares astral characters above the BMP, unlike UTF-16 comparison", () => {
    expect(compareCodePoints("\u{1F600}", "\uffff")).toBeGreaterThan(0);
    expect("\u{1F600}" < "\uffff").toBe(true);
    expect(compareCodePoints("abc", "abd")).toBeLessThan(0);
    expect(compareCodePoints("ab", "abc")).toBeLessThan(0);
    expect(compareCodePoints("x", "x")).toBe(0);
  });

  it("orders shards of one file by offset as numbers, not as text", () => {
    const keys = [
      { path: "f", start: 16, end: 23 },
      { path: "d/f", start: 0, end: 8 },
      { path: "f", start: 8, end: 16 },
      { path: "f", start: 0, end: 8 },
    ];
    expect(keys.sort(compareKeys).map((k) => `${k.path}:${k.start}`)).toEqual(["d/f:0", "f:0", "f:8", "f:16"]);
  });
});
