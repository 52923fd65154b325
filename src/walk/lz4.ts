/**
 * LZ4 frame decoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), as joblib writes it for
 * `compress='lz4'` (python-lz4's lz4.frame). Written here rather than taken from npm: the pure-JS package
 * (lz4js 0.2.0) reads block checksums before the block instead of after it, ignores content sizes and
 * concatenated frames and does no bounds checks, so a frame with block checksums decodes to garbage and a
 * hostile one reads past its buffers. This decoder checks every length against its input and output, yields
 * one block at a time (at most 4 MiB), and keeps only the 64 KiB window linked blocks refer back to, so the
 * caller's OutputGuard stops a bomb after the block that crosses a limit.
 */
import { MalformedError } from "../core/errors.js";
import type { ByteSource } from "../core/source.js";
import { isAllZero, readExact } from "./frames.js";

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const WINDOW = 64 * 1024;
const BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

export interface Lz4Info {
  frames: number;
  /** Bytes after the last frame that are neither a frame nor zero padding. */
  trailing?: { offset: number; length: number };
}

/** Decodes one LZ4 block into `out` from `op` (bytes before `op` are the window matches may reach); returns the new end. */
export function decodeLz4Block(src: Buffer, start: number, end: number, out: Buffer, op: number, windowStart: number): number {
  let ip = start;
  const cap = out.length;
  const bad = (what: string): never => {
    throw new MalformedError(`corrupt LZ4 block: ${what}`, ip);
  };
  while (ip < end) {
    const token = src[ip++]!;
    let lit = token >> 4;
    if (lit === 15) {
      for (;;) {
        if (ip >= end) bad("literal length runs past the block");
        const b = src[ip++]!;
        lit += b;
        if (b !== 255) break;
      }
    }
    if (ip + lit > end) bad("literals run past the block");
    if (op + lit > cap) bad("block decodes to more than its maximum size");
    src.copy(out, op, ip, ip + lit);
    ip += lit;
    op += lit;
    if (ip === end) break; // the last sequence holds literals only
    if (ip + 2 > end) bad("match offset runs past the block");
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || op - offset < windowStart) bad("match offset points before the data");
    let len = token & 15;
    if (len === 15) {
      for (;;) {
        if (ip >= end) bad("match length runs past the block");
        const b = src[ip++]!;
        len += b;
        if (b !== 255) break;
      }
    }
    len += 4;
    if (op + len > cap) bad("block decodes to more than its maximum size");
    let from = op - offset;
    if (offset >= len) {
      out.copy(out, op, from, from + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++) out[op++] = out[from++]!;
    }
  }
  return op;
}

/** Decompresses every LZ4 frame of a source (skippable frames skipped), yielding the output block by block. */
export async function* lz4FrameChunks(source: ByteSource, info: Lz4Info): AsyncGenerator<Buffer> {
  let at = 0;
  while (at < source.size) {
    const magicBuf = await source.read(at, 4);
    const magic = magicBuf.length === 4 ? magicBuf.readUInt32LE(0) : -1;
    if (magic >= 0 && ((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      const len = (await readExact(source, at + 4, 4, "LZ4", "skippable frame header")).readUInt32LE(0);
      at += 8 + len;
      continue;
    }
    if (magic !== FRAME_MAGIC) {
      if (info.frames === 0) throw new MalformedError("not an LZ4 frame", at);
      if (!(await isAllZero(source, at))) info.trailing = { offset: at, length: source.size - at };
      return;
    }
    const desc = await readExact(source, at + 4, 2, "LZ4", "frame descriptor");
    const flg = desc[0]!;
    const bd = desc[1]!;
    if (flg >> 6 !== 1) throw new MalformedError(`LZ4 frame version ${flg >> 6} is not 1`, at + 4);
    if (flg & 0x02 || bd & 0x8f) throw new MalformedError("LZ4 frame descriptor has reserved bits set", at + 4);
    const blockMax = BLOCK_MAX[(bd >> 4) & 7];
    if (blockMax === undefined) throw new MalformedError(`LZ4 block maximum size code ${(bd >> 4) & 7} is invalid`, at + 5);
    const independent = (flg & 0x20) !== 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    let p = at + 6 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1;
    if (p > source.size) throw new MalformedError("LZ4 frame header truncated", at);
    info.frames++;
    const window = independent ? 0 : WINDOW;
    let out = Buffer.allocUnsafe(window + blockMax);
    let kept = 0; // bytes of history at the start of `out`
    for (;;) {
      const word = (await readExact(source, p, 4, "LZ4", "block header")).readUInt32LE(0);
      p += 4;
      if (word === 0) break;
      const raw = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw new MalformedError(`LZ4 block of ${size} bytes is larger than the frame's ${blockMax}-byte maximum`, p - 4);
      const data = await readExact(source, p, size, "LZ4", "block");
      p += size + (blockChecksum ? 4 : 0);
      let end: number;
      if (raw) {
        data.copy(out, kept);
        end = kept + size;
      } else {
        end = decodeLz4Block(data, 0, size, out, kept, 0);
      }
      yield Buffer.from(out.subarray(kept, end));
      if (window > 0) {
        const keep = Math.min(window, end);
        const next = Buffer.allocUnsafe(window + blockMax);
        out.copy(next, 0, end - keep, end);
        out = next;
        kept = keep;
      }
    }
    at = p + (contentChecksum ? 4 : 0);
    if (at > source.size) throw new MalformedError("LZ4 frame ends without its content checksum (truncated)", p);
  }
}
