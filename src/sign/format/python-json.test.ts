import { describe, expect, it } from "vitest";
import { PyFloat, pythonFloatRepr, pythonJsonDumps, pythonJsonString } from "./python-json.js";

describe("Python json.dumps compatible writer", () => {
  it("writes floats as Python's repr does", () => {
    // Expected values are Python 3's repr(float(x)).
    expect(pythonFloatRepr(8)).toBe("8.0");
    expect(pythonFloatRepr(1_000_000_000)).toBe("1000000000.0");
    expect(pythonFloatRepr(1e16)).toBe("1e+16");
    expect(pythonFloatRepr(123456789012345680)).toBe("1.2345678901234568e+17");
    expect(pythonFloatRepr(0.5)).toBe("0.5");
    expect(pythonFloatRepr(0.0001)).toBe("0.0001");
    expect(pythonFloatRepr(0.00001)).toBe("1e-05");
    expect(pythonFloatRepr(-2.5e-7)).toBe("-2.5e-07");
    expect(pythonFloatRepr(0)).toBe("0.0");
    expect(pythonFloatRepr(1.5e300)).toBe("1.5e+300");
  });

  it("escapes strings as ensure_ascii=True does", () => {
    expect(pythonJsonString('a"b\\c\n\t\u0001')).toBe('"a\\"b\\\\c\\n\\t\\u0001"');
    expect(pythonJsonString("café")).toBe('"caf\\u00e9"');
    expect(pythonJsonString("😀")).toBe('"\\ud83d\\ude00"');
    expect(pythonJsonString("\u007f/")).toBe('"\\u007f/"');
  });

  it("indents with two spaces, ': ' and ',' separators, empty containers inline", () => {
    const text = pythonJsonDumps({ a: [1, { b: new PyFloat(8) }], c: [], d: {}, e: null, f: true });
    expect(text).toBe('{\n  "a": [\n    1,\n    {\n      "b": 8.0\n    }\n  ],\n  "c": [],\n  "d": {},\n  "e": null,\n  "f": true\n}');
  });

  it("refuses a non-integer plain number (floats must be marked)", () => {
    expect(() => pythonJsonDumps({ x: 1.5 })).toThrow(/PyFloat/);
  });
});
