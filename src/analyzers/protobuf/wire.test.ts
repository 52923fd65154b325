import { describe, expect, it } from "vitest";
import { encodeVarint } from "./encoder.js";
import { isValidUtf8, readVarint, splitTag, varintSize } from "./wire.js";

function rv(bytes: number[]) {
  return readVarint(Uint8Array.from(bytes), 0, bytes.length);
}

describe("readVarint", () => {
  it("reads small and multi-byte values", () => {
    expect(rv([0x00])).toEqual({ ok: true, value: 0, next: 1 });
    expect(rv([0x96, 0x01])).toEqual({ ok: true, value: 150, next: 2 });
    expect(rv([0xff, 0xff, 0xff, 0xff, 0x0f])).toEqual({ ok: true, value: 0xffffffff, next: 5 });
  });

  it("round-trips through the encoder, including int64 negatives and the safe-integer edge", () => {
    for (const v of [1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, -1, -2, -(2 ** 40)]) {
      const b = encodeVarint(v);
      expect(varintSize(v)).toBe(b.length);
      const r = readVarint(b, 0, b.length);
      expect(r).toEqual({ ok: true, value: v, next: b.length });
    }
  });

  it("returns ±Infinity outside the safe integer range", () => {
    const big = encodeVarint(2n ** 60n);
    expect(readVarint(big, 0, big.length)).toMatchObject({ ok: true, value: Infinity });
    const neg = encodeVarint(-(2n ** 60n));
    expect(readVarint(neg, 0, neg.length)).toMatchObject({ ok: true, value: -Infinity });
  });

  it("reports truncated and overlong varints", () => {
    expect(rv([0x80, 0x80])).toEqual({ ok: false, reason: "truncated" });
    expect(rv(new Array<number>(11).fill(0x80))).toEqual({ ok: false, reason: "overlong" });
  });

  it("never reads past end", () => {
    const buf = Uint8Array.from([0x80, 0x01]);
    expect(readVarint(buf, 0, 1)).toEqual({ ok: false, reason: "truncated" });
  });
});

describe("splitTag", () => {
  it("splits field number and wire type and rejects field 0", () => {
    expect(splitTag(0x12)).toEqual({ field: 2, wireType: 2 });
    expect(splitTag(0x07)).toBeUndefined();
    expect(splitTag(-1)).toBeUndefined();
    expect(splitTag(2 ** 40)).toBeUndefined();
  });
});

describe("isValidUtf8", () => {
  it("accepts UTF-8 and rejects broken sequences", () => {
    expect(isValidUtf8(Buffer.from("Const ünïcode ✓ 😀"))).toBe(true);
    expect(isValidUtf8(Uint8Array.from([0xc3]))).toBe(false);
    expect(isValidUtf8(Uint8Array.from([0xc0, 0x80]))).toBe(false); // overlong
    expect(isValidUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(false); // surrogate
    expect(isValidUtf8(Uint8Array.from([0xff]))).toBe(false);
  });
});
