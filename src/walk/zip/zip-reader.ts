import { LimitError, MalformedError } from "../../core/errors.js";
import type { ByteSource } from "../../core/source.js";
import {
  EOCD_SEARCH,
  EOCD_SIZE,
  FLAG_DATA_DESCRIPTOR,
  LOCAL_SIZE,
  SIG_DATA_DESCRIPTOR,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
  findEocd,
  parseCentralEntry,
  parseLocalFixed,
  parseLocalHeader,
  parseZip64Eocd,
  parseZip64Locator,
  type CentralEntry,
  type Eocd,
  type LocalHeader,
  type Zip64Eocd,
} from "./zip-records.js";

/** Something about the archive's structure that readers may disagree on; the analyzer turns these into findings. */
export interface ZipStructureIssue {
  kind: "trailing-data" | "offset-shift" | "inconsistent-directory";
  message: string;
  offset?: number;
}

/** The central directory as Python's zipfile reads it, with what miniz (PyTorch) would see noted in `issues`. */
export interface ZipDirectory {
  eocd: Eocd;
  zip64: Zip64Eocd | undefined;
  /** File offset where the central directory starts (after the shift below). */
  cdStart: number;
  cdSize: number;
  /**
   * Bytes to add to every offset written in the archive: non-zero when data was put in front of an archive
   * without its offsets being fixed (Python's zipfile compensates for this, miniz and so PyTorch do not).
   */
  shift: number;
  /** Offset just past the EOCD record and its comment. */
  archiveEnd: number;
  entries: CentralEntry[];
  /** Entries the directory declares. */
  declaredEntries: number;
  /** Set when more entries than `maxMembers` exist: the ones past the limit were not read. */
  truncated: boolean;
  issues: ZipStructureIssue[];
}

export interface ZipReadLimits {
  maxMembers: number;
  /** Largest central directory read into memory. */
  maxDirectoryBytes: number;
}

/**
 * Reads the end-of-central-directory record (ZIP64 included) and the central directory. Throws MalformedError
 * when there is no usable directory; everything readers could disagree on is listed in `issues`.
 */
export async function readZipDirectory(source: ByteSource, limits: ZipReadLimits): Promise<ZipDirectory> {
  const size = source.size;
  const tailStart = Math.max(0, size - EOCD_SEARCH);
  const tail = await source.read(tailStart, size - tailStart);
  const eocd = findEocd(tail, tailStart);
  if (!eocd) throw new MalformedError("no end-of-central-directory record: not a complete zip archive");
  const issues: ZipStructureIssue[] = [];
  const archiveEnd = eocd.offset + EOCD_SIZE + eocd.commentLength;
  if (archiveEnd < size) {
    issues.push({ kind: "trailing-data", message: `${size - archiveEnd} bytes follow the end of the zip archive`, offset: archiveEnd });
  } else if (archiveEnd > size) {
    issues.push({
      kind: "inconsistent-directory",
      message: `the archive comment is declared ${eocd.commentLength} bytes long but only ${size - eocd.offset - EOCD_SIZE} bytes remain`,
      offset: eocd.offset,
    });
  }
  if (eocd.diskNumber !== 0 || eocd.cdDisk !== 0) {
    issues.push({ kind: "inconsistent-directory", message: `multi-disk archive fields are set (disk ${eocd.diskNumber}, directory disk ${eocd.cdDisk})`, offset: eocd.offset });
  }

  let entries = eocd.entries;
  let cdSize = eocd.cdSize;
  let cdOffset = eocd.cdOffset;
  let directoryEnd = eocd.offset;
  let zip64: Zip64Eocd | undefined;
  const locatorAt = eocd.offset - ZIP64_LOCATOR_SIZE;
  if (locatorAt >= 0) {
    const locator = parseZip64Locator(await source.read(locatorAt, ZIP64_LOCATOR_SIZE), locatorAt);
    if (locator) {
      // Like Python's zipfile, expect the ZIP64 EOCD right before its locator; the offset it records is compared.
      const at = locatorAt - ZIP64_EOCD_SIZE;
      zip64 = at >= 0 ? parseZip64Eocd(await source.read(at, ZIP64_EOCD_SIZE), at) : undefined;
      if (!zip64) throw new MalformedError("ZIP64 locator present but no ZIP64 end-of-central-directory record before it", locatorAt);
      entries = zip64.entries;
      cdSize = zip64.cdSize;
      cdOffset = zip64.cdOffset;
      directoryEnd = at;
      if (locator.eocd64Offset !== at) {
        issues.push({
          kind: "inconsistent-directory",
          message: `the ZIP64 locator points to offset ${locator.eocd64Offset} but the ZIP64 record is at ${at}`,
          offset: locatorAt,
        });
      }
    }
  }

  // Python's zipfile: concat = where the directory ends - its size - its recorded offset.
  const shift = directoryEnd - cdSize - cdOffset;
  if (shift < 0) {
    throw new MalformedError(`the central directory (offset ${cdOffset}, ${cdSize} bytes) does not fit before the end record at ${directoryEnd}`, eocd.offset);
  }
  if (shift > 0) {
    issues.push({
      kind: "offset-shift",
      message: `${shift} bytes sit in front of the central directory that its recorded offsets do not count: Python's zipfile shifts every offset by ${shift}, PyTorch's reader (miniz) does not`,
      offset: cdOffset,
    });
  }
  const cdStart = cdOffset + shift;
  if (cdSize > limits.maxDirectoryBytes) {
    throw new LimitError("maxMemberBytes", cdSize, limits.maxDirectoryBytes, `zip central directory is ${cdSize} bytes, more than ${limits.maxDirectoryBytes}`);
  }
  const cd = await source.read(cdStart, cdSize);
  const list: CentralEntry[] = [];
  let p = 0;
  let truncated = false;
  while (p < cd.length) {
    if (list.length >= limits.maxMembers) {
      truncated = true;
      break;
    }
    const entry = parseCentralEntry(cd, p, cdStart, list.length);
    if (!entry) {
      issues.push({ kind: "inconsistent-directory", message: `central directory record ${list.length} has no valid signature; ${cd.length - p} directory bytes were not read`, offset: cdStart + p });
      break;
    }
    list.push(entry);
    p += entry.recordLength;
  }
  if (!truncated && list.length !== entries) {
    issues.push({
      kind: "inconsistent-directory",
      message: `the end record declares ${entries} entries but the central directory holds ${list.length}: readers that count (miniz) and readers that walk the directory (Python) see different members`,
      offset: eocd.offset,
    });
  }
  return { eocd, zip64, cdStart, cdSize, shift, archiveEnd, entries: list, declaredEntries: entries, truncated, issues };
}

/** Reads the local header at `offset`; undefined when there is none there. */
export async function readLocalHeader(source: ByteSource, offset: number): Promise<LocalHeader | undefined> {
  if (offset < 0 || offset + LOCAL_SIZE > source.size) return undefined;
  const fixed = await source.read(offset, LOCAL_SIZE);
  const f = parseLocalFixed(fixed);
  if (!f) return undefined;
  const rest = await source.read(offset + LOCAL_SIZE, f.nameLen + f.extraLen);
  return parseLocalHeader(Buffer.concat([fixed, rest]), offset);
}

/** Length of the data descriptor after a member's data (0 when the flag is not set or none is there). */
export async function dataDescriptorLength(source: ByteSource, dataEnd: number, flags: number, zip64: boolean): Promise<number> {
  if (!(flags & FLAG_DATA_DESCRIPTOR)) return 0;
  const sig = await source.read(dataEnd, 4);
  const withSig = sig.length === 4 && sig.readUInt32LE(0) === SIG_DATA_DESCRIPTOR;
  return (withSig ? 4 : 0) + 4 + (zip64 ? 16 : 8);
}
