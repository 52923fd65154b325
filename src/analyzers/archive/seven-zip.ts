import { LimitError, MalformedError } from "../../core/errors.js";
import { createBufferSource, readAll } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import { OutputGuard, isMemberLimit } from "../../walk/output-guard.js";
import { sevenZipExtract, sevenZipList } from "../../walk/seven-zip/seven-zip.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { createCappedReporter } from "../capped-report.js";
import { checkLink, checkMemberPath } from "./member-path.js";
import { classifyMessages } from "./seven-zip-stream.js";

const SIGNATURE_HEADER = 32;
/** 7zAES coder id. */
const AES_CODER = Buffer.from([0x06, 0xf1, 0x07, 0x01]);
const K_ENCODED_HEADER = 0x17;

const q = JSON.stringify;

/**
 * True when the archive's header itself is encrypted (7z -mhe): the next header is an encoded header whose
 * coders include 7zAES, so not even the member names can be read without the password.
 */
export function hasEncryptedHeader(data: Buffer): boolean {
  if (data.length < SIGNATURE_HEADER) return false;
  const offset = data.readBigUInt64LE(12);
  const size = data.readBigUInt64LE(20);
  const start = BigInt(SIGNATURE_HEADER) + offset;
  if (start + size > BigInt(data.length) || size === 0n || size > 1n << 20n) return false;
  const header = data.subarray(Number(start), Number(start + size));
  return header[0] === K_ENCODED_HEADER && header.includes(AES_CODER);
}

/**
 * 7z archives. 7-Zip (wasm) lists the archive, then extracts it into memory: the archive and everything in it
 * are held at once, so their total is bounded by maxMemberBytes (and the ratio and total limits apply to it).
 */
async function analyzeSevenZip(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const { limits } = ctx;
  const src = file.source;
  if (src.size > limits.maxMemberBytes) {
    throw new LimitError("maxMemberBytes", src.size, limits.maxMemberBytes, `7z archive of ${src.size} bytes is more than can be extracted in memory (${limits.maxMemberBytes})`);
  }
  const data = await readAll(src);
  if (hasEncryptedHeader(data)) {
    ctx.report("scanner/encrypted-content", { message: "the 7z archive's header is encrypted: not even its member names can be read without the password" });
    return;
  }
  const out = createCappedReporter(ctx);
  try {
    const listing = await sevenZipList(data, "7z");
    if (listing.run.exitCode === "crashed" || (listing.entries.length === 0 && listing.run.exitCode !== 0)) {
      throw new MalformedError(`7z archive could not be read: ${listing.run.messages.join("; ") || "7-Zip failed"}`);
    }
    if (listing.entries.length > limits.maxMembers) {
      throw new LimitError("maxMembers", listing.entries.length, limits.maxMembers, `the 7z archive has ${listing.entries.length} members, more than ${limits.maxMembers}`);
    }
    const seen = new Set<string>();
    for (const e of listing.entries) {
      for (const issue of checkMemberPath(e.path, "7z")) out.issue(issue);
      if (seen.has(e.path)) out.report("archive/duplicate-member", { message: `member name ${q(e.path)} appears more than once`, evidence: { member: e.path } });
      seen.add(e.path);
      if (e.encrypted) out.report("scanner/encrypted-content", { message: `7z member ${q(e.path)} is encrypted; its content could not be inspected`, evidence: { member: e.path } });
      if (e.mode && /^[cbp]/.test(e.mode)) out.report("archive/special-file", { message: `7z member ${q(e.path)} is a device or named pipe (${e.mode})`, evidence: { member: e.path } });
    }

    const guard = new OutputGuard({
      what: "7z archive content",
      compressedSize: src.size,
      limits,
      charge: (n) => ctx.chargeDecompressed(n),
      checkDeadline: () => ctx.checkDeadline(),
    });
    const result = await sevenZipExtract(data, "7z", (_path, n) => guard.add(n));
    const verdict = classifyMessages(result.run);
    for (const link of verdict.dangerousLinks) out.issue(checkLink(link.path, link.target, "symlink", "7z"));
    for (const link of result.links) out.issue(checkLink(link.path, link.target, "symlink", "7z"));
    if (verdict.corrupt.length > 0) out.report("archive/stream-corrupt", { message: `7z integrity check failed: ${verdict.corrupt.slice(0, 5).join("; ")}` });
    if (verdict.trailing) out.report("archive/trailing-data", { message: "data follows the end of the 7z archive" });
    if (result.run.exitCode === "crashed" || verdict.damaged.length > 0) {
      out.report("scanner/unparseable", {
        message: `7-Zip could not extract everything (${result.run.exitCode === "crashed" ? "it crashed" : verdict.damaged.slice(0, 5).join("; ")}); what it extracted was scanned`,
      });
    }
    const files = [...result.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const f of files) {
      ctx.checkDeadline();
      await ctx.scanMember(createMemberFile(file, f.path, createBufferSource(f.data)));
    }
    if (result.stoppedBy !== undefined) {
      if (!isMemberLimit(result.stoppedBy)) throw result.stoppedBy;
      const e = result.stoppedBy;
      out.report("scanner/limit-exceeded", {
        message: `${e.message} (at member ${q(result.stoppedAt)}); that member and the rest of the archive were not verified`,
        evidence: { member: result.stoppedAt ?? "", limit: e.limit, value: e.value, max: e.max },
      });
    }
  } finally {
    out.flush();
  }
}

export const sevenZipAnalyzer: Analyzer = {
  formats: ["7z"],
  version: "1.0.0",
  analyze: analyzeSevenZip,
};
