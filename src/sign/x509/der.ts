/**
 * A small, bounded DER reader: just enough to read the parts of an X.509 certificate that Node's
 * crypto.X509Certificate does not expose (validity as dates, the extension list with critical flags,
 * KeyUsage bits, BasicConstraints, ExtendedKeyUsage). Written here rather than taking @peculiar/x509 or
 * pkijs (each pulls in 5+ packages and a schema engine) because we only walk a fixed, shallow structure.
 * Strict DER: definite, minimal lengths; every element must lie inside its parent; nothing is evaluated.
 */
import { ModelgateError } from "../../core/errors.js";

export const TAG = Object.freeze({
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
});

/** One DER element: its tag byte and where its contents lie in the buffer. */
export interface DerElement {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the last content byte. */
  end: number;
}

/** Children per constructed element we accept (certificates have a handful; extensions a few dozen). */
const MAX_CHILDREN = 4096;

function malformed(what: string, offset: number): ModelgateError {
  return new ModelgateError("MALFORMED_INPUT", `DER: ${what} (at offset ${offset})`);
}

/** Reads the element starting at `offset`, which must end at or before `limit`. */
export function readElement(buf: Buffer, offset: number, limit: number = buf.length): DerElement {
  if (offset + 2 > limit) throw malformed("truncated element header", offset);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed("high tag numbers are not used in certificates", offset);
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) length = first;
  else {
    const n = first & 0x7f;
    if (n === 0) throw malformed("indefinite length is not DER", offset);
    if (n > 4) throw malformed("length too large", offset);
    if (pos + n > limit) throw malformed("truncated length", offset);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++]!;
    if (length < 0x80 || buf[pos - n] === 0) throw malformed("length not minimally encoded", offset);
  }
  const end = pos + length;
  if (end > limit) throw malformed(`element of ${length} bytes runs past its container`, offset);
  return { tag, start: offset, contentStart: pos, end };
}

/** The children of a constructed element, in order; they must exactly fill it. */
export function childrenOf(buf: Buffer, parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw malformed("expected a constructed element", parent.start);
  const out: DerElement[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    if (out.length >= MAX_CHILDREN) throw malformed("too many elements", pos);
    const el = readElement(buf, pos, parent.end);
    out.push(el);
    pos = el.end;
  }
  return out;
}

export function expectTag(el: DerElement | undefined, tag: number, what: string, at: number): DerElement {
  if (!el) throw malformed(`missing ${what}`, at);
  if (el.tag !== tag) throw malformed(`${what}: expected tag 0x${tag.toString(16)}, got 0x${el.tag.toString(16)}`, el.start);
  return el;
}

export function contents(buf: Buffer, el: DerElement): Buffer {
  return buf.subarray(el.contentStart, el.end);
}

/** Dotted-decimal form of an OBJECT IDENTIFIER's contents. */
export function decodeOid(bytes: Buffer): string {
  if (bytes.length === 0 || bytes.length > 64) throw malformed("bad OID length", 0);
  const arcs: number[] = [];
  let value = 0;
  let started = false;
  for (const b of bytes) {
    if (!started && b === 0x80) throw malformed("OID arc not minimally encoded", 0);
    started = true;
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw malformed("OID arc too large", 0);
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0;
      started = false;
    }
  }
  if (started) throw malformed("truncated OID", 0);
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join(".");
}

/** A BOOLEAN's value (DER: 0x00 or 0xff). */
export function decodeBoolean(buf: Buffer, el: DerElement): boolean {
  const c = contents(buf, el);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw malformed("bad BOOLEAN", el.start);
  return c[0] === 0xff;
}

/** A small non-negative INTEGER (path lengths, versions). */
export function decodeSmallInteger(buf: Buffer, el: DerElement): number {
  const c = contents(buf, el);
  if (c.length === 0 || c.length > 4 || (c[0]! & 0x80) !== 0) throw malformed("INTEGER out of range", el.start);
  if (c.length > 1 && c[0] === 0 && (c[1]! & 0x80) === 0) throw malformed("INTEGER not minimally encoded", el.start);
  return c.reduce((n, b) => n * 256 + b, 0);
}

/** A BIT STRING as a number whose bit i is named bit i (bit 0 = the first, most significant bit). */
export function decodeNamedBits(buf: Buffer, el: DerElement): number {
  const c = contents(buf, el);
  if (c.length === 0) throw malformed("empty BIT STRING", el.start);
  const unused = c[0]!;
  if (unused > 7 || (c.length === 1 && unused !== 0)) throw malformed("bad BIT STRING padding", el.start);
  let bits = 0;
  const n = Math.min(c.length - 1, 4);
  for (let i = 0; i < n; i++) {
    const byte = c[1 + i]!;
    for (let j = 0; j < 8; j++) if (byte & (0x80 >> j)) bits |= 1 << (i * 8 + j);
  }
  return bits >>> 0;
}

/** UTCTime or GeneralizedTime (the forms RFC 5280 allows: seconds, "Z") as a Date. */
export function decodeTime(buf: Buffer, el: DerElement): Date {
  const s = contents(buf, el).toString("latin1");
  let m: RegExpExecArray | null;
  let year: number;
  if (el.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (el.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    year = Number(m[1]);
  } else throw malformed(`bad time "${s}"`, el.start);
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const t = Date.UTC(year, mo - 1, d, h, mi, se);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) throw malformed(`bad time "${s}"`, el.start);
  return back;
}
