import { describe, expect, it } from "vitest";
import { decodeEscapedBytes, decodeRawUnicodeEscape, isPyFloat, parsePyInt } from "./text-operands.js";

const esc = (s: string): Buffer | undefined => decodeEscapedBytes(Buffer.from(s, "latin1"), 0, s.length);
const ru = (s: string): string | undefined => decodeRawUnicodeEscape(Buffer.from(s, "latin1"), 0, s.length);

describe("decodeEscapedBytes (STRING)", () => {
  it("decodes Python bytes escapes", () => {
    expect(esc("plain")?.toString("latin1")).toBe("plain");
    expect(esc("a\\nb\\t\\\\\\'\\\"")?.toString("latin1")).toBe("a\nb\t\\'\"");
    expect([...esc("\\x80\\x04\\0\\101\\777")!]).toEqual([0x80, 0x04, 0, 0x41, 0xff]);
    expect(esc("\\q")?.toString("latin1")).toBe("\\q");
  });
  it("refuses a bad \\x escape and a trailing backslash", () => {
    expect(esc("\\x4")).toBeUndefined();
    expect(esc("\\xzz")).toBeUndefined();
    expect(esc("abc\\")).toBeUndefined();
  });
});

describe("decodeRawUnicodeEscape (UNICODE)", () => {
  it("decodes \\u and \\U after an odd run of backslashes only", () => {
    expect(ru("caf\\u00e9")).toBe("café");
    expect(ru("\\U0001F600")).toBe("😀");
    expect(ru("\\\\u0041")).toBe("\\\\u0041");
    expect(ru("\\\\\\u0041")).toBe("\\\\A");
    expect(ru("a\\b")).toBe("a\\b");
    expect(ru("\xe9")).toBe("é");
  });
  it("refuses truncated escapes and code points past U+10FFFF", () => {
    expect(ru("\\u00")).toBeUndefined();
    expect(ru("\\U00110000")).toBeUndefined();
  });
});

describe("parsePyInt / isPyFloat", () => {
  it("reads what int() and strtol accept", () => {
    expect(parsePyInt(" 42 ", 0)).toBe(42n);
    expect(parsePyInt("-0x1F", 0)).toBe(-31n);
    expect(parsePyInt("0o17", 0)).toBe(15n);
    expect(parsePyInt("0b101", 0)).toBe(5n);
    expect(parsePyInt("1_000", 0)).toBe(1000n);
    expect(parsePyInt("010", 0, true)).toBe(8n);
    expect(parsePyInt("010", 0)).toBeUndefined();
    expect(parsePyInt("010", 10)).toBe(10n);
    expect(parsePyInt("0x10", 10)).toBeUndefined();
    expect(parsePyInt("12a", 0)).toBeUndefined();
    expect(parsePyInt("", 10)).toBeUndefined();
  });
  it("accepts repr() floats only", () => {
    for (const f of ["1.0", "-2.5e-10", "1e+300", "inf", "-Infinity", "nan", ".5"]) expect(isPyFloat(f)).toBe(true);
    for (const f of ["", "1.2.3", "0x10", "1e", "1.0 x"]) expect(isPyFloat(f)).toBe(false);
  });
});
