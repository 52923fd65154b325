import type { FormatId } from "../../core/format.js";
import type { Sniff } from "../../detect/sniff.js";

/** A format recognised from its first bytes that modelgate does not analyse in depth. */
export interface UnsupportedMatch {
  format: FormatId;
  /** Human name of the format, for messages. */
  name: string;
  /** What in the bytes identified it. */
  signature: string;
}

const ascii = (buf: Buffer, start: number, end: number): string => buf.subarray(start, end).toString("latin1");

/** Unsigned LEB128 varint (protobuf). Returns [value, next offset] or undefined past 5 bytes / the buffer. */
function varint(h: Buffer, at: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const b = h[at + i];
    if (b === undefined) return undefined;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, at + i + 1];
  }
  return undefined;
}

/** FlatBuffers put a 4-byte root-table offset first and the schema's file identifier at bytes 4-7. */
function flatbufferIdentifier(h: Buffer, size: number): string | undefined {
  if (h.length < 8) return undefined;
  const root = h.readUInt32LE(0);
  if (root < 8 || root >= size) return undefined;
  return ascii(h, 4, 8);
}

function tflite(h: Buffer, size: number): UnsupportedMatch | undefined {
  if (flatbufferIdentifier(h, size) !== "TFL3") return undefined;
  return { format: "tflite", name: "TensorFlow Lite model", signature: 'FlatBuffer file identifier "TFL3"' };
}

function executorch(h: Buffer, size: number): UnsupportedMatch | undefined {
  // program.fbs: file_identifier "ET12" (earlier schemas ET0x/ET1x); an optional "eh00" extended header follows.
  const id = flatbufferIdentifier(h, size);
  if (id === undefined || !/^ET\d\d$/.test(id)) return undefined;
  return { format: "executorch", name: "ExecuTorch program (.pte)", signature: `FlatBuffer file identifier "${id}"` };
}

function isMsgpackMapOrExt(b: number | undefined, next: number | undefined): boolean {
  if (b === undefined) return false;
  if ((b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf) return true;
  // fixext 1/2/4/8/16 (type byte follows) — flax.serialization stores ndarrays as ext type 1..3.
  if (b >= 0xd4 && b <= 0xd8) return next !== undefined && next >= 1 && next <= 3;
  return b === 0xc7 || b === 0xc8 || b === 0xc9;
}

function flaxMsgpack(h: Buffer): UnsupportedMatch | undefined {
  // flax.serialization.to_bytes: a msgpack map of str keys ("params", "opt_state", module names)
  // whose values are maps or ndarray ext records.
  const b0 = h[0];
  if (b0 === undefined) return undefined;
  let p: number;
  if (b0 >= 0x81 && b0 <= 0x8f) p = 1;
  else if (b0 === 0xde && h.length >= 3 && h.readUInt16BE(1) > 0) p = 3;
  else if (b0 === 0xdf && h.length >= 5 && h.readUInt32BE(1) > 0) p = 5;
  else return undefined;
  const k = h[p];
  if (k === undefined) return undefined;
  let len: number;
  if (k >= 0xa1 && k <= 0xbf) {
    len = k & 0x1f;
    p += 1;
  } else if (k === 0xd9 && h[p + 1] !== undefined) {
    len = h[p + 1]!;
    p += 2;
  } else return undefined;
  if (p + len >= h.length) return undefined;
  const key = ascii(h, p, p + len);
  if (!/^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(key)) return undefined;
  if (!isMsgpackMapOrExt(h[p + len], h[p + len + 1])) return undefined;
  return { format: "flax-msgpack", name: "Flax/msgpack checkpoint", signature: `msgpack map with first key "${key}"` };
}

function paddle(h: Buffer): UnsupportedMatch | undefined {
  // .pdmodel: framework.proto ProgramDesc. Field 1 (blocks) holds BlockDesc 0: idx=0 (08 00),
  // parent_idx=-1 (10 + ten-byte varint of -1).
  if (h[0] === 0x0a) {
    const len = varint(h, 1);
    if (len !== undefined) {
      const p = len[1];
      const expected = [0x08, 0x00, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
      if (expected.every((b, i) => h[p + i] === b)) {
        return { format: "paddle", name: "PaddlePaddle inference program (.pdmodel)", signature: "ProgramDesc protobuf with root block (parent -1)" };
      }
    }
  }
  // .pdiparams: tensors saved back to back: uint32 version 0, uint64 LoD level count, uint32 tensor version 0,
  // int32 size of a TensorDesc protobuf (data_type = 1, dims = 2), raw data.
  if (h.length >= 24 && h.subarray(0, 16).every((b) => b === 0)) {
    const descSize = h.readUInt32LE(16);
    if (descSize >= 2 && descSize <= 4096 && h[20] === 0x08 && h[21]! < 0x20 && h[22] === 0x10) {
      return { format: "paddle", name: "PaddlePaddle parameters (.pdiparams)", signature: "serialized LoDTensor with TensorDesc header" };
    }
  }
  return undefined;
}

/** The length-delimited fields of a small protobuf message held entirely in `h[start, end)`, or undefined. */
function lenFields(h: Buffer, start: number, end: number): Map<number, Buffer> | undefined {
  const out = new Map<number, Buffer>();
  let p = start;
  while (p < end) {
    const tag = varint(h, p);
    if (!tag || (tag[0] & 7) !== 2) return undefined;
    const len = varint(h, tag[1]);
    if (!len || len[1] + len[0] > end) return undefined;
    out.set(tag[0] >>> 3, h.subarray(len[1], len[1] + len[0]));
    p = len[1] + len[0];
  }
  return p === end ? out : undefined;
}

function coreml(h: Buffer): UnsupportedMatch | undefined {
  // Model.proto: specificationVersion = 1 (varint), description = 2 (ModelDescription), whose first
  // field is input = 1: a small FeatureDescription made only of name = 1, shortDescription = 2 and
  // type = 3. (A TensorFlow SavedModel also starts 08 01 12 .. 0a, but its MetaInfoDef is large and
  // carries tags and versions in fields 4-8.)
  if (h[0] !== 0x08) return undefined;
  const version = varint(h, 1);
  if (!version || version[0] < 1 || version[0] > 64) return undefined;
  let p = version[1];
  if (h[p] !== 0x12) return undefined;
  const descLen = varint(h, p + 1);
  if (!descLen) return undefined;
  p = descLen[1];
  if (h[p] !== 0x0a) return undefined;
  const inputLen = varint(h, p + 1);
  if (!inputLen || inputLen[0] > descLen[0] || inputLen[0] > 4096 || inputLen[1] + inputLen[0] > h.length) return undefined;
  const fields = lenFields(h, inputLen[1], inputLen[1] + inputLen[0]);
  if (!fields || [...fields.keys()].some((f) => f < 1 || f > 3)) return undefined;
  const name = fields.get(1);
  if (!name || name.length === 0 || !fields.has(3) || !name.every((c) => c >= 0x20 && c < 0x7f)) return undefined;
  return { format: "coreml", name: "Core ML model (.mlmodel)", signature: `Model protobuf, specification version ${version[0]}` };
}

function openvino(h: Buffer): UnsupportedMatch | undefined {
  // OpenVINO IR: an XML document whose root element is <net name=".." version="..">.
  let text = ascii(h, 0, Math.min(h.length, 4096));
  if (text.startsWith("\xef\xbb\xbf")) text = text.slice(3);
  text = text.trimStart();
  if (text.startsWith("<?xml")) {
    const end = text.indexOf("?>");
    if (end < 0) return undefined;
    text = text.slice(end + 2).trimStart();
  }
  while (text.startsWith("<!--")) {
    const end = text.indexOf("-->");
    if (end < 0) return undefined;
    text = text.slice(end + 3).trimStart();
  }
  const root = /^<net\s[^>]*\bversion\s*=\s*["'](\d+)["']/.exec(text);
  if (!root) return undefined;
  return { format: "openvino", name: "OpenVINO IR network (.xml)", signature: `<net> root element, IR version ${root[1]}` };
}

function rSerialization(h: Buffer, at: number): string | undefined {
  const kind = ascii(h, at, at + 2);
  if (kind === "X\n" && h.length >= at + 14) {
    const version = h.readUInt32BE(at + 2);
    const writer = h.readUInt32BE(at + 6);
    if ((version === 2 || version === 3) && writer >> 16 >= 1 && writer >> 16 <= 9) return `XDR serialization v${version}`;
  }
  if (kind === "B\n" && h.length >= at + 14) {
    const version = h.readUInt32LE(at + 2);
    const writer = h.readUInt32LE(at + 6);
    if ((version === 2 || version === 3) && writer >> 16 >= 1 && writer >> 16 <= 9) return `native binary serialization v${version}`;
  }
  if (kind === "A\n" && /^A\n[23]\n\d{5,7}\n\d{5,7}\n/.test(ascii(h, at, at + 24))) return "ASCII serialization";
  return undefined;
}

function rds(h: Buffer): UnsupportedMatch | undefined {
  // saveRDS() writes a serialization header; save() (.RData/.rda) prefixes it with "RDX2\n", "RDA3\n"...
  const direct = rSerialization(h, 0);
  if (direct) return { format: "rds", name: "R serialized object (RDS)", signature: direct };
  if (/^RD[XAB][23]\n$/.test(ascii(h, 0, 5))) {
    const inner = rSerialization(h, 5);
    if (inner) return { format: "rds", name: "R workspace (RData)", signature: inner };
  }
  return undefined;
}

function executable(h: Buffer): UnsupportedMatch | undefined {
  const head7 = ascii(h, 0, 7);
  // Actually Portable Executable (llamafile, cosmopolitan): a shell script / PE / zip polyglot.
  if (head7 === "MZqFpD=" || head7 === "jartsr=") {
    return { format: "llamafile", name: "Actually Portable Executable (llamafile)", signature: `APE header "${head7}"` };
  }
  if (h.length >= 6 && h[0] === 0x7f && ascii(h, 1, 4) === "ELF" && (h[4] === 1 || h[4] === 2) && (h[5] === 1 || h[5] === 2)) {
    return { format: "executable", name: "ELF executable or shared library", signature: "ELF header" };
  }
  if (h.length >= 0x40 && h[0] === 0x4d && h[1] === 0x5a) {
    const peOffset = h.readUInt32LE(0x3c);
    if (peOffset >= 0x40 && peOffset + 4 <= h.length && h.readUInt32BE(peOffset) === 0x50450000) {
      return { format: "executable", name: "Windows PE executable or DLL", signature: "MZ header with PE signature" };
    }
  }
  if (h.length >= 8) {
    const magic = h.readUInt32BE(0);
    if (magic === 0xfeedface || magic === 0xfeedfacf || magic === 0xcefaedfe || magic === 0xcffaedfe) {
      return { format: "executable", name: "Mach-O executable or library", signature: "Mach-O header" };
    }
    // Universal binaries share 0xCAFEBABE with Java class files; a class file has its version (>= 45) there.
    const count = h.readUInt32BE(4);
    if (magic === 0xcafebabe && count >= 1 && count <= 20) {
      return { format: "executable", name: "Mach-O universal binary", signature: "fat header" };
    }
  }
  return undefined;
}

/**
 * Recognises model and program formats modelgate does not verify, from the first bytes only.
 * Each check is a fixed identifier plus structure that other formats cannot share by accident.
 */
export function sniffUnsupported(s: Pick<Sniff, "head" | "size">): UnsupportedMatch | undefined {
  const h = s.head;
  return (
    executable(h) ??
    tflite(h, s.size) ??
    executorch(h, s.size) ??
    paddle(h) ??
    coreml(h) ??
    rds(h) ??
    openvino(h) ??
    flaxMsgpack(h)
  );
}
