/**
 * Zip records as they are on disk (APPNOTE 6.3.10): end of central directory (EOCD), ZIP64 locator and
 * EOCD, central directory headers, local headers and the extra fields that matter (ZIP64 sizes, AES).
 * Pure functions over buffers; every length is checked against what was read.
 */
import { MalformedError } from "../../core/errors.js";

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_DATA_DESCRIPTOR = 0x08074b50;

export const EOCD_SIZE = 22;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EOCD_SIZE = 56;
export const CENTRAL_SIZE = 46;
export const LOCAL_SIZE = 30;
/** The EOCD comment is at most 65535 bytes, so the EOCD starts within this many bytes of the end. */
export const EOCD_SEARCH = EOCD_SIZE + 0xffff;

/** General-purpose flag bits. */
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_LZMA_EOS = 0x0002;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_PATCHED = 0x0020;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;
export const METHOD_DEFLATE64 = 9;
export const METHOD_BZIP2 = 12;
export const METHOD_LZMA = 14;
export const METHOD_ZSTD = 93;
export const METHOD_XZ = 95;
export const METHOD_PPMD = 98;
export const METHOD_AES = 99;

const METHOD_NAMES: Record<number, string> = {
  0: "stored",
  1: "shrunk",
  2: "reduced-1",
  3: "reduced-2",
  4: "reduced-3",
  5: "reduced-4",
  6: "imploded",
  8: "deflate",
  9: "deflate64",
  10: "PKWARE DCL imploded",
  12: "bzip2",
  14: "LZMA",
  18: "IBM TERSE",
  19: "IBM LZ77",
  20: "zstd (old id)",
  93: "zstd",
  94: "MP3",
  95: "xz",
  96: "JPEG",
  97: "WavPack",
  98: "PPMd",
  99: "AES-encrypted",
};

export function methodName(method: number): string {
  return METHOD_NAMES[method] ?? `unknown method ${method}`;
}

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

// Code page 437, the zip default for names without the UTF-8 flag: bytes 0x80-0xFF.
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

/** Decodes a member name the way Python's zipfile does: UTF-8 when flag bit 11 is set, else code page 437. */
export function decodeZipName(bytes: Buffer, flags: number): string {
  if (flags & FLAG_UTF8) return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  let out = "";
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
  return out;
}

function u64(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError(`zip ${what} is out of range (${v})`);
  return Number(v);
}

export interface Eocd {
  /** Offset of the EOCD signature in the file. */
  offset: number;
  diskNumber: number;
  cdDisk: number;
  entriesOnDisk: number;
  entries: number;
  cdSize: number;
  cdOffset: number;
  commentLength: number;
}

/**
 * Finds the end-of-central-directory record in the file's tail: the last signature with a whole record after
 * it, as Python's zipfile and miniz (PyTorch's reader) both take it. `tailStart` is the tail's file offset.
 */
export function findEocd(tail: Buffer, tailStart: number): Eocd | undefined {
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD) continue;
    return {
      offset: tailStart + i,
      diskNumber: tail.readUInt16LE(i + 4),
      cdDisk: tail.readUInt16LE(i + 6),
      entriesOnDisk: tail.readUInt16LE(i + 8),
      entries: tail.readUInt16LE(i + 10),
      cdSize: tail.readUInt32LE(i + 12),
      cdOffset: tail.readUInt32LE(i + 16),
      commentLength: tail.readUInt16LE(i + 20),
    };
  }
  return undefined;
}

export interface Zip64Locator {
  offset: number;
  eocd64Disk: number;
  eocd64Offset: number;
  totalDisks: number;
}

export function parseZip64Locator(buf: Buffer, offset: number): Zip64Locator | undefined {
  if (buf.length < ZIP64_LOCATOR_SIZE || buf.readUInt32LE(0) !== SIG_ZIP64_LOCATOR) return undefined;
  return { offset, eocd64Disk: buf.readUInt32LE(4), eocd64Offset: u64(buf, 8, "ZIP64 EOCD offset"), totalDisks: buf.readUInt32LE(16) };
}

export interface Zip64Eocd {
  offset: number;
  entries: number;
  cdSize: number;
  cdOffset: number;
}

export function parseZip64Eocd(buf: Buffer, offset: number): Zip64Eocd | undefined {
  if (buf.length < ZIP64_EOCD_SIZE || buf.readUInt32LE(0) !== SIG_ZIP64_EOCD) return undefined;
  return { offset, entries: u64(buf, 32, "ZIP64 entry count"), cdSize: u64(buf, 40, "ZIP64 directory size"), cdOffset: u64(buf, 48, "ZIP64 directory offset") };
}

/** Extra fields (id → data); the first occurrence of an id wins. */
export function parseExtra(extra: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const size = extra.readUInt16LE(p + 2);
    const end = Math.min(extra.length, p + 4 + size);
    if (!fields.has(id)) fields.set(id, extra.subarray(p + 4, end));
    p += 4 + size;
  }
  return fields;
}

export const EXTRA_ZIP64 = 0x0001;
export const EXTRA_AES = 0x9901;

interface Zip64Fields {
  uncompressedSize: number;
  compressedSize: number;
  localHeaderOffset?: number;
  diskStart?: number;
}

/** Applies the ZIP64 extra field: each 8-byte value is present only for a header field that is all ones. */
function applyZip64(extra: Map<number, Buffer>, f: Zip64Fields, withOffset: boolean): boolean {
  const z = extra.get(EXTRA_ZIP64);
  const needs = f.uncompressedSize === U32_MAX || f.compressedSize === U32_MAX || (withOffset && (f.localHeaderOffset === U32_MAX || f.diskStart === U16_MAX));
  if (!z) return false;
  let p = 0;
  const take = (what: string): number | undefined => {
    if (p + 8 > z.length) return undefined;
    const v = u64(z, p, what);
    p += 8;
    return v;
  };
  if (f.uncompressedSize === U32_MAX) f.uncompressedSize = take("ZIP64 uncompressed size") ?? f.uncompressedSize;
  if (f.compressedSize === U32_MAX) f.compressedSize = take("ZIP64 compressed size") ?? f.compressedSize;
  if (withOffset && f.localHeaderOffset === U32_MAX) f.localHeaderOffset = take("ZIP64 local header offset") ?? f.localHeaderOffset;
  return needs;
}

export interface AesInfo {
  vendorVersion: number;
  strength: number;
  /** The compression method applied before encryption. */
  method: number;
}

function parseAes(extra: Map<number, Buffer>): AesInfo | undefined {
  const a = extra.get(EXTRA_AES);
  if (!a || a.length < 7) return undefined;
  return { vendorVersion: a.readUInt16LE(0), strength: a[4]!, method: a.readUInt16LE(5) };
}

export interface CentralEntry {
  /** Position in the central directory (0-based). */
  index: number;
  /** File offset of this central header. */
  headerOffset: number;
  versionMadeBy: number;
  versionNeeded: number;
  flags: number;
  method: number;
  modTime: number;
  modDate: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  diskStart: number;
  internalAttr: number;
  externalAttr: number;
  /** Local header offset as written (before any shift for prepended data). */
  localHeaderOffset: number;
  nameBytes: Buffer;
  name: string;
  extra: Map<number, Buffer>;
  comment: Buffer;
  /** True when some field came from the ZIP64 extra field. */
  zip64: boolean;
  aes: AesInfo | undefined;
  /** Length of the whole record. */
  recordLength: number;
}

/** Parses the central header at `p` of `cd` (`cdOffset` is its file offset); undefined when no signature is there. */
export function parseCentralEntry(cd: Buffer, p: number, cdOffset: number, index: number): CentralEntry | undefined {
  if (p + CENTRAL_SIZE > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) return undefined;
  const nameLen = cd.readUInt16LE(p + 28);
  const extraLen = cd.readUInt16LE(p + 30);
  const commentLen = cd.readUInt16LE(p + 32);
  const recordLength = CENTRAL_SIZE + nameLen + extraLen + commentLen;
  if (p + recordLength > cd.length) throw new MalformedError(`zip central directory entry ${index} runs past the directory`, cdOffset + p);
  const flags = cd.readUInt16LE(p + 8);
  const nameBytes = cd.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen);
  const extra = parseExtra(cd.subarray(p + CENTRAL_SIZE + nameLen, p + CENTRAL_SIZE + nameLen + extraLen));
  const f: Zip64Fields = {
    compressedSize: cd.readUInt32LE(p + 20),
    uncompressedSize: cd.readUInt32LE(p + 24),
    diskStart: cd.readUInt16LE(p + 34),
    localHeaderOffset: cd.readUInt32LE(p + 42),
  };
  const zip64 = applyZip64(extra, f, true);
  return {
    index,
    headerOffset: cdOffset + p,
    versionMadeBy: cd.readUInt16LE(p + 4),
    versionNeeded: cd.readUInt16LE(p + 6),
    flags,
    method: cd.readUInt16LE(p + 10),
    modTime: cd.readUInt16LE(p + 12),
    modDate: cd.readUInt16LE(p + 14),
    crc32: cd.readUInt32LE(p + 16),
    compressedSize: f.compressedSize,
    uncompressedSize: f.uncompressedSize,
    diskStart: f.diskStart ?? 0,
    internalAttr: cd.readUInt16LE(p + 36),
    externalAttr: cd.readUInt32LE(p + 38),
    localHeaderOffset: f.localHeaderOffset ?? 0,
    nameBytes,
    name: decodeZipName(nameBytes, flags),
    extra,
    comment: cd.subarray(p + CENTRAL_SIZE + nameLen + extraLen, p + recordLength),
    zip64,
    aes: parseAes(extra),
    recordLength,
  };
}

export interface LocalHeader {
  offset: number;
  versionNeeded: number;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  nameBytes: Buffer;
  name: string;
  extra: Map<number, Buffer>;
  /** File offset where the member's data starts (after name and extra field). */
  dataOffset: number;
}

/** Reads the fixed part of a local header; `nameLen`/`extraLen` say how much variable data follows. */
export function parseLocalFixed(buf: Buffer): { nameLen: number; extraLen: number } | undefined {
  if (buf.length < LOCAL_SIZE || buf.readUInt32LE(0) !== SIG_LOCAL) return undefined;
  return { nameLen: buf.readUInt16LE(26), extraLen: buf.readUInt16LE(28) };
}

/** Parses a whole local header (fixed part, name and extra field) read at `offset`. */
export function parseLocalHeader(buf: Buffer, offset: number): LocalHeader | undefined {
  const fixed = parseLocalFixed(buf);
  if (!fixed) return undefined;
  const end = LOCAL_SIZE + fixed.nameLen + fixed.extraLen;
  if (buf.length < end) return undefined;
  const flags = buf.readUInt16LE(6);
  const nameBytes = buf.subarray(LOCAL_SIZE, LOCAL_SIZE + fixed.nameLen);
  const extra = parseExtra(buf.subarray(LOCAL_SIZE + fixed.nameLen, end));
  const f: Zip64Fields = { compressedSize: buf.readUInt32LE(18), uncompressedSize: buf.readUInt32LE(22) };
  applyZip64(extra, f, false);
  return {
    offset,
    versionNeeded: buf.readUInt16LE(4),
    flags,
    method: buf.readUInt16LE(8),
    crc32: buf.readUInt32LE(14),
    compressedSize: f.compressedSize,
    uncompressedSize: f.uncompressedSize,
    nameBytes,
    name: decodeZipName(nameBytes, flags),
    extra,
    dataOffset: offset + end,
  };
}

/** Unix file type bits from the external attributes, when the entry was made on Unix (host 3). */
export function unixMode(entry: Pick<CentralEntry, "versionMadeBy" | "externalAttr">): number | undefined {
  if (entry.versionMadeBy >> 8 !== 3) return undefined;
  const mode = entry.externalAttr >>> 16;
  return mode === 0 ? undefined : mode;
}

export const S_IFMT = 0o170000;
export const S_IFLNK = 0o120000;
