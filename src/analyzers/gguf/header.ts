import { LimitError, MalformedError } from "../../core/errors.js";
import type { ByteSource } from "../../core/source.js";
import { GgufReader } from "./reader.js";
import { GGUF_VALUE, GGUF_VALUE_SIZE } from "./types.js";

/** Parser limits. Hitting one is a finding (LimitError), never a silent stop. */
export interface GgufLimits {
  /** Bytes of header (magic to the end of the tensor infos). */
  maxHeaderBytes: number;
  maxKeyValues: number;
  maxTensors: number;
  /** Arrays inside arrays (the reference reader supports none; the specification allows them). */
  maxArrayNesting: number;
  /** Dimensions parsed per tensor (readers accept 4; more than this is not a tensor description). */
  maxDimsParsed: number;
}

export const DEFAULT_GGUF_LIMITS: Readonly<GgufLimits> = Object.freeze({
  maxHeaderBytes: 256 * 1024 * 1024,
  maxKeyValues: 1_000_000,
  maxTensors: 1_000_000,
  maxArrayNesting: 8,
  maxDimsParsed: 64,
});

/** How much of a value the parser keeps for the checks (everything else is skipped, not read). */
export interface KeepPolicy {
  /** Longest string value kept, in bytes (0: keep none). */
  maxString: number;
  /** Most string elements of an array kept. */
  maxArrayStrings: number;
}

export interface GgufKeyValue {
  key: string;
  /** GGUF value type; for arrays, GGUF_VALUE.ARRAY with `elementType` set. */
  type: number;
  elementType?: number;
  /** Offset of the value in the file. */
  offset: number;
  /** Scalar value (numbers as number, 64-bit integers as bigint). */
  scalar?: number | bigint | boolean;
  /** Kept string values: the string itself, or the kept string elements of an array. */
  strings: Array<{ value: string; offset: number }>;
  /** Strings longer than the keep policy allowed (length in bytes). */
  skippedStrings: number;
  arrayLength?: number;
}

export interface GgufTensorInfo {
  name: string;
  dims: bigint[];
  type: number;
  /** Offset relative to the start of the data section. */
  offset: bigint;
  /** Offset of this tensor info in the file. */
  infoOffset: number;
}

export interface GgufHeader {
  version: number;
  littleEndian: boolean;
  tensorCount: number;
  keyValues: GgufKeyValue[];
  tensors: GgufTensorInfo[];
  /** Offset just past the last tensor info. */
  headerEnd: number;
  /** Structure problems that do not stop parsing (the reference reader refuses most of them). */
  problems: Array<{ message: string; offset: number }>;
}

const MAGIC = Buffer.from("GGUF", "latin1");
const utf8 = new TextDecoder("utf-8");

/** Version and byte order from the first 8 bytes; undefined when the version is not 1–3 in either order. */
export function sniffVersion(head: Buffer): { version: number; littleEndian: boolean } | undefined {
  if (head.length < 8 || !head.subarray(0, 4).equals(MAGIC)) return undefined;
  const le = head.readUInt32LE(4);
  if (le >= 1 && le <= 3) return { version: le, littleEndian: true };
  const be = head.readUInt32BE(4);
  if (be >= 1 && be <= 3) return { version: be, littleEndian: false };
  return undefined;
}

class HeaderParser {
  private readonly r: GgufReader;
  private readonly v1: boolean;
  private readonly limits: GgufLimits;
  private readonly keep: (key: string) => KeepPolicy;
  private readonly tick: () => void;
  private steps = 0;

  constructor(r: GgufReader, version: number, limits: GgufLimits, keep: (key: string) => KeepPolicy, tick: () => void) {
    this.r = r;
    this.v1 = version === 1;
    this.limits = limits;
    this.keep = keep;
    this.tick = tick;
  }

  private step(): void {
    if (++this.steps % 65536 === 0) this.tick();
  }

  /** A count or length: u32 in GGUF v1, u64 since v2. */
  async count(what: string): Promise<number> {
    const r = this.r;
    const at = r.pos;
    await r.need(this.v1 ? 4 : 8);
    if (this.v1) return r.u32();
    const n = r.u64();
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError(`${what} ${n} is not a plausible size`, at);
    return Number(n);
  }

  /** A string: returns the text when its length is within `keepMax`, else skips it. */
  async string(keepMax: number): Promise<{ value: string | undefined; length: number; offset: number }> {
    const length = await this.count("string length");
    const offset = this.r.pos;
    if (length > keepMax) {
      this.r.skip(length);
      return { value: undefined, length, offset };
    }
    await this.r.need(length);
    return { value: utf8.decode(this.r.bytes(length)), length, offset };
  }

  private async scalar(type: number): Promise<number | bigint | boolean> {
    const r = this.r;
    const size = GGUF_VALUE_SIZE[type];
    if (size === undefined) throw new MalformedError(`unknown GGUF value type ${type}`, r.pos);
    await r.need(size);
    switch (type) {
      case GGUF_VALUE.UINT8:
        return r.u8();
      case GGUF_VALUE.INT8:
        return r.i8();
      case GGUF_VALUE.UINT16:
        return r.u16();
      case GGUF_VALUE.INT16:
        return r.i16();
      case GGUF_VALUE.UINT32:
        return r.u32();
      case GGUF_VALUE.INT32:
        return r.i32();
      case GGUF_VALUE.FLOAT32:
        return r.f32();
      case GGUF_VALUE.BOOL:
        return r.u8() !== 0;
      case GGUF_VALUE.UINT64:
        return r.u64();
      case GGUF_VALUE.INT64:
        return r.i64();
      default:
        return r.f64();
    }
  }

  /** Skips `count` strings (a vocabulary): synchronous while the window holds them, so 150 000 tokens cost little. */
  private async skipStrings(count: number): Promise<void> {
    const r = this.r;
    const lengthSize = this.v1 ? 4 : 8;
    for (let i = 0; i < count; i++) {
      this.step();
      if (!r.has(lengthSize)) await r.need(lengthSize);
      const at = r.pos;
      const length = this.v1 ? r.u32() : r.u64();
      if (length > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError(`string length ${length} is not plausible`, at);
      r.skip(Number(length));
    }
  }

  /** An array body (element type already read): kept strings go to `kv.strings`. */
  private async array(kv: GgufKeyValue, policy: KeepPolicy, depth: number): Promise<void> {
    const r = this.r;
    await r.need(4);
    const elementType = r.u32();
    const length = await this.count("array length");
    if (depth === 0) {
      kv.elementType = elementType;
      kv.arrayLength = length;
    }
    const size = GGUF_VALUE_SIZE[elementType];
    if (size !== undefined) {
      if (length * size > Number.MAX_SAFE_INTEGER) throw new MalformedError(`array of ${length} elements is not plausible`, r.pos);
      r.skip(length * size);
      return;
    }
    if (elementType === GGUF_VALUE.STRING) {
      if (kv.strings.length >= policy.maxArrayStrings || policy.maxString === 0) {
        await this.skipStrings(length);
        return;
      }
      for (let i = 0; i < length; i++) {
        this.step();
        const keepThis = kv.strings.length < policy.maxArrayStrings ? policy.maxString : 0;
        const s = await this.string(keepThis);
        if (s.value !== undefined) kv.strings.push({ value: s.value, offset: s.offset });
        else if (keepThis > 0) kv.skippedStrings++;
      }
      return;
    }
    if (elementType === GGUF_VALUE.ARRAY) {
      if (depth + 1 > this.limits.maxArrayNesting) {
        throw new LimitError("ggufArrayNesting", depth + 1, this.limits.maxArrayNesting, `GGUF arrays nested more than ${this.limits.maxArrayNesting} deep`);
      }
      for (let i = 0; i < length; i++) {
        this.step();
        await this.array(kv, policy, depth + 1);
      }
      return;
    }
    throw new MalformedError(`unknown GGUF array element type ${elementType}`, r.pos);
  }

  async keyValue(index: number): Promise<GgufKeyValue> {
    const r = this.r;
    const at = r.pos;
    const key = await this.string(65535);
    if (key.value === undefined) throw new MalformedError(`key ${index} is ${key.length} bytes long, more than the 65535 GGUF allows`, at);
    await r.need(4);
    const type = r.u32();
    const kv: GgufKeyValue = { key: key.value, type, offset: r.pos, strings: [], skippedStrings: 0 };
    const policy = this.keep(key.value);
    if (type === GGUF_VALUE.STRING) {
      const s = await this.string(policy.maxString);
      if (s.value !== undefined) kv.strings.push({ value: s.value, offset: s.offset });
      else if (policy.maxString > 0) kv.skippedStrings++;
    } else if (type === GGUF_VALUE.ARRAY) {
      await this.array(kv, policy, 0);
    } else {
      kv.scalar = await this.scalar(type);
    }
    return kv;
  }

  async tensorInfo(): Promise<GgufTensorInfo> {
    const r = this.r;
    const infoOffset = r.pos;
    const name = await this.string(4096);
    if (name.value === undefined) throw new MalformedError(`tensor name of ${name.length} bytes is not plausible`, infoOffset);
    await r.need(4);
    const nDims = r.u32();
    if (nDims > this.limits.maxDimsParsed) throw new MalformedError(`tensor "${name.value}" claims ${nDims} dimensions`, infoOffset);
    const dims: bigint[] = [];
    await r.need(nDims * (this.v1 ? 4 : 8) + 4 + 8);
    for (let i = 0; i < nDims; i++) dims.push(this.v1 ? BigInt(r.u32()) : r.u64());
    const type = r.u32();
    const offset = r.u64();
    return { name: name.value, dims, type, offset, infoOffset };
  }
}

/**
 * Parses a GGUF header (v1–v3, either byte order) up to the end of the tensor infos. Throws
 * MalformedError when the structure cannot be followed and LimitError when a limit is hit.
 */
export async function parseGgufHeader(
  source: ByteSource,
  options: { limits?: GgufLimits; keep: (key: string) => KeepPolicy; tick?: () => void },
): Promise<GgufHeader> {
  const limits = options.limits ?? DEFAULT_GGUF_LIMITS;
  const head = await source.read(0, 8);
  const sniffed = sniffVersion(head);
  if (!sniffed) {
    if (head.length < 8 || !head.subarray(0, 4).equals(MAGIC)) throw new MalformedError("not a GGUF file (bad magic)", 0);
    throw new MalformedError(`unsupported GGUF version ${head.readUInt32LE(4)} (0x${head.readUInt32LE(4).toString(16)})`, 4);
  }
  const r = new GgufReader(source, sniffed.littleEndian, limits.maxHeaderBytes, 8);
  const p = new HeaderParser(r, sniffed.version, limits, options.keep, options.tick ?? (() => undefined));
  const tensorCount = await p.count("tensor count");
  const kvCount = await p.count("metadata count");
  if (tensorCount > limits.maxTensors) throw new LimitError("ggufTensors", tensorCount, limits.maxTensors, `GGUF header declares ${tensorCount} tensors`);
  if (kvCount > limits.maxKeyValues) throw new LimitError("ggufKeyValues", kvCount, limits.maxKeyValues, `GGUF header declares ${kvCount} metadata entries`);

  const header: GgufHeader = { version: sniffed.version, littleEndian: sniffed.littleEndian, tensorCount, keyValues: [], tensors: [], headerEnd: 0, problems: [] };
  const seenKeys = new Set<string>();
  for (let i = 0; i < kvCount; i++) {
    const kv = await p.keyValue(i);
    if (kv.key === "") header.problems.push({ message: `metadata entry ${i} has an empty key`, offset: kv.offset });
    if (seenKeys.has(kv.key)) header.problems.push({ message: `metadata key "${kv.key}" appears more than once; readers disagree on which value wins`, offset: kv.offset });
    seenKeys.add(kv.key);
    header.keyValues.push(kv);
    options.tick?.();
  }
  for (let i = 0; i < tensorCount; i++) {
    header.tensors.push(await p.tensorInfo());
    if (i % 4096 === 0) options.tick?.();
  }
  header.headerEnd = r.pos;
  return header;
}
