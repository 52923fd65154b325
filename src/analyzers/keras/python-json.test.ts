import { describe, expect, it } from "vitest";
import { LimitError, MalformedError } from "../../core/errors.js";
import { parsePythonJson } from "./python-json.js";

describe("parsePythonJson", () => {
  it("reads standard JSON like JSON.parse", () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9\\"", {}], "b": {"c": []}}';
    expect(parsePythonJson(text)).toEqual(JSON.parse(text));
  });

  it("accepts NaN, Infinity and -Infinity as Python's json writes them", () => {
    expect(parsePythonJson('{"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN]}')).toEqual({ a: NaN, b: Infinity, c: -Infinity, d: [NaN] });
  });

  it("keeps __proto__ as an own key without touching the prototype", () => {
    const v = parsePythonJson('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__", "x"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([["{"], ['{"a" 1}'], ["[1,]"], ["tru"], ['"abc'], ["{} x"], ["01"], ["-"], ['"\\x"'], ["nan"], ['"a\u0001"']])(
    "rejects %j with MalformedError",
    (text) => {
      expect(() => parsePythonJson(text)).toThrow(MalformedError);
    },
  );

  it("bounds nesting with a LimitError", () => {
    const deep = "[".repeat(100) + "]".repeat(100);
    expect(() => parsePythonJson(deep, { maxDepth: 50 })).toThrow(LimitError);
    expect(parsePythonJson(deep, { maxDepth: 100 })).toBeDefined();
  });
});
