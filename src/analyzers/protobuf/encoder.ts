/**
 * A minimal protobuf wire-format writer. modelgate never writes models; this exists so tests and benchmarks can
 * build TensorFlow and ONNX messages byte for byte from their .proto field numbers (Python TensorFlow is not
 * available to generate fixtures), and so the large-file generator can write headers around sparse payloads.
 */
import { WireType } from "./wire.js";

export function encodeVarint(value: number | bigint): Buffer {
  let v = typeof value === "bigint" ? BigInt.asUintN(64, value) : BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export function encodeTag(field: number, wireType: number): Buffer {
  return encodeVarint(field * 8 + wireType);
}

/** Builds one message; nested messages are written with `message(field, w => …)`. */
export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  varint(field: number, value: number | bigint): this {
    this.parts.push(encodeTag(field, WireType.VARINT), encodeVarint(value));
    return this;
  }

  bytes(field: number, value: Uint8Array | string): this {
    const b = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
    this.parts.push(encodeTag(field, WireType.LEN), encodeVarint(b.length), b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, value);
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  /** Packed repeated varints. */
  packed(field: number, values: readonly (number | bigint)[]): this {
    return this.bytes(field, Buffer.concat(values.map((v) => encodeVarint(v))));
  }

  fixed32(field: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.parts.push(encodeTag(field, WireType.I32), b);
    return this;
  }

  float(field: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.parts.push(encodeTag(field, WireType.I32), b);
    return this;
  }

  fixed64(field: number, value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, value));
    this.parts.push(encodeTag(field, WireType.I64), b);
    return this;
  }

  /** Appends bytes as they are (hand-made malformed input in tests). */
  raw(bytes: Uint8Array): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeMessage(build: (w: ProtoWriter) => void): Buffer {
  const w = new ProtoWriter();
  build(w);
  return w.finish();
}
