import { pipeline, Readable } from "node:stream";
import zlib from "node:zlib";
import { MalformedError } from "../core/errors.js";
import type { ByteSource } from "../core/source.js";
import { isAllZero } from "./frames.js";

/** Compressed bytes read from the source at a time. */
const INPUT_CHUNK = 1024 * 1024;

export type DeflateWrapper = "raw" | "zlib";

/** What an inflate run learned about its input once the output is consumed. */
export interface InflateResult {
  /** Compressed bytes the deflate stream (with its zlib header and trailer) took. */
  consumed: number;
}

async function* readRange(source: ByteSource, start: number, end: number): AsyncGenerator<Buffer> {
  for (let at = start; at < end; ) {
    const buf = await source.read(at, Math.min(INPUT_CHUNK, end - at));
    if (buf.length === 0) return;
    at += buf.length;
    yield buf;
  }
}

function zlibMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "Z_BUF_ERROR") return "compressed data ends before the end of the deflate stream (truncated)";
  return `corrupt deflate data: ${err.message}`;
}

/**
 * Inflates the deflate stream starting at `start` (raw deflate as in zip and gzip members, or zlib-wrapped
 * as joblib writes it), yielding output chunks as they come (node:zlib's streaming inflater: memory stays at a
 * few chunks, and a consumer that stops iterating stops decompression at once). Reading stops at `end`; the
 * stream may end earlier, and `result.consumed` then says where. Throws MalformedError for corrupt or
 * truncated data.
 */
export async function* inflateChunks(
  source: ByteSource,
  start: number,
  end: number,
  wrapper: DeflateWrapper,
  result?: InflateResult,
): AsyncGenerator<Buffer> {
  const inflater = wrapper === "raw" ? zlib.createInflateRaw({ chunkSize: 256 * 1024 }) : zlib.createInflate({ chunkSize: 256 * 1024 });
  const input = Readable.from(readRange(source, start, Math.min(end, source.size)), { objectMode: false, highWaterMark: INPUT_CHUNK });
  // Errors reach the loop below through the inflater (pipeline destroys it with the input's error);
  // the callback only sees the abort that ending early causes.
  pipeline(input, inflater, () => undefined);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof MalformedError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === "string" && err.code.startsWith("Z_")) throw new MalformedError(zlibMessage(e), start);
    throw e;
  } finally {
    inflater.destroy();
    input.destroy();
  }
  if (result) result.consumed = inflater.bytesWritten;
}

/** Facts about a gzip file gathered while decompressing it. */
export interface GzipInfo {
  /** gzip members (concatenated streams) seen. */
  members: number;
  /** FNAME of the first member, when set (the original file name, latin-1). */
  fileName?: string;
  /** Members whose CRC-32 or length in the trailer does not match the data. */
  badTrailers: number[];
  /** Non-zero bytes after the last member: offset and length. */
  trailing?: { offset: number; length: number };
}

const FTEXT = 1;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const MAX_HEADER_FIELD = 64 * 1024;

async function readZeroTerminated(source: ByteSource, at: number): Promise<{ value: Buffer; next: number }> {
  const buf = await source.read(at, MAX_HEADER_FIELD);
  const nul = buf.indexOf(0);
  if (nul < 0) throw new MalformedError("gzip header name/comment field is not terminated", at);
  return { value: buf.subarray(0, nul), next: at + nul + 1 };
}

/** Parses a gzip member header at `at`; returns where the deflate data starts. */
async function readGzipHeader(source: ByteSource, at: number, info: GzipInfo): Promise<number> {
  const h = await source.read(at, 10);
  if (h.length < 10 || h[0] !== 0x1f || h[1] !== 0x8b) throw new MalformedError("not a gzip member header", at);
  if (h[2] !== 8) throw new MalformedError(`gzip compression method ${h[2]} is not deflate`, at);
  const flags = h[3]!;
  if (flags & ~(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT)) throw new MalformedError(`gzip header has reserved flag bits set (0x${flags.toString(16)})`, at);
  let p = at + 10;
  if (flags & FEXTRA) {
    const x = await source.read(p, 2);
    if (x.length < 2) throw new MalformedError("gzip header truncated", p);
    p += 2 + x.readUInt16LE(0);
  }
  if (flags & FNAME) {
    const { value, next } = await readZeroTerminated(source, p);
    if (info.members === 0) info.fileName = value.toString("latin1");
    p = next;
  }
  if (flags & FCOMMENT) p = (await readZeroTerminated(source, p)).next;
  if (flags & FHCRC) p += 2;
  if (p > source.size) throw new MalformedError("gzip header truncated", at);
  return p;
}

/** The FNAME of a gzip file's first member (the original file name), when set and readable. */
export async function gzipStoredName(source: ByteSource): Promise<string | undefined> {
  const info: GzipInfo = { members: 0, badTrailers: [] };
  try {
    await readGzipHeader(source, 0, info);
  } catch (e) {
    if (e instanceof MalformedError) return undefined;
    throw e;
  }
  return info.fileName;
}

/**
 * Decompresses a gzip file member by member (RFC 1952: header, raw deflate, CRC-32 and size trailer),
 * yielding output chunks. Checks each trailer itself, so a bad CRC is reported in `info` rather than losing
 * the output, and notes data after the last member (zero padding is accepted, as gzip does).
 */
export async function* gunzipChunks(source: ByteSource, info: GzipInfo): AsyncGenerator<Buffer> {
  let at = 0;
  while (at < source.size) {
    if (info.members > 0) {
      const magic = await source.read(at, 2);
      if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
        if (!(await isAllZero(source, at))) info.trailing = { offset: at, length: source.size - at };
        return;
      }
    }
    const dataStart = await readGzipHeader(source, at, info);
    const result: InflateResult = { consumed: 0 };
    let crc = 0;
    let length = 0;
    for await (const chunk of inflateChunks(source, dataStart, source.size, "raw", result)) {
      crc = zlib.crc32(chunk, crc);
      length += chunk.length;
      yield chunk;
    }
    const trailerAt = dataStart + result.consumed;
    const trailer = await source.read(trailerAt, 8);
    if (trailer.length < 8) throw new MalformedError("gzip member ends without its CRC-32/size trailer (truncated)", trailerAt);
    if (trailer.readUInt32LE(0) !== crc >>> 0 || trailer.readUInt32LE(4) !== length % 2 ** 32) info.badTrailers.push(info.members);
    info.members++;
    at = trailerAt + 8;
  }
}
