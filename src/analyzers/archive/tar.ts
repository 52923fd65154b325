import { LimitError } from "../../core/errors.js";
import { createBufferSource, createSliceSource } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import { isSequentialSource } from "../../walk/streamed-source.js";
import { readTarEntries, type TarEnd, type TarEntry } from "../../walk/tar/tar-reader.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { createCappedReporter, type CappedReporter } from "../capped-report.js";
import { checkLink, checkMemberPath } from "./member-path.js";

/** Largest pax extended header or GNU long-name record read. */
const MAX_HEADER_RECORD = 1024 * 1024;
/** Members of a legacy (pre-1.6, tar based) torch.save file. */
const LEGACY_TORCH_MEMBERS = ["pickle", "storages", "tensors"];

const q = JSON.stringify;

async function scanFileMember(file: VirtualFile, ctx: AnalyzerContext, out: CappedReporter, e: TarEntry): Promise<void> {
  const src = file.source;
  if (e.size === 0) return;
  if (e.dataOffset + e.size > src.size) {
    out.report("scanner/unparseable", { message: `tar member ${q(e.name)} is truncated (${e.size} bytes declared, ${Math.max(0, src.size - e.dataOffset)} present); it was not verified`, offset: e.headerOffset, evidence: { member: e.name } });
    return;
  }
  if (!isSequentialSource(src)) {
    await ctx.scanMember(createMemberFile(file, e.name, createSliceSource(src, e.dataOffset, e.size)));
    return;
  }
  // A tar inside a compressed stream: the member is read (forward) into memory, within the member limit.
  const max = ctx.limits.maxMemberBytes;
  if (e.size > max) {
    const err = new LimitError("maxMemberBytes", e.size, max, `tar member ${q(e.name)} is ${e.size} bytes, more than ${max} held in memory`);
    out.report("scanner/limit-exceeded", { message: `${err.message}; it was not verified`, evidence: { member: e.name, limit: err.limit, value: err.value, max } });
    return;
  }
  const data = await src.read(e.dataOffset, e.size);
  if (data.length < e.size) {
    out.report("scanner/unparseable", { message: `tar member ${q(e.name)} is truncated; it was not verified`, offset: e.headerOffset, evidence: { member: e.name } });
    return;
  }
  await ctx.scanMember(createMemberFile(file, e.name, createBufferSource(data)));
}

function reportEnd(out: CappedReporter, end: TarEnd): void {
  for (const s of end.skipped) {
    out.report("archive/tar-ambiguous-entry", {
      message: `damaged tar header at offset ${s.offset} (${s.reason}): Python's tarfile stops reading here, GNU tar skips ${s.blocks} blocks and goes on; the members after it were scanned`,
      offset: s.offset,
    });
  }
  if (end.dataAfterEnd !== undefined) {
    out.report("archive/trailing-data", {
      message: `another tar header follows the end-of-archive marker at offset ${end.dataAfterEnd}: tar --ignore-zeros reads members that other readers do not; they were not scanned`,
      offset: end.dataAfterEnd,
    });
  }
}

async function analyzeTar(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const out = createCappedReporter(ctx);
  const names = new Set<string>();
  try {
    const entries = readTarEntries(file.source, { maxHeaderBytes: MAX_HEADER_RECORD, checkDeadline: () => ctx.checkDeadline() });
    let count = 0;
    for (;;) {
      const r = await entries.next();
      if (r.done) {
        reportEnd(out, r.value);
        break;
      }
      const e = r.value;
      ctx.checkDeadline();
      if (++count > ctx.limits.maxMembers) {
        out.report("scanner/limit-exceeded", { message: `the tar has more than ${ctx.limits.maxMembers} members; the rest were not verified`, evidence: { limit: "maxMembers", value: count, max: ctx.limits.maxMembers } });
        await entries.return(undefined as unknown as TarEnd);
        break;
      }
      names.add(e.name.replace(/^\.\//, ""));
      for (const issue of checkMemberPath(e.name, "tar")) out.issue(issue);
      if (e.ignoredSize > 0) {
        out.report("archive/tar-ambiguous-entry", {
          message: `tar ${e.type} entry ${q(e.name)} declares ${e.ignoredSize} bytes of data: Python's tarfile reads them as the next header, GNU tar skips them`,
          offset: e.headerOffset,
          evidence: { member: e.name },
        });
      }
      switch (e.type) {
        case "symlink":
        case "hardlink":
          out.issue(checkLink(e.name, e.linkName, e.type, "tar"));
          break;
        case "chardev":
        case "blockdev":
        case "fifo":
          out.report("archive/special-file", { message: `tar member ${q(e.name)} is a ${e.type === "fifo" ? "named pipe" : e.type === "chardev" ? "character device" : "block device"}`, offset: e.headerOffset, evidence: { member: e.name } });
          break;
        case "directory":
          break;
        default:
          await scanFileMember(file, ctx, out, e);
      }
    }
    if (LEGACY_TORCH_MEMBERS.every((n) => names.has(n))) ctx.setFormat("pytorch-legacy");
  } finally {
    out.flush();
  }
}

/** Tar archives (.tar, .nemo, legacy torch.save tar files), also when they come out of a gzip stream. */
export const tarAnalyzer: Analyzer = {
  formats: ["tar"],
  version: "1.0.0",
  analyze: analyzeTar,
};
