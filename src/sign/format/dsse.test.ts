import { describe, expect, it } from "vitest";
import { legacyPae, pae, pythonBytesRepr } from "./dsse.js";

describe("DSSE encodings", () => {
  it("PAE matches the DSSE specification's example", () => {
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  it("PAE counts bytes, not characters", () => {
    expect(pae("t", Buffer.from("é")).toString()).toBe("DSSEv1 1 t 2 é");
  });

  it("pythonBytesRepr follows Python's bytes repr", () => {
    expect(pythonBytesRepr(Buffer.from('{"a": 1}\n'))).toBe("b'{\"a\": 1}\\n'");
    expect(pythonBytesRepr(Buffer.from("it's"))).toBe('b"it\'s"');
    expect(pythonBytesRepr(Buffer.from("'\""))).toBe("b'\\'\"'");
    expect(pythonBytesRepr(Buffer.from([0, 9, 13, 0x5c, 0x7f, 0xc3, 0xa9]))).toBe("b'\\x00\\t\\r\\\\\\x7f\\xc3\\xa9'");
  });

  it("legacy PAE is model_signing v0.2's f-string", () => {
    const p = Buffer.from('{\n  "x": 1\n}');
    expect(legacyPae("application/vnd.in-toto+json", p).toString()).toBe(`DSSEV1 28 application/vnd.in-toto+json ${p.length} b'{\\n  "x": 1\\n}'`);
  });
});
