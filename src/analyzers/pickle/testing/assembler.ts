/**
 * Test helper: writes pickle streams opcode by opcode, so tests can build exactly the byte
 * sequences an attacker would (nothing here is used outside tests).
 */
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}
function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}
/** Two's complement little-endian bytes of `v`, as LONG1/LONG4 carry them. */
function longBytes(v: bigint): Buffer {
  if (v === 0n) return Buffer.alloc(0);
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    const last = out[out.length - 1]!;
    if ((x === 0n && (last & 0x80) === 0) || (x === -1n && (last & 0x80) !== 0)) break;
  }
  return Buffer.from(out);
}

export class PickleAssembler {
  private readonly parts: Buffer[] = [];

  /** Appends raw bytes (an opcode byte, a bogus operand…). */
  raw(...bytes: Array<number | Buffer | string>): this {
    for (const b of bytes) this.parts.push(typeof b === "number" ? Buffer.from([b]) : typeof b === "string" ? Buffer.from(b, "latin1") : b);
    return this;
  }
  private op(code: number, ...operand: Buffer[]): this {
    return this.raw(code, ...operand);
  }

  proto(v: number): this { return this.op(0x80, Buffer.from([v])); }
  frame(n: number | bigint): this { return this.op(0x95, u64(n)); }
  stop(): this { return this.op(0x2e); }
  mark(): this { return this.op(0x28); }
  pop(): this { return this.op(0x30); }
  popMark(): this { return this.op(0x31); }
  dup(): this { return this.op(0x32); }

  none(): this { return this.op(0x4e); }
  newTrue(): this { return this.op(0x88); }
  newFalse(): this { return this.op(0x89); }
  int(text: string | number): this { return this.raw(0x49, `${text}\n`); }
  binint(n: number): this { return this.op(0x4a, i32(n)); }
  binint1(n: number): this { return this.op(0x4b, Buffer.from([n])); }
  binint2(n: number): this { return this.op(0x4d, u16(n)); }
  long(text: string): this { return this.raw(0x4c, `${text}\n`); }
  long1(v: bigint): this { const b = longBytes(v); return this.op(0x8a, Buffer.from([b.length]), b); }
  long4(v: bigint): this { const b = longBytes(v); return this.op(0x8b, i32(b.length), b); }
  float(text: string): this { return this.raw(0x46, `${text}\n`); }
  binfloat(v: number): this { const b = Buffer.alloc(8); b.writeDoubleBE(v); return this.op(0x47, b); }

  /** STRING with the literal text between the quotes as given (escapes are not added). */
  string(quotedBody: string, quote = "'"): this { return this.raw(0x53, `${quote}${quotedBody}${quote}\n`); }
  binstring(data: Buffer | string): this { const b = Buffer.from(data); return this.op(0x54, i32(b.length), b); }
  shortBinstring(data: Buffer | string): this { const b = Buffer.from(data); return this.op(0x55, Buffer.from([b.length]), b); }
  /** UNICODE with the raw-unicode-escape text as given. */
  unicode(rawText: string): this { return this.raw(0x56, Buffer.from(`${rawText}\n`, "latin1")); }
  str(text: string): this { const b = Buffer.from(text, "utf8"); return b.length < 256 ? this.op(0x8c, Buffer.from([b.length]), b) : this.op(0x58, u32(b.length), b); }
  shortBinunicode(text: string): this { const b = Buffer.from(text, "utf8"); return this.op(0x8c, Buffer.from([b.length]), b); }
  binunicode(text: string | Buffer): this { const b = Buffer.from(text); return this.op(0x58, u32(b.length), b); }
  binunicode8(text: string): this { const b = Buffer.from(text, "utf8"); return this.op(0x8d, u64(b.length), b); }
  bytes(data: Buffer | string): this { const b = Buffer.from(data); return b.length < 256 ? this.op(0x43, Buffer.from([b.length]), b) : this.op(0x42, u32(b.length), b); }
  binbytes(data: Buffer): this { return this.op(0x42, u32(data.length), data); }
  binbytes8(data: Buffer): this { return this.op(0x8e, u64(data.length), data); }
  bytearray8(data: Buffer): this { return this.op(0x96, u64(data.length), data); }
  nextBuffer(): this { return this.op(0x97); }
  readonlyBuffer(): this { return this.op(0x98); }

  emptyList(): this { return this.op(0x5d); }
  append(): this { return this.op(0x61); }
  appends(): this { return this.op(0x65); }
  list(): this { return this.op(0x6c); }
  emptyTuple(): this { return this.op(0x29); }
  tuple(): this { return this.op(0x74); }
  tuple1(): this { return this.op(0x85); }
  tuple2(): this { return this.op(0x86); }
  tuple3(): this { return this.op(0x87); }
  emptyDict(): this { return this.op(0x7d); }
  dict(): this { return this.op(0x64); }
  setitem(): this { return this.op(0x73); }
  setitems(): this { return this.op(0x75); }
  emptySet(): this { return this.op(0x8f); }
  additems(): this { return this.op(0x90); }
  frozenset(): this { return this.op(0x91); }

  get(n: number | string): this { return this.raw(0x67, `${n}\n`); }
  binget(n: number): this { return this.op(0x68, Buffer.from([n])); }
  longBinget(n: number): this { return this.op(0x6a, u32(n)); }
  put(n: number | string): this { return this.raw(0x70, `${n}\n`); }
  binput(n: number): this { return this.op(0x71, Buffer.from([n])); }
  longBinput(n: number): this { return this.op(0x72, u32(n)); }
  memoize(): this { return this.op(0x94); }

  global(module: string, name: string): this { return this.raw(0x63, Buffer.from(`${module}\n${name}\n`, "utf8")); }
  /** SHORT_BINUNICODE module, SHORT_BINUNICODE name, STACK_GLOBAL. */
  stackGlobal(module?: string, name?: string): this {
    if (module !== undefined && name !== undefined) this.str(module).str(name);
    return this.op(0x93);
  }
  inst(module: string, name: string): this { return this.raw(0x69, Buffer.from(`${module}\n${name}\n`, "utf8")); }
  obj(): this { return this.op(0x6f); }
  reduce(): this { return this.op(0x52); }
  build(): this { return this.op(0x62); }
  newobj(): this { return this.op(0x81); }
  newobjEx(): this { return this.op(0x92); }
  ext1(code: number): this { return this.op(0x82, Buffer.from([code])); }
  ext2(code: number): this { return this.op(0x83, u16(code)); }
  ext4(code: number): this { return this.op(0x84, i32(code)); }
  persid(text: string): this { return this.raw(0x50, `${text}\n`); }
  binpersid(): this { return this.op(0x51); }

  /** `module.name(arg)` with one str argument: GLOBAL/STACK_GLOBAL, str, TUPLE1, REDUCE. */
  call(module: string, name: string, arg: string, opts: { stackGlobal?: boolean } = {}): this {
    if (opts.stackGlobal) this.stackGlobal(module, name);
    else this.global(module, name);
    return this.str(arg).tuple1().reduce();
  }

  /** The bytes written so far. */
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Starts a pickle; `proto` writes a PROTO opcode first. */
export function pickle(proto?: number): PickleAssembler {
  const a = new PickleAssembler();
  return proto === undefined ? a : a.proto(proto);
}

/** joblib's NumpyArrayWrapper for an array of `shape` and dtype `descr`, as NumpyPickler writes it (protocol 4), up to its BUILD. */
export function joblibWrapper(shape: number[], descr: string, opts: { aligned?: boolean; objectFlags?: boolean } = {}): PickleAssembler {
  const a = pickle(4)
    .stackGlobal("joblib.numpy_pickle", "NumpyArrayWrapper")
    .emptyTuple()
    .newobj()
    .emptyDict()
    .mark()
    .str("subclass")
    .stackGlobal("numpy", "ndarray")
    .str("shape")
    .mark();
  for (const d of shape) a.binint(d);
  a.tuple()
    .str("order")
    .str("C")
    .str("dtype")
    .stackGlobal("numpy", "dtype")
    .str(descr)
    .newFalse()
    .newTrue()
    .tuple3()
    .reduce()
    .mark()
    .binint1(3)
    .str("<")
    .none()
    .none()
    .none()
    .binint(-1)
    .binint(-1)
    .binint1(opts.objectFlags ? 63 : 0)
    .tuple()
    .build()
    .str("allow_mmap")
    .newTrue();
  if (opts.aligned) a.str("numpy_array_alignment_bytes").binint1(16);
  return a.setitems().build();
}
