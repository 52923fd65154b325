/**
 * Zstandard streams (pandas `compression="zstd"`, joblib `compress="zstd"`), decoded with fzstd (pure JS, no
 * native build; loaded only when a zstd stream is found). fzstd allocates a frame's whole window up front and
 * decodes everything it is given in one synchronous call, so it is never handed a frame header or more than one
 * block at a time unchecked: the frame structure is walked here first (headers and block sizes are readable
 * without decoding), windows larger than what libzstd accepts by default (128 MiB, the limit Python's
 * zstandard module applies too) are refused, and each block (at most 128 KiB of output) is pushed on its own,
 * so the caller's OutputGuard stops a bomb after the block that crosses a limit.
 */
import { MalformedError, ModelgateError } from "../core/errors.js";
import type { ByteSource } from "../core/source.js";
import { isAllZero, readExact } from "./frames.js";

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** ZSTD_WINDOWLOG_LIMIT_DEFAULT: libzstd (and so Python's zstandard and pandas) refuses larger windows. */
export const MAX_ZSTD_WINDOW = 1 << 27;
const BLOCK_MAX = 128 * 1024;

export interface ZstdInfo {
  frames: number;
  trailing?: { offset: number; length: number };
}

interface FzstdDecompress {
  push(chunk: Uint8Array, final?: boolean): void;
}
type FzstdModule = { Decompress: new (ondata: (data: Uint8Array, final: boolean) => void) => FzstdDecompress };

let fzstd: Promise<FzstdModule> | undefined;
function loadFzstd(): Promise<FzstdModule> {
  fzstd ??= import("fzstd") as unknown as Promise<FzstdModule>;
  return fzstd;
}

function fzstdError(e: unknown, at: number): MalformedError {
  return new MalformedError(`corrupt zstd data: ${e instanceof Error ? e.message : String(e)}`, at);
}

/** Decompresses every zstd frame of a source (skippable frames skipped), yielding the output block by block. */
export async function* zstdChunks(source: ByteSource, info: ZstdInfo): AsyncGenerator<Buffer> {
  const { Decompress } = await loadFzstd();
  let at = 0;
  while (at < source.size) {
    const magicBuf = await source.read(at, 4);
    const magic = magicBuf.length === 4 ? magicBuf.readUInt32LE(0) : -1;
    if (magic >= 0 && ((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      at += 8 + (await readExact(source, at + 4, 4, "zstd", "skippable frame header")).readUInt32LE(0);
      continue;
    }
    if (magic !== ZSTD_MAGIC) {
      if (info.frames === 0) throw new MalformedError("not a zstd frame", at);
      if (!(await isAllZero(source, at))) info.trailing = { offset: at, length: source.size - at };
      return;
    }
    const fhd = (await readExact(source, at + 4, 1, "zstd", "frame header"))[0]!;
    if (fhd & 0x08) throw new MalformedError("zstd frame header has its reserved bit set", at + 4);
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? single : 1 << fcsFlag;
    const headerLen = 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
    const header = await readExact(source, at, headerLen, "zstd", "frame header");
    let p = 5;
    let window = 0;
    if (!single) {
      const wd = header[p++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    let dictId = 0;
    for (let i = 0; i < dictBytes; i++) dictId += header[p + i]! * 2 ** (8 * i);
    p += dictBytes;
    let fcs = 0;
    for (let i = 0; i < fcsBytes; i++) fcs += header[p + i]! * 2 ** (8 * i);
    if (fcsBytes === 2) fcs += 256;
    if (single) window = fcs;
    if (dictId !== 0) throw new ModelgateError("UNSUPPORTED", `zstd frame needs dictionary ${dictId}, which is not in the file`);
    if (window > MAX_ZSTD_WINDOW) {
      throw new MalformedError(`zstd frame asks for a ${window}-byte window, more than the ${MAX_ZSTD_WINDOW} bytes libzstd (and so pandas and joblib) accept by default`, at);
    }
    info.frames++;
    const blockMax = Math.min(BLOCK_MAX, Math.max(window, 1));
    const out: Buffer[] = [];
    const decoder = new Decompress((data) => {
      if (data.length > 0) out.push(Buffer.from(data));
    });
    let pending: Buffer = header;
    let q = at + headerLen;
    for (;;) {
      const bh = await readExact(source, q, 3, "zstd", "block header");
      const word = bh[0]! | (bh[1]! << 8) | (bh[2]! << 16);
      const last = word & 1;
      const type = (word >> 1) & 3;
      const size = word >>> 3;
      if (type === 3) throw new MalformedError("zstd block has the reserved block type", q);
      if (size > blockMax) throw new MalformedError(`zstd block of ${size} bytes is larger than the frame's ${blockMax}-byte maximum`, q);
      const dataLen = type === 1 ? 1 : size;
      const block = await readExact(source, q, 3 + dataLen, "zstd", "block");
      q += 3 + dataLen;
      const tail = last && checksum ? await readExact(source, q, 4, "zstd", "content checksum") : Buffer.alloc(0);
      if (last) q += tail.length;
      try {
        decoder.push(Buffer.concat([pending, block, tail]));
      } catch (e) {
        throw fzstdError(e, q);
      }
      pending = Buffer.alloc(0);
      while (out.length > 0) yield out.shift()!;
      if (last) break;
    }
    at = q;
  }
}
