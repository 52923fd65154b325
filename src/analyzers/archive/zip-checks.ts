/**
 * Pure checks over a zip's directory and local headers: everything that makes two zip readers disagree about
 * what the archive holds. Each returns Issues for the zip analyzer to report.
 */
import type { FormatId } from "../../core/format.js";
import { FLAG_DATA_DESCRIPTOR, FLAG_ENCRYPTED, FLAG_PATCHED, FLAG_STRONG_ENCRYPTION, methodName, type CentralEntry, type LocalHeader } from "../../walk/zip/zip-records.js";
import type { Issue } from "../analyzer.js";

/** Where a member's bytes are, as the central directory and its local header place them. */
export interface ZipMemberLayout {
  entry: CentralEntry;
  local: LocalHeader;
  /** Local header offset in the file (shift applied). */
  localOffset: number;
  dataOffset: number;
  dataEnd: number;
  /** End of the member's record: data plus data descriptor. */
  recordEnd: number;
}

const q = JSON.stringify;

/** The local header must repeat the central directory: name, method, flags that change reading, sizes, CRC. */
export function checkLocalHeader(m: ZipMemberLayout): Issue[] {
  const { entry, local } = m;
  const issues: Issue[] = [];
  if (!local.nameBytes.equals(entry.nameBytes)) {
    issues.push({
      ruleId: "archive/zip-name-mismatch",
      message: `member ${q(entry.name)} is named ${q(local.name)} in its local header: Python's zipfile refuses it, PyTorch loads it by the directory name`,
      offset: m.localOffset,
      evidence: { member: entry.name, localName: local.name },
    });
  }
  const diffs: string[] = [];
  if (local.method !== entry.method) diffs.push(`method ${methodName(local.method)} vs ${methodName(entry.method)}`);
  const readFlags = FLAG_ENCRYPTED | FLAG_PATCHED | FLAG_STRONG_ENCRYPTION;
  if ((local.flags & readFlags) !== (entry.flags & readFlags)) diffs.push(`flags 0x${local.flags.toString(16)} vs 0x${entry.flags.toString(16)}`);
  if (!(local.flags & FLAG_DATA_DESCRIPTOR)) {
    if (local.compressedSize !== entry.compressedSize) diffs.push(`compressed size ${local.compressedSize} vs ${entry.compressedSize}`);
    if (local.uncompressedSize !== entry.uncompressedSize) diffs.push(`size ${local.uncompressedSize} vs ${entry.uncompressedSize}`);
    if (local.crc32 !== entry.crc32) diffs.push(`CRC-32 ${hex(local.crc32)} vs ${hex(entry.crc32)}`);
  }
  if (diffs.length > 0) {
    issues.push({
      ruleId: "archive/zip-inconsistent-headers",
      message: `member ${q(entry.name)}: local header and central directory disagree (${diffs.join(", ")}); streaming readers use the local header`,
      offset: m.localOffset,
      evidence: { member: entry.name, differences: diffs.join("; ") },
    });
  }
  return issues;
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/** Names used twice. */
export function checkDuplicates(entries: readonly CentralEntry[]): Issue[] {
  const seen = new Map<string, number>();
  for (const e of entries) seen.set(e.name, (seen.get(e.name) ?? 0) + 1);
  const issues: Issue[] = [];
  for (const [name, count] of seen) {
    if (count > 1) {
      issues.push({
        ruleId: "archive/duplicate-member",
        message: `member name ${q(name)} appears ${count} times: readers pick different copies`,
        evidence: { member: name, count },
      });
    }
  }
  return issues;
}

/** Pairs of members whose records overlap (ordered by start). */
export function findOverlaps(layouts: readonly ZipMemberLayout[]): Array<[ZipMemberLayout, ZipMemberLayout]> {
  const sorted = [...layouts].sort((a, b) => a.localOffset - b.localOffset || a.recordEnd - b.recordEnd);
  const pairs: Array<[ZipMemberLayout, ZipMemberLayout]> = [];
  let reach: ZipMemberLayout | undefined;
  for (const m of sorted) {
    if (reach && m.localOffset < reach.recordEnd) pairs.push([reach, m]);
    if (!reach || m.recordEnd > reach.recordEnd) reach = m;
  }
  return pairs;
}

/** Byte ranges between `start` and `end` that no member covers. */
export function findGaps(layouts: readonly ZipMemberLayout[], start: number, end: number): Array<{ offset: number; length: number }> {
  const sorted = [...layouts].sort((a, b) => a.localOffset - b.localOffset);
  const gaps: Array<{ offset: number; length: number }> = [];
  let at = start;
  for (const m of sorted) {
    if (m.localOffset > at && m.localOffset <= end) gaps.push({ offset: at, length: m.localOffset - at });
    at = Math.max(at, m.recordEnd);
  }
  if (end > at) gaps.push({ offset: at, length: end - at });
  return gaps;
}

/** What kind of zip this is, from its member names (the extension is never looked at). */
export interface ZipKind {
  format: FormatId;
  /** For PyTorch zips: the folder holding data.pkl ("" when at the root). */
  torchPrefix?: string;
}

export function classifyZip(names: readonly string[]): ZipKind {
  const set = new Set(names);
  let torchPrefix: string | undefined;
  for (const n of names) {
    const m = /^([^/]+)\/data\.pkl$/.exec(n);
    if (m) {
      torchPrefix = m[1]!;
      break;
    }
  }
  if (torchPrefix === undefined && set.has("data.pkl") && (set.has("version") || names.some((n) => n.startsWith("data/")))) torchPrefix = "";
  if (torchPrefix !== undefined) {
    const p = torchPrefix === "" ? "" : `${torchPrefix}/`;
    const script = set.has(`${p}constants.pkl`) || names.some((n) => n.startsWith(`${p}code/`));
    return { format: script ? "torchscript" : "pytorch-zip", torchPrefix };
  }
  const files = names.filter((n) => !n.endsWith("/"));
  if (files.length > 0 && files.every((n) => n.endsWith(".npy"))) return { format: "npz" };
  if (set.has("config.json") && set.has("metadata.json")) return { format: "keras" };
  return { format: "zip" };
}

/**
 * PyTorch tensor storage: `<prefix>/data/<key>`. PyTorch reads these as raw bytes and never unpickles them, so
 * they are not sent through detection (random float bytes must never pass for a broken pickle).
 */
export function isTorchStorage(name: string, torchPrefix: string | undefined): boolean {
  if (torchPrefix === undefined) return false;
  const p = torchPrefix === "" ? "data/" : `${torchPrefix}/data/`;
  return name.startsWith(p) && name.length > p.length && !name.slice(p.length).includes("/");
}
