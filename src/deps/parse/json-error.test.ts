import { describe, expect, it } from "vitest";
import { findJsonSyntaxError } from "./json-error.js";

describe("findJsonSyntaxError", () => {
  it.each([
    ['{"a": [1,,]}', 9, /expected a value/],
    ['{"a": 1,}', 8, /double-quoted key/],
    ['{"a" 1}', 5, /expected ":"/],
    ["[1 2]", 3, /expected "," or "]"/],
    ['{"a": "x\ny"}', 8, /control character/],
    ['{"a": "\\q"}', 7, /bad escape/],
    ['{"a": tru}', 6, /expected a value/],
    ["[[[[", 4, /expected a value/],
    ["[] x", 3, /after the end/],
    ['"open', 0, /unterminated string/],
    ["", 0, /expected a value/],
  ])("%j fails at offset %i", (text, offset, message) => {
    expect(() => JSON.parse(text)).toThrow();
    const p = findJsonSyntaxError(text);
    expect(p.offset).toBe(offset);
    expect(p.message).toMatch(message);
  });

  it("accepts what JSON.parse accepts, including empty containers and deep nesting", () => {
    for (const text of ["[]", "{}", '{"a": [ ], "b": { }, "c": [1, {"d": null}]}', "[".repeat(100_000) + "]".repeat(100_000)]) {
      expect(findJsonSyntaxError(text).message).toBe("invalid JSON");
    }
  });
});
