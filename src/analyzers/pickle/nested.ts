/**
 * Pickles hidden inside pickles: str/bytes constants that are themselves pickle streams (raw, or
 * base64 / hex encoded), and the bytes handed to callables that unpickle them (pickle.loads…).
 * The checks here are cheap by design: a constant is looked at only if its first bytes decode to
 * something the sniff accepts as the start of a pickle.
 */
import { MIN_CONSTANT_BYTES } from "./machine.js";
import { OPCODES } from "./opcodes.js";
import { looksLikePickle } from "./sniff.js";
import { asText, valueBytes, type Value } from "./values.js";

export type NestedEncoding = "raw" | "latin1" | "base64" | "hex";

export interface EmbeddedPickle {
  encoding: NestedEncoding;
  /** The decoded pickle bytes. */
  data: Buffer;
}

/** How much of a candidate is decoded and sniffed before deciding. */
const PROBE_BYTES = 512;

function isBase64Char(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;
}

/** The 6-bit value of a base64 (or base64url) character. */
function base64Value(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  return c === 0x2b || c === 0x2d ? 62 : 63;
}

function isHexChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function allMatch(data: Buffer, n: number, pred: (c: number) => boolean): boolean {
  const end = Math.min(n, data.length);
  for (let i = 0; i < end; i++) if (!pred(data[i]!)) return false;
  return true;
}

function trimAscii(data: Buffer): Buffer {
  let s = 0;
  let e = data.length;
  while (s < e && (data[s] === 0x20 || data[s] === 0x0a || data[s] === 0x0d || data[s] === 0x09)) s++;
  while (e > s && (data[e - 1] === 0x20 || data[e - 1] === 0x0a || data[e - 1] === 0x0d || data[e - 1] === 0x09 || data[e - 1] === 0x3d)) e--;
  return s === 0 && e === data.length ? data : data.subarray(s, e);
}

/** UTF-8 text whose code points are all below 256 (a pickle stored in a str via latin-1), as bytes. */
function latin1FromUtf8(data: Buffer): Buffer | undefined {
  const text = data.toString("utf8");
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return undefined;
  return Buffer.from(text, "latin1");
}

/**
 * Cheap first look: a PROTO header, or an opcode followed (within the probe) by something only an
 * importing pickle needs without PROTO: a newline (GLOBAL/INST operands), STACK_GLOBAL or EXT.
 * A pickle that imports nothing is plain data and not worth finding.
 */
function plausiblePickle(b: Buffer): boolean {
  if (b.length < 2) return false;
  if (b[0] === 0x80) return b[1]! >= 1 && b[1]! <= 5;
  if (OPCODES[b[0]!] === undefined) return false;
  const n = Math.min(b.length, PROBE_BYTES);
  for (let i = 1; i < n; i++) {
    const c = b[i]!;
    if (c === 0x0a || c === 0x93 || c === 0x82 || c === 0x83 || c === 0x84) return true;
  }
  return false;
}

function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/**
 * A cheap test on a constant where it lies in the stream (no view made): false only when findEmbeddedPickle
 * would certainly find nothing in it. A pickle of a million names calls this a million times; findEmbeddedPickle
 * runs only on what passes.
 */
export function couldEmbedPickle(src: Buffer, start: number, length: number): boolean {
  if (length < MIN_CONSTANT_BYTES) return false;
  const end = start + length;
  const c0 = src[start]!;
  if (c0 === 0xc2) return true;
  if (c0 === 0x80) return true;
  if (OPCODES[c0] !== undefined) {
    // plausiblePickle: a newline or an opcode that imports within the probe.
    const n = Math.min(end, start + PROBE_BYTES);
    for (let i = start + 1; i < n; i++) {
      const c = src[i]!;
      if (c === 0x0a || c === 0x93 || c === 0x82 || c === 0x83 || c === 0x84) return true;
    }
  }
  // Hex or base64 after leading whitespace: their first 64 characters (hex digits are base64 characters) are all
  // of the alphabet, or the padding and whitespace that end it.
  let i = start;
  while (i < end && (src[i] === 0x20 || src[i] === 0x0a || src[i] === 0x0d || src[i] === 0x09)) i++;
  const n = Math.min(end, i + 64);
  for (; i < n; i++) {
    const c = src[i]!;
    if (!isBase64Char(c) && c !== 0x3d && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

/**
 * Whether a constant's bytes are a pickle, directly or encoded; returns the decoded stream.
 * `maxBytes` bounds what is decoded (the member size limit).
 */
export function findEmbeddedPickle(data: Buffer, maxBytes: number): EmbeddedPickle | undefined {
  if (data.length < MIN_CONSTANT_BYTES) return undefined;
  // A pickle stored in a str through latin-1: U+0080 is C2 80 in UTF-8.
  if (data[0] === 0xc2 && data[1] === 0x80) {
    if (data.length > maxBytes * 2) return undefined;
    const bytes = latin1FromUtf8(data);
    if (bytes && plausiblePickle(bytes) && looksLikePickle(bytes.subarray(0, PROBE_BYTES), bytes.length)) return { encoding: "latin1", data: bytes };
    return undefined;
  }
  if (plausiblePickle(data)) {
    return looksLikePickle(data.subarray(0, PROBE_BYTES), data.length) ? { encoding: "raw", data } : undefined;
  }
  const trimmed = trimAscii(data);
  if (trimmed.length >= 24 && trimmed.length % 2 === 0 && allMatch(trimmed, 64, isHexChar)) {
    const probe = Buffer.from(trimmed.toString("latin1", 0, Math.min(trimmed.length, PROBE_BYTES * 2)), "hex");
    if (plausiblePickle(probe) && looksLikePickle(probe) && trimmed.length / 2 <= maxBytes && allMatch(trimmed, trimmed.length, isHexChar)) {
      return { encoding: "hex", data: Buffer.from(trimmed.toString("latin1"), "hex") };
    }
    return undefined;
  }
  if (trimmed.length >= 20 && allMatch(trimmed, 64, isBase64Char)) {
    // The first decoded byte says whether decoding more is worth it.
    const first = (base64Value(trimmed[0]!) << 2) | (base64Value(trimmed[1]!) >> 4);
    if (OPCODES[first] === undefined) return undefined;
    const probe = decodeBase64(trimmed.toString("latin1", 0, Math.min(trimmed.length, Math.ceil(PROBE_BYTES / 3) * 4)));
    if (plausiblePickle(probe) && looksLikePickle(probe) && (trimmed.length * 3) / 4 <= maxBytes) {
      return { encoding: "base64", data: decodeBase64(trimmed.toString("latin1")) };
    }
  }
  return undefined;
}

const BASE64_DECODERS = new Set([
  "base64.b64decode",
  "base64.standard_b64decode",
  "base64.urlsafe_b64decode",
  "base64.decodebytes",
  "base64.decodestring",
  "binascii.a2b_base64",
]);
const HEX_DECODERS = new Set(["binascii.unhexlify", "binascii.a2b_hex", "builtins.bytes.fromhex", "__builtin__.bytes.fromhex"]);
const ENCODERS = new Set(["_codecs.encode", "codecs.encode"]);
const BYTES_CTORS = new Set(["builtins.bytes", "builtins.bytearray", "__builtin__.bytes", "__builtin__.bytearray"]);

/**
 * The bytes a value would hold at load time, when the pickle computes them from constants with a
 * well-known pure decoder (`_codecs.encode(s, "latin1")`, `base64.b64decode(s)`, `bytes.fromhex(s)`…).
 */
export function constantBytes(v: Value | undefined, maxBytes: number, depth = 0): Buffer | undefined {
  if (v === undefined || depth > 4) return undefined;
  if (v.kind === "bytes") return valueBytes(v);
  if (v.kind === "str") {
    const t = asText(v);
    if (t !== undefined) return Buffer.from(t, v.encoding === "latin1" ? "latin1" : "utf8");
    return valueBytes(v);
  }
  if (v.kind !== "call" || v.callee.kind !== "global" || !v.callee.site || v.args.kind !== "tuple") return undefined;
  const fn = `${v.callee.module}.${v.callee.name}`;
  const arg = v.args.items[0];
  if (ENCODERS.has(fn)) {
    const text = asText(arg);
    const enc = (asText(v.args.items[1]) ?? "utf-8").toLowerCase().replace(/_/g, "-");
    if (text === undefined) return undefined;
    if (["latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1"].includes(enc)) return Buffer.from(text, "latin1");
    if (["utf-8", "utf8"].includes(enc)) return Buffer.from(text, "utf8");
    return undefined;
  }
  const inner = constantBytes(arg, maxBytes, depth + 1);
  if (inner === undefined) return undefined;
  if (BASE64_DECODERS.has(fn)) {
    if ((inner.length * 3) / 4 > maxBytes) return undefined;
    return Buffer.from(inner.toString("latin1").replace(/-/g, "+").replace(/_/g, "/"), "base64");
  }
  if (HEX_DECODERS.has(fn)) {
    const s = inner.toString("latin1").replace(/\s+/g, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) return undefined;
    return Buffer.from(s, "hex");
  }
  if (BYTES_CTORS.has(fn)) return inner;
  return undefined;
}
