/**
 * Generators for the benchmark's large inputs. Written by Node at bench time (never committed).
 * Pickles are assembled opcode by opcode; nothing here is ever unpickled.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { gzipBomb, zipBomb } from "../test/fixtures/archive/bombs.js";

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

/** A zip with one deflated member of `mib` MiB of zeros (a decompression bomb), built by the test fixtures. */
export async function writeZipBomb(path: string, mib: number): Promise<void> {
  await writeChunks(path, [zipBomb(mib, "archive/data.pkl")]);
}

/** A gzip stream of `mib` MiB of zeros. */
export async function writeGzipBomb(path: string, mib: number): Promise<void> {
  await writeChunks(path, [gzipBomb(mib)]);
}
