import { LimitError, MalformedError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import { detectFormat } from "../../detect/detect.js";
import { SNIFF_HEAD_BYTES, SNIFF_TAIL_BYTES } from "../../detect/sniff.js";
import { OutputGuard } from "../../walk/output-guard.js";
import { createStreamedSource } from "../../walk/streamed-source.js";
import type { AnalyzerContext } from "../analyzer.js";

/** Suffixes a compressed stream's name loses once decompressed (`.tgz` becomes `.tar`). */
const SUFFIXES: Array<[RegExp, string]> = [
  [/\.(tgz|taz)$/i, ".tar"],
  [/\.(txz)$/i, ".tar"],
  [/\.(tbz2?|tbz)$/i, ".tar"],
  [/\.(tlz)$/i, ".tar"],
  [/\.(tzst)$/i, ".tar"],
  [/\.(gz|gzip|xz|bz2|bzip2|lzma|z|zz|zlib|zst|zstd|lz4)$/i, ""],
];

/** The name of the one member a compressed stream holds: the gzip FNAME when set, else the stream's name less its suffix. */
export function streamMemberName(streamName: string, storedName?: string): string {
  if (storedName) {
    const base = storedName.split(/[\\/]/).filter(Boolean).pop();
    if (base && base !== "." && base !== "..") return base;
  }
  for (const [re, to] of SUFFIXES) if (re.test(streamName)) return streamName.replace(re, to) || streamName;
  return streamName;
}

/** A decompressor that can be started again from the beginning. */
export type OpenStream = () => AsyncIterable<Buffer>;

/** Yields what `open` yields and stops quietly at the first error (it was reported during the first pass). */
async function* untilError(open: OpenStream): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of open()) yield chunk;
  } catch {
    return;
  }
}

/**
 * Decompresses a stream and scans what it holds as one member. Small content and anything that is not a tar
 * is held in memory (within maxMemberBytes). A tar is not: its size is counted in a first pass, then the tar
 * reader gets a source that decompresses again as it reads forward, holding only the member it scans, so a
 * multi-GB .nemo or .tar.gz costs a second decompression instead of its size in memory.
 *
 * Corrupt or truncated data is reported, and whatever came out before the damage is still scanned: a loader
 * that reads the stream as it decompresses (pickle.load on a gzip file) runs that part before it sees the error.
 */
export async function scanStreamContent(file: VirtualFile, ctx: AnalyzerContext, what: string, memberName: string, open: OpenStream): Promise<void> {
  const { limits } = ctx;
  const guard = new OutputGuard({
    what,
    compressedSize: file.source.size,
    limits,
    maxBytes: Number.POSITIVE_INFINITY,
    charge: (n) => ctx.chargeDecompressed(n),
    checkDeadline: () => ctx.checkDeadline(),
  });
  let mode = "undecided" as "undecided" | "buffer" | "stream";
  let held: Buffer[] = [];
  let heldBytes = 0;
  let head: Buffer = Buffer.alloc(0);
  const tail: Buffer[] = [];
  let tailBytes = 0;
  let damage: MalformedError | undefined;

  const decide = (): void => {
    const start = held.length === 1 ? held[0]! : Buffer.concat(held);
    held = [start];
    const looksTar = detectFormat({ head: start.subarray(0, SNIFF_HEAD_BYTES), tail: start, size: start.length, name: memberName }) === "tar";
    mode = looksTar && start.length >= SNIFF_HEAD_BYTES ? "stream" : "buffer";
    if (mode === "stream") {
      head = start;
      held = [];
      tail.push(start);
      tailBytes = start.length;
    }
  };

  try {
    for await (const chunk of open()) {
      guard.add(chunk.length);
      if (mode === "stream") {
        tail.push(chunk);
        tailBytes += chunk.length;
        while (tail.length > 1 && tailBytes - tail[0]!.length >= SNIFF_TAIL_BYTES) tailBytes -= tail.shift()!.length;
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      if (mode === "undecided" && heldBytes >= SNIFF_HEAD_BYTES) decide();
      if (mode === "buffer" && heldBytes > limits.maxMemberBytes) {
        throw new LimitError("maxMemberBytes", heldBytes, limits.maxMemberBytes, `${what} decompresses to more than ${limits.maxMemberBytes} bytes`);
      }
    }
  } catch (e) {
    if (!(e instanceof MalformedError)) throw e;
    damage = e;
    ctx.report("scanner/unparseable", {
      message: `${what} is damaged after ${guard.produced} bytes of output (${e.message}); the part before was scanned`,
      ...(e.offset !== undefined ? { offset: e.offset } : {}),
    });
  }
  if (mode === "undecided") decide();
  if (mode === "buffer") {
    const data = held.length === 1 ? held[0]! : Buffer.concat(held);
    if (damage && data.length === 0) return;
    await ctx.scanMember(createMemberFile(file, memberName, createBufferSource(data)));
    return;
  }
  const all = Buffer.concat(tail);
  const size = guard.produced;
  const source = createStreamedSource({
    size,
    head,
    tail: all.subarray(Math.max(0, all.length - SNIFF_TAIL_BYTES)),
    open: damage ? () => untilError(open) : open,
  });
  await ctx.scanMember(createMemberFile(file, memberName, source));
}
