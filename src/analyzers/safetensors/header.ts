/**
 * The safetensors header: validation of the parsed JSON exactly as the reference implementation
 * (huggingface/safetensors, safetensors/src/tensor.rs) validates it, so that what this check accepts
 * is what the loader accepts.
 */

/** Bits per element of every dtype the reference implementation knows (Dtype::bitsize). */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
});

/** The reference implementation's MAX_HEADER_SIZE: longer headers are refused by every safetensors loader. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** serde_json's recursion limit: the reference parser refuses JSON nested deeper than this. */
export const MAX_JSON_NESTING = 128;

/**
 * Deepest nesting of a JSON text, found by a linear scan (strings skipped). Checked before JSON.parse:
 * a 100 MB header of nested brackets would otherwise cost gigabytes of memory to parse.
 */
export function jsonNesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) max = Math.max(max, ++depth);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return max;
}

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Offsets inside the data area (after the header). Unsafe integers (≥ 2^53) are kept as Infinity. */
  begin: number;
  end: number;
}

export interface HeaderProblem {
  /** "header" for the header as a whole or `__metadata__`, "tensor" for one tensor entry. */
  scope: "header" | "tensor";
  tensor?: string;
  message: string;
}

export interface ParsedHeader {
  metadata: Array<[string, string]>;
  tensors: TensorEntry[];
  problems: HeaderProblem[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/** Validates a parsed header object; never throws. */
export function validateHeader(header: Record<string, unknown>): ParsedHeader {
  const out: ParsedHeader = { metadata: [], tensors: [], problems: [] };
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (entry === null) continue; // serde reads null as "no metadata"
      if (!isObject(entry)) {
        out.problems.push({ scope: "header", message: `__metadata__ is ${Array.isArray(entry) ? "an array" : typeof entry}, not a map of strings` });
        continue;
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === "string") out.metadata.push([k, v]);
        else out.problems.push({ scope: "header", message: `__metadata__ value "${k}" is ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}, not a string` });
      }
      continue;
    }
    const problem = (message: string): void => {
      out.problems.push({ scope: "tensor", tensor: name, message });
    };
    if (!isObject(entry)) {
      problem("entry is not an object");
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== "string" || SAFETENSORS_DTYPE_BITS[dtype] === undefined) {
      problem(`unknown dtype ${JSON.stringify(dtype)}`);
      continue;
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      problem("shape is not a list of non-negative integers");
      continue;
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      problem("data_offsets is not a pair of non-negative integers");
      continue;
    }
    const [b, e] = offsets as [number, number];
    const begin = Number.isSafeInteger(b) ? b : Infinity;
    const end = Number.isSafeInteger(e) ? e : Infinity;
    if (end < begin) {
      problem(`data_offsets end ${e} is before begin ${b}`);
      continue;
    }
    let elements = 1n;
    for (const d of shape as number[]) elements *= Number.isSafeInteger(d) ? BigInt(d) : BigInt(Number.MAX_SAFE_INTEGER) * 2n;
    const bits = elements * BigInt(SAFETENSORS_DTYPE_BITS[dtype]!);
    if (bits % 8n !== 0n) {
      problem(`${elements} elements of ${dtype} do not fill whole bytes`);
      continue;
    }
    const bytes = bits / 8n;
    if (begin !== Infinity && end !== Infinity && BigInt(end - begin) !== bytes) {
      problem(`data_offsets [${b}, ${e}] hold ${end - begin} bytes but shape [${(shape as number[]).join(", ")}] of ${dtype} needs ${bytes}`);
      continue;
    }
    out.tensors.push({ name, dtype, shape: shape as number[], begin, end });
  }
  return out;
}

export interface LayoutReport {
  /** Pairs of tensors whose byte ranges overlap (or a tensor placed inside another). */
  overlaps: Array<{ first: string; second: string; at: number }>;
  /** Tensors whose data runs past the end of the file. */
  outOfBounds: Array<{ tensor: string; end: number }>;
  /** Byte ranges of the data area no tensor covers (gaps and trailing bytes), data-area offsets. */
  unaccounted: Array<{ start: number; end: number }>;
}

/**
 * Checks that tensors tile the data area exactly, as the reference requires (sorted by offsets,
 * each starting where the previous ended, the last ending at the end of the file).
 */
export function checkLayout(tensors: readonly TensorEntry[], dataSize: number): LayoutReport {
  const report: LayoutReport = { overlaps: [], outOfBounds: [], unaccounted: [] };
  const cmp = (x: number, y: number): number => (x === y ? 0 : x < y ? -1 : 1);
  const sorted = [...tensors].sort((a, b) => cmp(a.begin, b.begin) || cmp(a.end, b.end));
  let cursor = 0;
  let last: TensorEntry | undefined;
  for (const t of sorted) {
    if (t.begin > dataSize || t.end > dataSize) report.outOfBounds.push({ tensor: t.name, end: t.end });
    if (last && t.begin < cursor) report.overlaps.push({ first: last.name, second: t.name, at: t.begin });
    else if (t.begin > cursor) report.unaccounted.push({ start: cursor, end: Math.min(t.begin, dataSize) });
    if (t.end >= cursor) {
      cursor = t.end;
      last = t;
    }
  }
  if (cursor < dataSize) report.unaccounted.push({ start: cursor, end: dataSize });
  report.unaccounted = report.unaccounted.filter((r) => r.end > r.start);
  return report;
}
