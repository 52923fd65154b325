/**
 * Protocol Buffers wire format primitives (https://protobuf.dev/programming-guides/encoding/).
 * Pure functions over a Buffer window; they never read past `end`.
 */

export const WireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;
export type WireTypeId = (typeof WireType)[keyof typeof WireType];

/** Largest field number protobuf allows (2^29 - 1). */
export const MAX_FIELD_NUMBER = 0x1fffffff;

/** A varint is at most 10 bytes (64 bits, 7 per byte). */
export const MAX_VARINT_BYTES = 10;

export type VarintResult =
  /** `value` is the int64 reading (two's complement), exact when it is a safe integer, else ±Infinity. */
  | { ok: true; value: number; next: number }
  /** `truncated`: the window ended first; `overlong`: more than 10 bytes. */
  | { ok: false; reason: "truncated" | "overlong" };

const TWO_32 = 0x1_0000_0000;

/**
 * Reads a varint at `pos`, stopping at `end`. The value is read as an int64 (negative int32/int64 values are
 * sign-extended to ten bytes on the wire) and returned as a JS number: exact for |v| ≤ 2^53 − 1, ±Infinity beyond.
 */
export function readVarint(buf: Uint8Array, pos: number, end: number): VarintResult {
  let lo = 0;
  let hi = 0;
  let shift = 0;
  let i = pos;
  for (let n = 0; n < MAX_VARINT_BYTES; n++) {
    if (i >= end) return { ok: false, reason: "truncated" };
    const b = buf[i++]!;
    const bits = b & 0x7f;
    if (shift < 28) {
      lo |= bits << shift;
    } else if (shift === 28) {
      lo |= (bits & 0x0f) << 28;
      hi |= bits >>> 4;
    } else {
      hi |= bits << (shift - 32);
    }
    shift += 7;
    if ((b & 0x80) === 0) return { ok: true, value: toInt64Number(lo >>> 0, hi >>> 0), next: i };
  }
  return { ok: false, reason: "overlong" };
}

/** Combines two unsigned 32-bit halves into an int64 reading as a number (±Infinity outside the safe range). */
function toInt64Number(lo: number, hi: number): number {
  if (hi < 0x200000) return hi * TWO_32 + lo; // < 2^53: exact and non-negative (the common case)
  const v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v < 0n ? -Infinity : Infinity;
}

export interface Tag {
  field: number;
  wireType: number;
}

/** Splits a tag varint value into field number and wire type; undefined for values that are no tag. */
export function splitTag(value: number): Tag | undefined {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) return undefined;
  const field = Math.floor(value / 8);
  const wireType = value % 8;
  if (field === 0 || field > MAX_FIELD_NUMBER) return undefined;
  return { field, wireType };
}

/** Bytes taken by the payload of a fixed-width wire type, or undefined for the others. */
export function fixedWidth(wireType: number): number | undefined {
  if (wireType === WireType.I64) return 8;
  if (wireType === WireType.I32) return 4;
  return undefined;
}

/** Number of bytes `value` takes as a varint (for the encoder and size arithmetic). */
export function varintSize(value: number | bigint): number {
  let v = typeof value === "bigint" ? BigInt.asUintN(64, value) : value < 0 ? BigInt.asUintN(64, BigInt(value)) : BigInt(value);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** True when the bytes are valid UTF-8 (what proto3 requires of `string` fields). */
export function isValidUtf8(buf: Uint8Array, start = 0, end = buf.length): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return false;
    if (i + need >= end) return false;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}
