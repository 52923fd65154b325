import { describe, expect, it } from "vitest";
import { MalformedError } from "../../core/errors.js";
import { parsePyLiteral } from "./py-literal.js";

describe("parsePyLiteral", () => {
  it("parses the dicts numpy writes in .npy headers", () => {
    expect(parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }          \n")).toEqual({
      type: "dict",
      entries: [
        [{ type: "str", value: "descr" }, { type: "str", value: "<f4" }],
        [{ type: "str", value: "fortran_order" }, { type: "bool", value: false }],
        [{ type: "str", value: "shape" }, { type: "tuple", items: [{ type: "int", value: 3n }, { type: "int", value: 4n }] }],
      ],
    });
  });

  it("tells (x) from (x,) and () and reads nested field lists", () => {
    expect(parsePyLiteral("(5)")).toEqual({ type: "int", value: 5n });
    expect(parsePyLiteral("(5,)")).toEqual({ type: "tuple", items: [{ type: "int", value: 5n }] });
    expect(parsePyLiteral("()")).toEqual({ type: "tuple", items: [] });
    const fields = parsePyLiteral("[('a', '<i4'), (('title', 'b'), '|O'), ('c', '<f8', (2, 3))]");
    expect(fields.type === "list" && fields.items.length).toBe(3);
  });

  it("reads strings with escapes, bytes, numbers and None", () => {
    expect(parsePyLiteral(`"a\\"b\\n\\x41\\u00e9"`)).toEqual({ type: "str", value: 'a"b\nAé' });
    expect(parsePyLiteral("b'x'")).toEqual({ type: "bytes", value: "x" });
    expect(parsePyLiteral("-12")).toEqual({ type: "int", value: -12n });
    expect(parsePyLiteral("1.5e3")).toEqual({ type: "float", value: 1500 });
    expect(parsePyLiteral("None")).toEqual({ type: "none" });
  });

  it("refuses anything that is not a literal", () => {
    for (const text of ["__import__('os')", "{'a': 1", "[1 2]", "'unterminated", "{'a': 1} extra", "os.system", "", "(" .repeat(100) + ")".repeat(100)]) {
      expect(() => parsePyLiteral(text), text).toThrow(MalformedError);
    }
  });
});
