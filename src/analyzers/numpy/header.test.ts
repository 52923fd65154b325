import { describe, expect, it } from "vitest";
import { MalformedError } from "../../core/errors.js";
import { parseNpyHeader } from "./header.js";
import { npy } from "./testing/npy.js";

const parse = (b: Buffer) => parseNpyHeader(b, b.length);

describe("parseNpyHeader", () => {
  it("reads versions 1.0, 2.0 and 3.0", () => {
    for (const v of [1, 2, 3] as const) {
      const h = parse(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", v, Buffer.alloc(48)));
      expect(h).toMatchObject({ version: `${v}.0`, fortranOrder: false, shape: [2n, 3n], hasObject: false, dtype: "<f8" });
      expect(h.dataOffset % 64).toBe(0);
    }
  });

  it("finds object fields anywhere in the dtype", () => {
    expect(parse(npy("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }")).hasObject).toBe(true);
    expect(parse(npy("{'descr': [('id', '<i4'), ('obj', '|O')], 'fortran_order': False, 'shape': (2,), }")).hasObject).toBe(true);
    expect(parse(npy("{'descr': [('n', [('deep', '|O')])], 'fortran_order': False, 'shape': (), }")).hasObject).toBe(true);
    expect(parse(npy("{'descr': ('|O', (2,)), 'fortran_order': False, 'shape': (1,), }")).hasObject).toBe(true);
    expect(parse(npy("{'descr': [('a', '<f8', (2,)), (('t', 'b'), '|S4')], 'fortran_order': True, 'shape': (2,), }")).hasObject).toBe(false);
    expect(parse(npy("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }")).hasObject).toBe(false);
    // Strings numpy.dtype() also accepts: type names and comma-separated field lists.
    expect(parse(npy("{'descr': 'object', 'fortran_order': False, 'shape': (2,), }")).hasObject).toBe(true);
    expect(parse(npy("{'descr': 'i4, (2,3)O', 'fortran_order': False, 'shape': (2,), }")).hasObject).toBe(true);
    expect(parse(npy("{'descr': 'float64', 'fortran_order': False, 'shape': (2,), }")).hasObject).toBe(false);
  });

  it("refuses bad magic, versions, lengths and headers numpy would not load", () => {
    const bad = [
      Buffer.from("not an npy file at all"),
      (() => { const b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"); b[6] = 9; return b; })(),
      (() => { const b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"); b.writeUInt16LE(0xffff, 8); return b; })(),
      npy("{'descr': '<f8', 'shape': (1,), }"),
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1, }"),
      npy("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }"),
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"),
      npy("{'descr': 'not a dtype!', 'fortran_order': False, 'shape': (1,), }"),
      npy("{'descr': 42, 'fortran_order': False, 'shape': (1,), }"),
      npy("__import__('os').system('id')"),
      npy("['descr', 'fortran_order', 'shape']"),
    ];
    for (const b of bad) expect(() => parse(b)).toThrow(MalformedError);
    const huge = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 2);
    huge.writeUInt32LE(0x7fffffff, 8);
    expect(() => parse(huge)).toThrow(/header/);
  });
});
