/**
 * Generators for the benchmark's large inputs. Written by Node at bench time (never committed).
 * Pickles are assembled opcode by opcode; nothing here is ever unpickled.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { deflateRawSync, gzipSync } from "node:zlib";
import { crc32 } from "node:zlib";

async function writeChunks(path: string, chunks: Iterable<Buffer>): Promise<void> {
  const out = createWriteStream(path);
  for (const c of chunks) if (!out.write(c)) await once(out, "drain");
  out.end();
  await once(out, "finish");
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** ~`total` bytes of pickle: a dict of 1 MiB BINBYTES8 payloads (weights-like). */
export async function writePayloadPickle(path: string, total: number): Promise<void> {
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  const n = Math.max(1, Math.floor(total / chunk.length));
  function* gen(): Generator<Buffer> {
    yield Buffer.from([0x80, 0x04, 0x7d, 0x28]); // PROTO 4, EMPTY_DICT, MARK
    for (let i = 0; i < n; i++) {
      const key = Buffer.from(`layer.${i}.weight`);
      yield Buffer.concat([Buffer.from([0x8c, key.length]), key, Buffer.from([0x8e]), u64(chunk.length)]); // SHORT_BINUNICODE, BINBYTES8
      yield chunk;
    }
    yield Buffer.from([0x75, 0x2e]); // SETITEMS, STOP
  }
  await writeChunks(path, gen());
}

/** ~`total` bytes of an opcode-dense pickle: a list of small ints, floats and short strings (sklearn/tokenizer-like). */
export async function writeDensePickle(path: string, total: number): Promise<void> {
  const block: Buffer[] = [];
  for (let i = 0; i < 4096; i++) {
    const s = Buffer.from(`tok${i}`);
    const f = Buffer.alloc(9);
    f[0] = 0x47; // BINFLOAT
    f.writeDoubleBE(i / 7, 1);
    block.push(Buffer.from([0x4a]), u32(i * 7919), f, Buffer.from([0x8c, s.length]), s); // BININT, BINFLOAT, SHORT_BINUNICODE
  }
  const body = Buffer.concat(block);
  const n = Math.max(1, Math.floor(total / (body.length + 2)));
  function* gen(): Generator<Buffer> {
    yield Buffer.from([0x80, 0x04, 0x5d]); // PROTO 4, EMPTY_LIST
    for (let i = 0; i < n; i++) {
      yield Buffer.from([0x28]); // MARK
      yield body;
      yield Buffer.from([0x65]); // APPENDS
    }
    yield Buffer.from([0x2e]);
  }
  await writeChunks(path, gen());
}

/** A pickle that memoizes `count` values: the memo limit must stop it. */
export async function writeMemoBomb(path: string, count: number): Promise<void> {
  const body = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) {
    body[2 * i] = 0x4e; // NONE
    body[2 * i + 1] = 0x94; // MEMOIZE
  }
  await writeChunks(path, [Buffer.from([0x80, 0x04]), body, Buffer.from([0x2e])]);
}

/** 200k nested MARK … LIST. */
export async function writeNestedMarks(path: string, depth: number): Promise<void> {
  await writeChunks(path, [Buffer.from([0x80, 0x02]), Buffer.alloc(depth, 0x28), Buffer.alloc(depth, 0x6c), Buffer.from([0x2e])]);
}

/** A pickle whose BINUNICODE8 length claims far more than the file holds. */
export async function writeHugeLength(path: string): Promise<void> {
  await writeChunks(path, [Buffer.from([0x80, 0x04, 0x8d]), u64(2 ** 52), Buffer.from("short")]);
}

function zipOf(name: string, data: Buffer, method: 0 | 8, uncompressedSize: number, crc: number): Buffer {
  const nameBuf = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(uncompressedSize, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(uncompressedSize, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  const cdOffset = 30 + nameBuf.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + nameBuf.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, eocd]);
}

/** A zip with one deflated member of `size` zero bytes (a decompression bomb). */
export async function writeZipBomb(path: string, size: number): Promise<void> {
  const zeros = Buffer.alloc(size);
  await writeChunks(path, [zipOf("archive/data.pkl", deflateRawSync(zeros, { level: 9 }), 8, size, crc32(zeros))]);
}

/** A gzip stream of `size` zero bytes. */
export async function writeGzipBomb(path: string, size: number): Promise<void> {
  await writeChunks(path, [gzipSync(Buffer.alloc(size), { level: 9 })]);
}
