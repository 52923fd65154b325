import { LimitError, MalformedError } from "../../core/errors.js";
import type { ByteSource } from "../../core/source.js";

const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;

/**
 * Sequential reader of a GGUF header. Bytes come from the source in growing chunks (64 KiB up to
 * 1 MiB), so a small header costs one read and a 50 MB vocabulary about fifty, and reading stops at most
 * one chunk past the header — tensor data is never read on purpose. Values are read synchronously from
 * the buffered window once `need()` has made them available.
 */
export class GgufReader {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  private chunk = FIRST_CHUNK;
  /** Absolute offset of the next byte. */
  pos: number;
  readonly littleEndian: boolean;
  private readonly source: ByteSource;
  /** Bytes of header this reader may consume (the header-size limit). */
  private readonly limit: number;

  constructor(source: ByteSource, littleEndian: boolean, limit: number, start = 0) {
    this.source = source;
    this.littleEndian = littleEndian;
    this.limit = limit;
    this.pos = start;
  }

  /** True when `n` bytes at the current position are buffered. */
  has(n: number): boolean {
    return this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length;
  }

  private bound(n: number): void {
    if (this.pos + n > this.limit) {
      throw new LimitError("ggufHeaderBytes", this.pos + n, this.limit, `GGUF header is larger than ${this.limit} bytes`);
    }
    if (this.pos + n > this.source.size) throw new MalformedError("GGUF header runs past the end of the file", this.pos);
  }

  /** Makes `n` bytes at the current position available. */
  async need(n: number): Promise<void> {
    if (this.has(n)) return;
    this.bound(n);
    const stop = Math.min(this.source.size, this.limit);
    const readLen = Math.min(Math.max(n, this.chunk), stop - this.pos);
    const end = this.bufStart + this.buf.length;
    let data: Buffer;
    if (this.pos >= this.bufStart && this.pos < end) {
      const tail = this.buf.subarray(this.pos - this.bufStart);
      data = Buffer.concat([tail, await this.source.read(end, readLen - tail.length)]);
    } else {
      data = await this.source.read(this.pos, readLen);
    }
    if (data.length < n) throw new MalformedError("GGUF header runs past the end of the file", this.pos);
    this.buf = data;
    this.bufStart = this.pos;
    this.chunk = Math.min(this.chunk * 2, MAX_CHUNK);
  }

  /** Moves past `n` bytes without reading them (fixed-size arrays, strings that are not kept). */
  skip(n: number): void {
    this.bound(n);
    this.pos += n;
  }

  private at(n: number): number {
    if (!this.has(n)) throw new MalformedError("internal: GGUF read before need()", this.pos);
    const off = this.pos - this.bufStart;
    this.pos += n;
    return off;
  }

  u8(): number {
    return this.buf[this.at(1)]!;
  }
  i8(): number {
    return this.buf.readInt8(this.at(1));
  }
  u16(): number {
    const o = this.at(2);
    return this.littleEndian ? this.buf.readUInt16LE(o) : this.buf.readUInt16BE(o);
  }
  i16(): number {
    const o = this.at(2);
    return this.littleEndian ? this.buf.readInt16LE(o) : this.buf.readInt16BE(o);
  }
  u32(): number {
    const o = this.at(4);
    return this.littleEndian ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o);
  }
  i32(): number {
    const o = this.at(4);
    return this.littleEndian ? this.buf.readInt32LE(o) : this.buf.readInt32BE(o);
  }
  u64(): bigint {
    const o = this.at(8);
    return this.littleEndian ? this.buf.readBigUInt64LE(o) : this.buf.readBigUInt64BE(o);
  }
  i64(): bigint {
    const o = this.at(8);
    return this.littleEndian ? this.buf.readBigInt64LE(o) : this.buf.readBigInt64BE(o);
  }
  f32(): number {
    const o = this.at(4);
    return this.littleEndian ? this.buf.readFloatLE(o) : this.buf.readFloatBE(o);
  }
  f64(): number {
    const o = this.at(8);
    return this.littleEndian ? this.buf.readDoubleLE(o) : this.buf.readDoubleBE(o);
  }
  bytes(n: number): Buffer {
    const o = this.at(n);
    return this.buf.subarray(o, o + n);
  }
}
