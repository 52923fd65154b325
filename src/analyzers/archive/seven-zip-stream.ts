import { LimitError, MalformedError } from "../../core/errors.js";
import { createBufferSource, readAll } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import { OutputGuard } from "../../walk/output-guard.js";
import { sevenZipExtract, type SevenZipRun } from "../../walk/seven-zip/seven-zip.js";
import type { AnalyzerContext } from "../analyzer.js";
import { streamMemberName } from "./stream-member.js";

export type SevenZipStreamType = "xz" | "bzip2" | "lzma";

/** 7-Zip's messages, sorted into what they mean for the scan. */
export interface RunVerdict {
  /** Data follows the end of the archive or stream. */
  trailing: boolean;
  /** Integrity checks that failed (CRC, data errors). */
  corrupt: string[];
  /** Members that need a password. */
  encrypted: string[];
  /** Links 7-Zip refused to create because they point outside the folder: [link, target]. */
  dangerousLinks: Array<{ path: string; target: string }>;
  /** Everything else that went wrong: the archive or stream could not be read (completely). */
  damaged: string[];
}

/** 7-Zip's summary lines ("Sub items Errors: 1", "ERRORS:") repeat what the lines before them said. */
const SUMMARY = /^(sub items errors|archives with errors|archives with warnings|warnings|errors)\s*:\s*\d*$/i;

export function classifyMessages(run: SevenZipRun): RunVerdict {
  const v: RunVerdict = { trailing: false, corrupt: [], encrypted: [], dangerousLinks: [], damaged: [] };
  for (const m of run.messages) {
    if (SUMMARY.test(m)) continue;
    const link = /Dangerous link path was ignored : (.*) : (.*)$/.exec(m);
    if (link) v.dangerousLinks.push({ path: link[1]!, target: link[2]! });
    else if (/data after the end/i.test(m)) v.trailing = true;
    else if (/wrong password|encrypted/i.test(m)) v.encrypted.push(m);
    else if (/crc failed|data error/i.test(m)) v.corrupt.push(m);
    else if (/^ERROR: \/in\.\w+$|^ERROR: \/in\.\w+ : \/in\.\w+$/.test(m)) continue;
    else v.damaged.push(m);
  }
  return v;
}

/**
 * 7-Zip reads an lzma-alone header only when its dictionary size is 2^n or 3·2^n; Python's lzma (liblzma) takes
 * any size and rounds it up. Decoding with a larger dictionary gives the same output (the size only bounds how
 * far back matches reach), so a copy with the size rounded up to the next power of two is what 7-Zip is given.
 */
export function withSevenZipDictionary(data: Buffer): Buffer {
  if (data.length < 13) return data;
  const dict = data.readUInt32LE(1);
  for (let i = 1; i < 32; i++) if (dict === 2 ** i || dict === 3 * 2 ** (i - 1)) return data;
  let rounded = 1 << 12;
  while (rounded < dict && rounded < 2 ** 31) rounded *= 2;
  const copy = Buffer.from(data);
  copy.writeUInt32LE(Math.min(rounded, 2 ** 32 - 1) >>> 0, 1);
  return copy;
}

/**
 * xz, bzip2 and lzma-alone streams, decoded by 7-Zip into memory (7-Zip runs synchronously, so its output cannot
 * be streamed to a reader the way gzip's is: the content is held, within maxMemberBytes, and so is the input).
 */
export async function scanSevenZipStream(file: VirtualFile, ctx: AnalyzerContext, type: SevenZipStreamType): Promise<void> {
  const { limits } = ctx;
  const src = file.source;
  if (src.size > limits.maxMemberBytes) {
    throw new LimitError("maxMemberBytes", src.size, limits.maxMemberBytes, `${type} stream of ${src.size} bytes is more than can be decoded in memory (${limits.maxMemberBytes})`);
  }
  const guard = new OutputGuard({
    what: `${type} stream`,
    compressedSize: src.size,
    limits,
    charge: (n) => ctx.chargeDecompressed(n),
    checkDeadline: () => ctx.checkDeadline(),
  });
  let data = await readAll(src);
  if (type === "lzma") data = withSevenZipDictionary(data);
  const result = await sevenZipExtract(data, type, (_path, n) => guard.add(n));
  if (result.stoppedBy !== undefined) throw result.stoppedBy;
  const verdict = classifyMessages(result.run);
  if (verdict.trailing) ctx.report("archive/trailing-data", { message: `data follows the end of the ${type} stream` });
  if (verdict.corrupt.length > 0) ctx.report("archive/stream-corrupt", { message: `${type} stream integrity check failed: ${verdict.corrupt.join("; ")}` });
  const out = result.files[0];
  if (result.run.exitCode === "crashed" || verdict.damaged.length > 0 || !out) {
    const why = result.run.exitCode === "crashed" ? "the decoder crashed" : verdict.damaged.join("; ") || "nothing could be decoded";
    if (!out || out.data.length === 0) throw new MalformedError(`${type} stream could not be decoded: ${why}`);
    ctx.report("scanner/unparseable", { message: `${type} stream is damaged (${why}); the ${out.data.length} bytes decoded before the damage were scanned` });
  }
  await ctx.scanMember(createMemberFile(file, streamMemberName(file.name), createBufferSource(out.data)));
}
