import { LimitError, MalformedError, ModelgateError } from "../../core/errors.js";
import { createBufferSource, createSliceSource, type ByteSource } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import { detectSource } from "../../detect/detect.js";
import { inflateChunks, type InflateResult } from "../../walk/inflate.js";
import { BoundedCollector, OutputGuard, isMemberLimit } from "../../walk/output-guard.js";
import { crc32OfSource, openZipMember } from "../../walk/zip/zip-member.js";
import { dataDescriptorLength, readLocalHeader, readZipDirectory, type ZipDirectory } from "../../walk/zip/zip-reader.js";
import {
  EXTRA_ZIP64,
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_PATCHED,
  FLAG_STRONG_ENCRYPTION,
  METHOD_AES,
  METHOD_DEFLATE,
  METHOD_STORED,
  S_IFLNK,
  S_IFMT,
  SIG_LOCAL,
  methodName,
  unixMode,
  type CentralEntry,
  type LocalHeader,
} from "../../walk/zip/zip-records.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { createCappedReporter, type CappedReporter } from "../capped-report.js";
import { checkLink, checkMemberPath } from "./member-path.js";
import { checkDuplicates, checkLocalHeader, classifyZip, findGaps, findOverlaps, hex, isTorchStorage, type ZipKind, type ZipMemberLayout } from "./zip-checks.js";

/** Traditional PKWARE encryption puts a 12-byte header in front of the data. */
const TRADITIONAL_HEADER = 12;
/** Unreferenced bytes searched for hidden local headers, in all. */
const GAP_SEARCH_BYTES = 64 * 1024 * 1024;
/** Largest symbolic link target read. */
const MAX_LINK_TARGET = 4096;
/** Virtual member name for bytes in front of the first member. */
export const PREFIX_MEMBER = "[data before archive]";
/** Formats not worth scanning when they are all that encrypted bytes look like. */
const NOTHING_TO_SEE = new Set(["unknown", "text", "json"]);

const q = JSON.stringify;

interface ZipScan {
  file: VirtualFile;
  ctx: AnalyzerContext;
  out: CappedReporter;
  src: ByteSource;
}

function guardFor(z: ZipScan, name: string, compressedSize: number, maxBytes?: number): OutputGuard {
  return new OutputGuard({
    what: `zip member ${q(name)}`,
    compressedSize,
    limits: z.ctx.limits,
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    charge: (n) => z.ctx.chargeDecompressed(n),
    checkDeadline: () => z.ctx.checkDeadline(),
  });
}

function reportMemberLimit(z: ZipScan, name: string, e: LimitError): void {
  z.out.report("scanner/limit-exceeded", {
    message: `${e.message}; member ${q(name)} was not verified`,
    evidence: { member: name, limit: e.limit, value: e.value, max: e.max },
  });
}

/**
 * Handles a decode failure for one member: per-member limits and corrupt data become findings and the scan
 * goes on with the next member; total-size and time limits end the container.
 */
function reportDecodeError(z: ZipScan, name: string, e: unknown, method: number): void {
  if (isMemberLimit(e)) return reportMemberLimit(z, name, e);
  if (e instanceof LimitError) throw e;
  if (e instanceof MalformedError) {
    z.out.report("scanner/unparseable", { message: `zip member ${q(name)} could not be decompressed: ${e.message}`, evidence: { member: name } });
    return;
  }
  if (e instanceof ModelgateError && e.code === "UNSUPPORTED") {
    z.out.report("archive/unsupported-compression", {
      message: `zip member ${q(name)} uses ${methodName(method)} compression, which could not be decoded (${e.message}); its content was not verified`,
      evidence: { member: name, method },
    });
    return;
  }
  throw e;
}

async function crcOf(content: ByteSource, ctx: AnalyzerContext): Promise<number> {
  return crc32OfSource(content, () => ctx.checkDeadline());
}

/** Scans encrypted bytes only if they are recognisably something: a loader that ignores the flag reads them as is. */
async function probeRaw(z: ZipScan, name: string, raw: ByteSource): Promise<void> {
  const { format } = await detectSource(raw, name);
  if (!NOTHING_TO_SEE.has(format)) await z.ctx.scanMember(createMemberFile(z.file, name, raw));
}

async function readLinkTarget(z: ZipScan, m: ZipMemberLayout): Promise<string | undefined> {
  const e = m.entry;
  if (e.compressedSize > MAX_LINK_TARGET * 8) return undefined;
  try {
    const data = { dataOffset: m.dataOffset, method: e.method, flags: e.flags, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize };
    const content = await openZipMember(z.src, data, guardFor(z, e.name, e.compressedSize, MAX_LINK_TARGET));
    return (await content.read(0, MAX_LINK_TARGET)).toString("utf8");
  } catch (err) {
    if (err instanceof LimitError && !isMemberLimit(err)) throw err;
    return undefined;
  }
}

/** Scans one member the way PyTorch reads it: central directory sizes, local header for the data start, no CRC or flag checks. */
async function scanEntry(z: ZipScan, m: ZipMemberLayout, kind: ZipKind, overlapping: boolean): Promise<void> {
  const { ctx, out } = z;
  const e = m.entry;
  const name = e.name;
  ctx.checkDeadline();
  if (name.endsWith("/") && e.compressedSize === 0) return;
  if (isTorchStorage(name, kind.torchPrefix)) return;
  const mode = unixMode(e);
  if (mode !== undefined && (mode & S_IFMT) === S_IFLNK) {
    const target = await readLinkTarget(z, m);
    if (target !== undefined) out.issue(checkLink(name, target, "symlink", "zip"));
    return;
  }
  if (e.method === METHOD_AES || e.aes) {
    out.report("scanner/encrypted-content", { message: `zip member ${q(name)} is AES-encrypted; its content could not be inspected`, evidence: { member: name } });
    return;
  }
  if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE) {
    out.report("archive/zip-unusual-method", {
      message: `zip member ${q(name)} is compressed with ${methodName(e.method)}: PyTorch's reader accepts only stored and deflate, Python's zipfile also reads bzip2 and LZMA, so loaders disagree on it`,
      evidence: { member: name, method: e.method },
    });
  }
  const claimsEncryption = (e.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0;
  let content: ByteSource;
  try {
    content = await openZipMember(z.src, { dataOffset: m.dataOffset, compressedSize: e.compressedSize, method: e.method, flags: e.flags, uncompressedSize: e.uncompressedSize }, guardFor(z, name, e.compressedSize));
  } catch (err) {
    if (claimsEncryption && (err instanceof MalformedError || (err instanceof ModelgateError && err.code === "UNSUPPORTED"))) {
      out.report("scanner/encrypted-content", { message: `zip member ${q(name)} is encrypted; its content could not be inspected`, evidence: { member: name } });
      return;
    }
    return reportDecodeError(z, name, err, e.method);
  }
  if (overlapping && e.method === METHOD_STORED) ctx.chargeDecompressed(content.size);
  const crc = await crcOf(content, ctx);
  const crcOk = crc === e.crc32 >>> 0;
  if (claimsEncryption) {
    const reallyEncrypted = !crcOk && e.method === METHOD_STORED && (e.flags & FLAG_ENCRYPTED) !== 0 && e.compressedSize === e.uncompressedSize + TRADITIONAL_HEADER;
    if (reallyEncrypted) {
      out.report("scanner/encrypted-content", { message: `zip member ${q(name)} is encrypted (traditional PKWARE encryption); its content could not be inspected`, evidence: { member: name } });
      await probeRaw(z, name, content);
      return;
    }
  }
  const tamperBits = e.flags & (FLAG_ENCRYPTED | FLAG_PATCHED | FLAG_STRONG_ENCRYPTION);
  if (tamperBits) {
    const what = [tamperBits & FLAG_ENCRYPTED ? "encrypted (0x1)" : "", tamperBits & FLAG_PATCHED ? "patched data (0x20)" : "", tamperBits & FLAG_STRONG_ENCRYPTION ? "strong encryption (0x40)" : ""].filter(Boolean).join(", ");
    out.report("archive/zip-flag-tamper", {
      message: `zip member ${q(name)} is flagged ${what} but its data is plain: Python's zipfile refuses it, PyTorch reads it`,
      offset: m.localOffset,
      evidence: { member: name, flags: `0x${e.flags.toString(16)}` },
    });
  }
  if (!crcOk) {
    out.report("archive/zip-crc-mismatch", {
      message: `zip member ${q(name)} has CRC-32 ${hex(crc)} but the directory records ${hex(e.crc32)}: Python's zipfile refuses it, PyTorch does not check`,
      offset: m.dataOffset,
      evidence: { member: name, actual: hex(crc), recorded: hex(e.crc32) },
    });
  }
  await ctx.scanMember(createMemberFile(z.file, name, content));
}

/**
 * Scans a member known only from its local header (hidden from the directory, or found while walking an archive
 * whose directory is unusable). Returns where its record ends, or undefined when that cannot be known.
 */
async function scanLocalMember(z: ZipScan, local: LocalHeader, name: string): Promise<number | undefined> {
  const { ctx, out, src } = z;
  ctx.checkDeadline();
  for (const issue of checkMemberPath(local.name, "zip")) out.issue(issue);
  const zip64 = local.extra.has(EXTRA_ZIP64);
  const sizeKnown = !(local.flags & FLAG_DATA_DESCRIPTOR) || local.compressedSize !== 0;
  if (local.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
    out.report("scanner/encrypted-content", { message: `zip member ${q(name)} is encrypted; its content could not be inspected`, evidence: { member: name } });
    if (!sizeKnown) return undefined;
    const end = local.dataOffset + local.compressedSize;
    return end + (await dataDescriptorLength(src, end, local.flags, zip64));
  }
  let content: ByteSource;
  let end: number;
  try {
    if (sizeKnown) {
      end = local.dataOffset + local.compressedSize;
      if (end > src.size) {
        out.report("archive/zip-member-out-of-bounds", { message: `zip member ${q(name)} runs past the end of the file`, offset: local.offset, evidence: { member: name } });
        return undefined;
      }
      content = await openZipMember(src, { dataOffset: local.dataOffset, compressedSize: local.compressedSize, method: local.method, flags: local.flags, uncompressedSize: local.uncompressedSize }, guardFor(z, name, local.compressedSize));
    } else if (local.method === METHOD_DEFLATE) {
      // Sizes are in a data descriptor after the data: the deflate stream itself says where it ends.
      const result: InflateResult = { consumed: 0 };
      const collector = new BoundedCollector(guardFor(z, name, src.size - local.dataOffset));
      for await (const chunk of inflateChunks(src, local.dataOffset, src.size, "raw", result)) collector.push(chunk);
      content = createBufferSource(collector.toBuffer());
      end = local.dataOffset + result.consumed;
    } else {
      out.report("scanner/unparseable", { message: `zip member ${q(name)} has no recorded size (${methodName(local.method)} with a data descriptor); it and what follows were not verified`, evidence: { member: name } });
      return undefined;
    }
  } catch (err) {
    reportDecodeError(z, name, err, local.method);
    return undefined;
  }
  if (!(local.flags & FLAG_DATA_DESCRIPTOR) && (await crcOf(content, ctx)) !== local.crc32 >>> 0) {
    out.report("archive/zip-crc-mismatch", { message: `zip member ${q(name)} does not match the CRC-32 in its local header`, offset: local.offset, evidence: { member: name } });
  }
  await ctx.scanMember(createMemberFile(z.file, name, content));
  return end + (await dataDescriptorLength(src, end, local.flags, zip64));
}

/** Walks local headers from `start` (the way streaming readers do) when the central directory cannot be used. */
async function walkLocalHeaders(z: ZipScan, start: number): Promise<void> {
  const names = new Set<string>();
  let at = start;
  let count = 0;
  while (at < z.src.size) {
    const local = await readLocalHeader(z.src, at);
    if (!local) break;
    if (++count > z.ctx.limits.maxMembers) {
      z.out.report("scanner/limit-exceeded", { message: `more than ${z.ctx.limits.maxMembers} members; the rest were not verified`, evidence: { limit: "maxMembers", value: count, max: z.ctx.limits.maxMembers } });
      return;
    }
    if (names.has(local.name)) z.out.report("archive/duplicate-member", { message: `member name ${q(local.name)} appears more than once`, evidence: { member: local.name } });
    names.add(local.name);
    const end = await scanLocalMember(z, local, local.name);
    if (end === undefined || end <= at) return;
    at = end;
  }
}

/** Searches unreferenced bytes for local headers; scans what it finds. Returns whether any was found. */
async function searchGap(z: ZipScan, gap: { offset: number; length: number }, budget: { left: number }): Promise<boolean> {
  const length = Math.min(gap.length, budget.left);
  budget.left -= length;
  if (length <= 0) return false;
  const bytes = await z.src.read(gap.offset, length);
  const sig = Buffer.alloc(4);
  sig.writeUInt32LE(SIG_LOCAL);
  let found = false;
  for (let p = bytes.indexOf(sig); p >= 0; p = bytes.indexOf(sig, p + 4)) {
    const local = await readLocalHeader(z.src, gap.offset + p);
    if (!local) continue;
    found = true;
    z.out.report("archive/zip-hidden-member", {
      message: `a local header for ${q(local.name)} at offset ${local.offset} is not in the central directory: streaming readers extract it, directory readers do not`,
      offset: local.offset,
      evidence: { member: local.name },
    });
    const end = await scanLocalMember(z, local, local.name);
    if (end !== undefined && end > gap.offset + p) p = end - gap.offset - 4;
  }
  return found;
}

function reportStructure(z: ZipScan, dir: ZipDirectory): void {
  for (const issue of dir.issues) {
    const ruleId = issue.kind === "inconsistent-directory" ? "archive/zip-inconsistent-headers" : "archive/zip-data-outside-archive";
    z.out.report(ruleId, { message: issue.message, ...(issue.offset !== undefined ? { offset: issue.offset } : {}) });
  }
  if (dir.truncated) {
    const max = z.ctx.limits.maxMembers;
    z.out.report("scanner/limit-exceeded", { message: `the zip has more than ${max} members; the rest were not verified`, evidence: { limit: "maxMembers", value: dir.declaredEntries, max } });
  }
}

async function layOut(z: ZipScan, dir: ZipDirectory, entry: CentralEntry): Promise<ZipMemberLayout | undefined> {
  const localOffset = entry.localHeaderOffset + dir.shift;
  const local = localOffset < dir.cdStart ? await readLocalHeader(z.src, localOffset) : undefined;
  if (!local) {
    z.out.report("archive/zip-member-out-of-bounds", {
      message: `member ${q(entry.name)}: no local header at offset ${localOffset}${localOffset >= dir.cdStart ? " (inside or after the central directory)" : ""}; its content could not be verified`,
      offset: localOffset,
      evidence: { member: entry.name },
    });
    return undefined;
  }
  const dataEnd = local.dataOffset + entry.compressedSize;
  if (dataEnd > z.src.size) {
    z.out.report("archive/zip-member-out-of-bounds", {
      message: `member ${q(entry.name)}: its ${entry.compressedSize} bytes of data run past the end of the file; its content could not be verified`,
      offset: local.dataOffset,
      evidence: { member: entry.name },
    });
    return undefined;
  }
  if (dataEnd > dir.cdStart) {
    z.out.report("archive/zip-member-out-of-bounds", {
      message: `member ${q(entry.name)}: its data runs into the central directory`,
      offset: local.dataOffset,
      evidence: { member: entry.name },
    });
  }
  const recordEnd = dataEnd + (await dataDescriptorLength(z.src, dataEnd, entry.flags, entry.zip64));
  return { entry, local, localOffset, dataOffset: local.dataOffset, dataEnd, recordEnd };
}

async function analyzeZip(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const z: ZipScan = { file, ctx, out: createCappedReporter(ctx), src: file.source };
  try {
    let dir: ZipDirectory;
    try {
      dir = await readZipDirectory(file.source, { maxMembers: ctx.limits.maxMembers, maxDirectoryBytes: ctx.limits.maxMemberBytes });
    } catch (e) {
      if (!(e instanceof MalformedError)) throw e;
      z.out.report("scanner/unparseable", { message: `zip central directory unusable (${e.message}); members were found by walking local headers instead` });
      await walkLocalHeaders(z, 0);
      return;
    }
    reportStructure(z, dir);
    const kind = classifyZip(dir.entries.map((e) => e.name));
    if (kind.format !== "zip") ctx.setFormat(kind.format);
    for (const issue of checkDuplicates(dir.entries)) z.out.issue(issue);
    for (const e of dir.entries) for (const issue of checkMemberPath(e.name, "zip")) z.out.issue(issue);

    const layouts: ZipMemberLayout[] = [];
    for (const entry of dir.entries) {
      ctx.checkDeadline();
      const m = await layOut(z, dir, entry);
      if (!m) continue;
      for (const issue of checkLocalHeader(m)) z.out.issue(issue);
      layouts.push(m);
    }
    const overlapping = new Set<ZipMemberLayout>();
    for (const [a, b] of findOverlaps(layouts)) {
      overlapping.add(a);
      overlapping.add(b);
      z.out.report("archive/zip-overlapping-members", {
        message: `members ${q(a.entry.name)} (bytes ${a.localOffset}-${a.recordEnd}) and ${q(b.entry.name)} (from ${b.localOffset}) overlap`,
        offset: b.localOffset,
        evidence: { member: b.entry.name, other: a.entry.name },
      });
    }

    const first = layouts.reduce((min, m) => Math.min(min, m.localOffset), dir.cdStart);
    // With members left unread (maxMembers), their bytes would look like gaps: no gap checks then.
    const budget = { left: dir.truncated ? 0 : GAP_SEARCH_BYTES };
    if (first > 0 && !dir.truncated) {
      const prefix = { offset: 0, length: first };
      const hidden = await searchGap(z, prefix, budget);
      if (!hidden) {
        z.out.report("archive/zip-data-outside-archive", {
          message: `${first} bytes precede the first zip member: the file is also something else (a polyglot); they are scanned as ${q(PREFIX_MEMBER)}`,
          offset: 0,
          evidence: { bytes: first },
        });
        await ctx.scanMember(createMemberFile(file, PREFIX_MEMBER, createSliceSource(file.source, 0, first)));
      }
    }
    for (const gap of dir.truncated ? [] : findGaps(layouts, first, dir.cdStart)) {
      if (await searchGap(z, gap, budget)) continue;
      z.out.report("archive/zip-unreferenced-data", { message: `${gap.length} bytes at offset ${gap.offset} belong to no member`, offset: gap.offset, evidence: { bytes: gap.length } });
    }

    for (const m of layouts) await scanEntry(z, m, kind, overlapping.has(m));
  } finally {
    z.out.flush();
  }
}

/** Zip archives and everything built on them: PyTorch checkpoints, TorchScript, .npz, .keras. */
export const zipAnalyzer: Analyzer = {
  formats: ["zip"],
  version: "1.0.0",
  analyze: analyzeZip,
};
