/**
 * Tar header blocks (v7, ustar/POSIX, GNU) and pax extended header records, decoded the way Python's
 * tarfile decodes them (it is what ML loaders such as NeMo use), with the differences from GNU tar noted.
 */
import { MalformedError } from "../../core/errors.js";

export const BLOCK = 512;

export type TarEntryType = "file" | "hardlink" | "symlink" | "chardev" | "blockdev" | "directory" | "fifo" | "sparse" | "other";

export interface TarHeader {
  name: string;
  mode: number;
  size: number;
  typeflag: string;
  linkName: string;
  /** ustar/GNU magic as found ("ustar\0", "ustar ", or "" for v7). */
  magic: string;
  prefix: string;
  /** GNU old sparse: more sparse-map blocks follow the header. */
  gnuExtended: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** NUL-terminated string (Python's nts). */
export function nts(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return utf8.decode(nul < 0 ? buf : buf.subarray(0, nul));
}

/** Numeric field: octal text, or base-256 when the top bit of the first byte is set (Python's nti). */
export function nti(buf: Buffer, field: string, offset: number): number {
  const first = buf[0]!;
  if (first === 0x80 || first === 0xff) {
    let n = 0n;
    for (let i = 1; i < buf.length; i++) n = (n << 8n) + BigInt(buf[i]!);
    if (first === 0xff) n = -(256n ** BigInt(buf.length - 1) - n);
    if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError(`tar ${field} field is out of range`, offset);
    return Number(n);
  }
  const text = nts(buf).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new MalformedError(`tar ${field} field is not an octal number (${JSON.stringify(text.slice(0, 20))})`, offset);
  const n = parseInt(text, 8);
  if (!Number.isSafeInteger(n)) throw new MalformedError(`tar ${field} field is out of range`, offset);
  return n;
}

/** True when the block is all zeros (an end-of-archive marker). */
export function isZeroBlock(block: Buffer): boolean {
  for (const b of block) if (b !== 0) return false;
  return true;
}

/** Checks the header checksum, accepting the unsigned and the signed sum as Python and GNU tar do. */
export function checksumMatches(block: Buffer): boolean {
  const field = nts(block.subarray(148, 156)).trim();
  if (!/^[0-7]{1,8}$/.test(field)) return false;
  const want = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/** Parses one 512-byte header block; the caller has checked the checksum. */
export function parseHeader(block: Buffer, offset: number): TarHeader {
  const typeflag = String.fromCharCode(block[156]!);
  return {
    name: nts(block.subarray(0, 100)),
    mode: nti(block.subarray(100, 108), "mode", offset),
    size: nti(block.subarray(124, 136), "size", offset),
    typeflag,
    linkName: nts(block.subarray(157, 257)),
    magic: block.subarray(257, 263).toString("latin1"),
    prefix: nts(block.subarray(345, 500)),
    gnuExtended: typeflag === "S" && block[482] !== 0,
  };
}

export function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case "0":
    case "\0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "chardev";
    case "4":
      return "blockdev";
    case "5":
      return "directory";
    case "6":
      return "fifo";
    case "S":
      return "sparse";
    default:
      return "other";
  }
}

/** Python's tarfile skips data only for regular types and types it does not know (POSIX: treat as regular). */
const NO_DATA_TYPES = new Set(["1", "2", "3", "4", "5", "6"]);

export function typeHasData(typeflag: string): boolean {
  return !NO_DATA_TYPES.has(typeflag);
}

/** Parses pax extended header records ("%d %s=%s\n"). */
export function parsePaxRecords(data: Buffer, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    if (data[p] === 0) break;
    const space = data.indexOf(0x20, p);
    if (space < 0 || space - p > 20) throw new MalformedError("malformed pax extended header record", offset + p);
    const lenText = data.subarray(p, space).toString("latin1");
    if (!/^\d+$/.test(lenText)) throw new MalformedError("malformed pax record length", offset + p);
    const len = Number(lenText);
    if (len <= space - p + 1 || p + len > data.length) throw new MalformedError("pax record length out of range", offset + p);
    const record = data.subarray(space + 1, p + len);
    if (record[record.length - 1] !== 0x0a) throw new MalformedError("pax record is not newline-terminated", offset + p);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new MalformedError("pax record has no key", offset + p);
    out.set(utf8.decode(record.subarray(0, eq)), utf8.decode(record.subarray(eq + 1, record.length - 1)));
    p += len;
  }
  return out;
}
