import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { TAG, childrenOf, decodeBoolean, decodeNamedBits, decodeOid, decodeSmallInteger, decodeTime, readElement } from "./der.js";

const el = (hex: string) => {
  const buf = Buffer.from(hex.replace(/\s/g, ""), "hex");
  return { buf, el: readElement(buf, 0) };
};

describe("DER reader", () => {
  it("reads short and long definite lengths", () => {
    const { el: a } = el("04 03 01 02 03");
    expect(a).toEqual({ tag: TAG.OCTET_STRING, start: 0, contentStart: 2, end: 5 });
    const long = Buffer.concat([Buffer.from("0481c8", "hex"), Buffer.alloc(200)]);
    expect(readElement(long, 0).end).toBe(203);
  });

  it("refuses indefinite, non-minimal and overlong lengths", () => {
    expect(() => el("30 80 00 00")).toThrow(/indefinite/);
    expect(() => el("04 81 05 0102030405")).toThrow(/minimally/);
    expect(() => el("04 05 0102")).toThrow(/runs past/);
    expect(() => el("04")).toThrow(ModelgateError);
    expect(() => el("04 85 0000000001 00")).toThrow(/too large/);
  });

  it("lists children that must fill their parent", () => {
    const { buf, el: seq } = el("30 06 02 01 05 01 01 ff");
    const kids = childrenOf(buf, seq);
    expect(kids.map((k) => k.tag)).toEqual([TAG.INTEGER, TAG.BOOLEAN]);
    expect(decodeSmallInteger(buf, kids[0]!)).toBe(5);
    expect(decodeBoolean(buf, kids[1]!)).toBe(true);
    const { buf: b2, el: bad } = el("30 04 02 03 05 01");
    expect(() => childrenOf(b2, bad)).toThrow(/runs past/);
  });

  it("decodes OIDs", () => {
    expect(decodeOid(Buffer.from("551d0f", "hex"))).toBe("2.5.29.15");
    expect(decodeOid(Buffer.from("2b06010505070303", "hex"))).toBe("1.3.6.1.5.5.7.3.3");
    expect(decodeOid(Buffer.from("2a864886f70d010101", "hex"))).toBe("1.2.840.113549.1.1.1");
    expect(() => decodeOid(Buffer.from("2b86", "hex"))).toThrow(/truncated/);
  });

  it("decodes KeyUsage bits by name position", () => {
    // digitalSignature only: 03 02 07 80
    const a = el("03 02 07 80");
    expect(decodeNamedBits(a.buf, a.el)).toBe(1);
    // keyCertSign + cRLSign: 03 02 01 06
    const b = el("03 02 01 06");
    expect(decodeNamedBits(b.buf, b.el)).toBe((1 << 5) | (1 << 6));
  });

  it("decodes UTCTime and GeneralizedTime, refusing impossible dates", () => {
    const u = el(`17 0d ${Buffer.from("250502233628Z").toString("hex")}`);
    expect(decodeTime(u.buf, u.el).toISOString()).toBe("2025-05-02T23:36:28.000Z");
    const old = el(`17 0d ${Buffer.from("991231000000Z").toString("hex")}`);
    expect(decodeTime(old.buf, old.el).getUTCFullYear()).toBe(1999);
    const g = el(`18 0f ${Buffer.from("20501231000000Z").toString("hex")}`);
    expect(decodeTime(g.buf, g.el).getUTCFullYear()).toBe(2050);
    const bad = el(`17 0d ${Buffer.from("250231000000Z").toString("hex")}`);
    expect(() => decodeTime(bad.buf, bad.el)).toThrow(/bad time/);
  });

  it("never throws anything but ModelgateError on random input", () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(Array.from({ length: 2 + (rnd() % 40) }, rnd));
      try {
        const e = readElement(buf, 0);
        if (e.tag & 0x20) childrenOf(buf, e);
      } catch (err) {
        expect(err).toBeInstanceOf(ModelgateError);
      }
    }
  });
});
