/**
 * Reading helpers shared by the compressed-stream readers (gzip, zstd, LZ4): exact reads that fail as
 * MalformedError with the format named, and the zero-padding check for bytes after the last frame.
 */
import { MalformedError } from "../core/errors.js";
import type { ByteSource } from "../core/source.js";

const CHUNK = 1 << 20;

/** `n` bytes at `at`, or a MalformedError saying which part of a `format` stream was cut short. */
export async function readExact(source: ByteSource, at: number, n: number, format: string, what: string): Promise<Buffer> {
  const buf = await source.read(at, n);
  if (buf.length < n) throw new MalformedError(`${format} ${what} truncated`, at);
  return buf;
}

/** True when everything from `start` to the end is zero bytes (padding the tools accept after the last frame). */
export async function isAllZero(source: ByteSource, start: number): Promise<boolean> {
  for (let at = start; at < source.size; at += CHUNK) {
    const buf = await source.read(at, CHUNK);
    for (const b of buf) if (b !== 0) return false;
  }
  return true;
}
