import zlib from "node:zlib";
import { LimitError, MalformedError, ModelgateError } from "../../core/errors.js";
import { createBufferSource, createSliceSource, type ByteSource } from "../../core/source.js";
import { inflateChunks } from "../inflate.js";
import { BoundedCollector, type OutputGuard } from "../output-guard.js";
import {
  FLAG_LZMA_EOS,
  FLAG_UTF8,
  METHOD_BZIP2,
  METHOD_DEFLATE,
  METHOD_DEFLATE64,
  METHOD_LZMA,
  METHOD_STORED,
  METHOD_PPMD,
  METHOD_XZ,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_LOCAL,
  methodName,
} from "./zip-records.js";

/** Methods decoded here: stored and deflate natively, the others through 7-Zip. */
export const DECODABLE_METHODS: ReadonlySet<number> = new Set([METHOD_STORED, METHOD_DEFLATE, METHOD_DEFLATE64, METHOD_BZIP2, METHOD_LZMA, METHOD_XZ, METHOD_PPMD]);

/** Where a member's compressed bytes are and how they were compressed. */
export interface ZipMemberData {
  dataOffset: number;
  compressedSize: number;
  method: number;
  flags: number;
  /** As declared; used only to tell 7-Zip where an LZMA stream without end marker stops. */
  uncompressedSize: number;
}

/**
 * Gives a member's content: stored members are a window on the archive (no copy, no read until someone
 * reads it); compressed members are decompressed into memory under `guard`. Throws LimitError from the guard,
 * MalformedError for corrupt data and ModelgateError("UNSUPPORTED") for methods it cannot decode.
 */
export async function openZipMember(archive: ByteSource, m: ZipMemberData, guard: OutputGuard): Promise<ByteSource> {
  const end = m.dataOffset + m.compressedSize;
  if (m.method === METHOD_STORED) return createSliceSource(archive, m.dataOffset, m.compressedSize);
  if (m.method === METHOD_DEFLATE) {
    const out = new BoundedCollector(guard);
    for await (const chunk of inflateChunks(archive, m.dataOffset, end, "raw")) out.push(chunk);
    return createBufferSource(out.toBuffer());
  }
  if (!DECODABLE_METHODS.has(m.method)) throw new ModelgateError("UNSUPPORTED", `compression method ${m.method} (${methodName(m.method)}) is not supported`);
  const maxInput = guard.opts.limits.maxMemberBytes;
  if (m.compressedSize > maxInput) {
    throw new LimitError("maxMemberBytes", m.compressedSize, maxInput, `${methodName(m.method)} data of ${m.compressedSize} bytes is more than can be decoded in memory (${maxInput})`);
  }
  const data = await archive.read(m.dataOffset, m.compressedSize);
  return createBufferSource(await decodeWithSevenZip(m, data, guard));
}

/** A one-member zip around the compressed bytes, so 7-Zip's zip handler decodes the method. */
function wrapInZip(m: ZipMemberData, data: Buffer): Buffer {
  const name = Buffer.from("m");
  const flags = m.flags & (FLAG_LZMA_EOS | FLAG_UTF8);
  const usize = Math.min(m.uncompressedSize, 0xfffffffe);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(SIG_LOCAL, 0);
  local.writeUInt16LE(63, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt16LE(m.method, 8);
  local.writeUInt32LE(0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(usize, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(SIG_CENTRAL, 0);
  central.writeUInt16LE(63, 4);
  central.writeUInt16LE(63, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(m.method, 10);
  central.writeUInt32LE(0, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(usize, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + name.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(SIG_EOCD, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + name.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, data, central, name, eocd]);
}

async function decodeWithSevenZip(m: ZipMemberData, data: Buffer, guard: OutputGuard): Promise<Buffer> {
  // 7z-wasm is loaded only for the rare methods that need it (bzip2, LZMA, zstd… inside a zip): not for every zip.
  const { sevenZipExtract } = await import("../seven-zip/seven-zip.js");
  const result = await sevenZipExtract(wrapInZip(m, data), "zip", (_path, bytes) => guard.add(bytes));
  if (result.stoppedBy !== undefined) throw result.stoppedBy;
  const file = result.files[0];
  // 7-Zip checks a CRC we do not give it (the caller compares the real one), so only a missing output is an error.
  if (!file) throw new MalformedError(`${methodName(m.method)} data could not be decoded: ${result.run.messages.join("; ") || "7-Zip produced nothing"}`);
  return file.data;
}

/** CRC-32 of a source, read in chunks. */
export async function crc32OfSource(source: ByteSource, checkDeadline?: () => void): Promise<number> {
  let crc = 0;
  const CHUNK = 4 * 1024 * 1024;
  for (let at = 0; at < source.size; at += CHUNK) {
    crc = zlib.crc32(await source.read(at, CHUNK), crc);
    checkDeadline?.();
  }
  return crc >>> 0;
}
