import type { FormatId } from "../core/format.js";
import type { ByteSource } from "../core/source.js";
import { looksLikePickle, startsAsFramedPickle } from "../analyzers/pickle/sniff.js";
import { looksLikeOnnx } from "../analyzers/onnx/sniff.js";
import { looksLikeTensorflow } from "../analyzers/tensorflow/sniff.js";
import { sniffUnsupported } from "../analyzers/unsupported/sniff.js";
import { SNIFF_HEAD_BYTES, SNIFF_TAIL_BYTES, type Sniff } from "./sniff.js";

function startsWith(buf: Buffer, magic: readonly number[], at = 0): boolean {
  if (buf.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (buf[at + i] !== magic[i]) return false;
  return true;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Fixed magic numbers, checked in order. */
const MAGICS: ReadonlyArray<{ format: FormatId; magic: number[]; at?: number }> = [
  { format: "zip", magic: [0x50, 0x4b, 0x03, 0x04] },
  { format: "zip", magic: [0x50, 0x4b, 0x05, 0x06] },
  { format: "7z", magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { format: "gzip", magic: [0x1f, 0x8b] },
  { format: "xz", magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { format: "zstd", magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { format: "lz4", magic: [0x04, 0x22, 0x4d, 0x18] },
  { format: "numpy", magic: [0x93, ...ascii("NUMPY")] },
  { format: "gguf", magic: ascii("GGUF") },
  { format: "hdf5", magic: [0x89, ...ascii("HDF\r\n"), 0x1a, 0x0a] },
  { format: "tar", magic: ascii("ustar"), at: 257 },
];

function isBzip2(h: Buffer): boolean {
  // "BZh" + block size digit, then a block magic (pi) or the end-of-stream magic (sqrt pi).
  if (!startsWith(h, ascii("BZh")) || h.length < 10) return false;
  const level = h[3]!;
  if (level < 0x31 || level > 0x39) return false;
  return startsWith(h, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(h, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4);
}

function isZlib(h: Buffer): boolean {
  if (h.length < 2) return false;
  const cmf = h[0]!;
  const flg = h[1]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0 && (flg & 0x20) === 0;
}

function isLzmaAlone(h: Buffer): boolean {
  // LZMA "alone" header: properties byte (lc/lp/pb, 0x5d for the defaults), 4-byte dictionary size,
  // 8-byte uncompressed size. joblib's lzma compressor writes exactly this. Python's lzma (liblzma's alone
  // decoder) accepts any dictionary size, rounding it up: a non-power-of-two one is still a stream a loader
  // decodes, so it counts when the rest of the header is what Python writes (default properties, and an
  // uncompressed size that is unknown or plausible).
  if (h.length < 13) return false;
  const props = h[0]!;
  if (props >= 9 * 5 * 5) return false;
  const dict = h.readUInt32LE(1);
  if (props === 0x5d && dict >= 1 << 12 && (dict & (dict - 1)) === 0) return true;
  const size = h.readBigUInt64LE(5);
  return props === 0x5d && dict > 0 && (size === 0xffffffffffffffffn || size < 1n << 40n);
}

function isSafetensors(h: Buffer, size: number): boolean {
  // u64 LE header length, then a JSON object. The reference parser (serde_json) accepts whitespace before
  // the "{", so skip it; and a header longer than the file (a truncated download) still counts — the
  // analyzer reports the truncation. The length's top 3 bytes must be zero (headers are far below 2^40),
  // and the object must open with a key or close at once, which keeps text and pickles out.
  if (h.length < 10) return false;
  const n = h.readBigUInt64LE(0);
  if (n < 2n || n >= 1n << 40n || size < 10) return false;
  const ws = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  let i = 8;
  while (i < Math.min(h.length, 8 + 256) && ws(h[i])) i++;
  if (h[i] !== 0x7b /* "{" */) return false;
  i++;
  while (i < h.length && ws(h[i])) i++;
  return h[i] === 0x22 /* '"' */ || h[i] === 0x7d; /* "}" */
}

function isTarChecksum(h: Buffer): boolean {
  // Pre-POSIX tar has no magic; its header checksum still has to add up.
  if (h.length < 512) return false;
  const field = h.subarray(148, 156).toString("latin1").replace(/\0.*$/s, "").trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === parseInt(field, 8) && h[0] !== 0;
}

function hasZipDirectoryAtEnd(tail: Buffer): boolean {
  // End-of-central-directory record within the last 64 KiB: a zip with data prepended.
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) return true;
  }
  return false;
}

function isMostlyText(h: Buffer): boolean {
  if (h.length === 0) return true;
  const n = Math.min(h.length, 4096);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = h[i]!;
    if (c === 0) return false;
    if (c < 0x09 || (c > 0x0d && c < 0x20)) bad++;
  }
  return bad / n < 0.02;
}

/** Recognises a format from content alone (the name only breaks ties between look-alikes). */
export function detectFormat(s: Sniff): FormatId {
  const h = s.head;
  for (const m of MAGICS) if (startsWith(h, m.magic, m.at ?? 0)) return m.format;
  // PROTO then FRAME, as every protocol 4 and 5 pickle starts, before the unsupported formats' eight checks (the
  // pickles a folder is full of skip them). Only a FlatBuffer identifier (TFLite, ExecuTorch) can sit after such
  // bytes, with its root table 9.7 MB or more in; pickle.load reads that file as a pickle, so it is analysed as one.
  if (startsAsFramedPickle(h)) return "pickle";
  const unverified = sniffUnsupported(s);
  if (unverified) return unverified.format;
  if (isBzip2(h)) return "bzip2";
  if (isSafetensors(h, s.size)) return "safetensors";
  if (looksLikePickle(h, s.size)) return "pickle";
  if (isTarChecksum(h)) return "tar";
  // Protobuf has no magic: these walk the head against the ONNX / TensorFlow schemas (strict, cheap).
  if (looksLikeOnnx(h, s.size, s.name)) return "onnx";
  if (looksLikeTensorflow(h, s.size, s.name)) return "tf-savedmodel";
  if (hasZipDirectoryAtEnd(s.tail)) return "zip";
  if (isZlib(h)) return "zlib";
  if (isLzmaAlone(h)) return "lzma";
  const first = h.subarray(0, 1).toString("latin1");
  if (isMostlyText(h)) return first === "{" || first === "[" ? "json" : "text";
  return "unknown";
}

/** Reads the head and tail of a source and detects its format. */
export async function detectSource(source: ByteSource, name: string): Promise<{ format: FormatId; sniff: Sniff }> {
  const head = await source.read(0, SNIFF_HEAD_BYTES);
  const tailStart = Math.max(0, source.size - SNIFF_TAIL_BYTES);
  const tail = tailStart === 0 ? head : await source.read(tailStart, source.size - tailStart);
  const sniff: Sniff = { head, tail, size: source.size, name };
  return { format: detectFormat(sniff), sniff };
}
