import { describe, expect, it } from "vitest";
import { summarizeMarshalledCode } from "./marshal.js";

/** marshal.dumps((lambda x: __import__('os').system('id') or x).__code__) from CPython 3.11. */
const EVIL_311 =
  "4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3PaAmlkKQLaCl9faW1wb3J0X1/aBnN5c3RlbakB2gF4cwEAAAAg+gg8c3RyaW5nPvoIPGxhbWJkYT5yCQAAAAQAAABzIQAAAIAAjWqYFNEOHtQOHtcOJdIOJaBk0Q4r1A4r0A4wqHGAAPMAAAAA";
/** marshal.dumps((lambda x: x * 2).__code__) from CPython 3.11. */
const DOUBLE_311 =
  "4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAqQHaAXhzAQAAACD6CDxzdHJpbmc++gg8bGFtYmRhPnIHAAAAAwAAAHMKAAAAgACIYZAhiWWAAPMAAAAA";

/** A tiny marshal writer, to build the code-object layout of Python 3.8-3.10 (6 header ints, lnotab). */
function w38(names: string[], consts: string[]): Buffer {
  const parts: Buffer[] = [];
  const i32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const short = (s: string): Buffer => Buffer.concat([Buffer.from([0x7a /* z */, s.length]), Buffer.from(s, "latin1")]);
  const tuple = (items: Buffer[]): Buffer => Buffer.concat([Buffer.from([0x29 /* ) */, items.length]), ...items]);
  const bytes = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x73 /* s */]), i32(b.length), b]);
  parts.push(Buffer.from([0x63 /* c */]), i32(1), i32(0), i32(0), i32(1), i32(3), i32(67));
  parts.push(bytes(Buffer.from([0x74, 0x00, 0x53, 0x00])));
  parts.push(tuple([Buffer.from([0x4e /* None */]), ...consts.map(short)]));
  parts.push(tuple(names.map(short)), tuple([short("x")]), tuple([]), tuple([]), short("<string>"), short("<lambda>"));
  parts.push(i32(1), bytes(Buffer.alloc(2)));
  return Buffer.concat(parts);
}

describe("summarizeMarshalledCode", () => {
  it("lists the names and strings of a real CPython 3.11 lambda", () => {
    const s = summarizeMarshalledCode(Buffer.from(EVIL_311, "base64"));
    expect(s).toBeDefined();
    expect(s!.layout).toBe("3.11+");
    expect(s!.names).toEqual(expect.arrayContaining(["__import__", "system"]));
    expect(s!.strings).toEqual(expect.arrayContaining(["os", "id"]));
  });

  it("reads an innocent lambda too (names empty)", () => {
    const s = summarizeMarshalledCode(Buffer.from(DOUBLE_311, "base64"));
    expect(s?.layout).toBe("3.11+");
    expect(s?.names).toEqual([]);
  });

  it("recognises the Python 3.8-3.10 layout", () => {
    const s = summarizeMarshalledCode(w38(["eval"], ["1+1"]));
    expect(s?.layout).toBe("3.8-3.10");
    expect(s?.names).toEqual(["eval"]);
    expect(s?.strings).toEqual(["1+1"]);
  });

  it("returns undefined for truncated dumps, garbage and non-code values", () => {
    const evil = Buffer.from(EVIL_311, "base64");
    for (let cut = 0; cut < evil.length; cut += 7) expect(summarizeMarshalledCode(evil.subarray(0, cut))).toBeUndefined();
    expect(summarizeMarshalledCode(Buffer.from("hello world"))).toBeUndefined();
    expect(summarizeMarshalledCode(Buffer.from([0xe9, 1, 0, 0, 0]))).toBeUndefined(); // an int
  });

  it("bounds the objects it reads", () => {
    // A tuple claiming 2^31-1 items must not allocate or loop that long.
    const b = Buffer.from([0x28, 0xff, 0xff, 0xff, 0x7f, 0x4e]);
    expect(summarizeMarshalledCode(b)).toBeUndefined();
    const nested = Buffer.concat([Buffer.alloc(10_000, 0x5b).map((_, i) => (i % 5 === 0 ? 0x5b : [1, 0, 0, 0][(i % 5) - 1]!)), Buffer.from([0x4e])]);
    expect(summarizeMarshalledCode(nested)).toBeUndefined();
  });
});
