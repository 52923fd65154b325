/**
 * Checks on one decoded ONNX TensorProto: external data references and data sizes. Pure: returns what it found,
 * the analyzer reports it (and de-duplicates across tensors).
 */
import { Blob, list, msg, num, str, type Decoded } from "../protobuf/schema.js";
import { classifyLocation, type LocationVerdict } from "./location.js";
import { DATA_LOCATION_EXTERNAL, DATA_TYPE_BITS } from "./schema.js";

export interface ExternalRef {
  location: string;
  verdict: LocationVerdict;
}

export interface TensorCheck {
  /** Every "location" value in external_data (a loader keeps the last; all are checked). */
  refs: ExternalRef[];
  /** data_location is EXTERNAL. */
  external: boolean;
  /** Problems that make the tensor unverifiable (rule onnx/external-data-suspicious). */
  suspicious: string[];
  /** Size problems (rule onnx/tensor-size-mismatch). */
  sizeProblems: string[];
}

const DIGITS = /^[0-9]{1,16}$/;

/** Bytes the tensor's elements take, or a reason why that cannot be said. */
export function expectedBytes(dims: readonly unknown[], dataType: number | undefined): { bytes: bigint } | { invalid: string } | undefined {
  let count = 1n;
  for (const d of dims) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) return { invalid: `invalid dimension ${String(d)}` };
    count *= BigInt(d);
  }
  const bits = dataType === undefined ? undefined : DATA_TYPE_BITS.get(dataType);
  if (bits === undefined) return undefined;
  return { bytes: (count * BigInt(bits) + 7n) / 8n };
}

export function checkTensor(t: Decoded): TensorCheck {
  const out: TensorCheck = { refs: [], external: num(t.dataLocation) === DATA_LOCATION_EXTERNAL, suspicious: [], sizeProblems: [] };
  const dims = list(t.dims);
  const dataType = num(t.dataType);
  const expected = expectedBytes(dims, dataType);
  if (expected && "invalid" in expected) out.sizeProblems.push(expected.invalid);
  const want = expected && "bytes" in expected ? expected.bytes : undefined;

  let length: bigint | undefined;
  for (const e of list(t.externalData)) {
    const entry = msg(e);
    const key = str(entry?.key);
    const value = entry?.value;
    if (key === "location") {
      if (value instanceof Blob) out.suspicious.push(`external data location is ${value.length} bytes long`);
      else if (typeof value === "string") out.refs.push({ location: value, verdict: classifyLocation(value) });
      else out.suspicious.push("external data location without a value");
    } else if (key === "offset" || key === "length") {
      const s = str(value);
      if (s === undefined || !DIGITS.test(s)) out.suspicious.push(`external data ${key} '${typeof value === "string" ? value.slice(0, 64) : "?"}' is not a non-negative integer`);
      else if (key === "length") length = BigInt(s);
    }
  }
  if (out.external && out.refs.length === 0 && !out.suspicious.some((s) => s.includes("location"))) {
    out.suspicious.push("data_location is EXTERNAL but no location is given");
  }

  if (out.external) {
    if (want !== undefined && length !== undefined && length !== want) {
      out.sizeProblems.push(`external length ${length} bytes, but dims and data type make ${want} bytes`);
    }
    return out;
  }
  if (want === undefined) return out;
  const raw = t.rawData;
  if (raw instanceof Blob) {
    if (BigInt(raw.length) !== want) out.sizeProblems.push(`raw_data has ${raw.length} bytes, but dims and data type make ${want} bytes`);
    return out;
  }
  const typed = (key: "floatData" | "doubleData", width: number): void => {
    const blobs = list(t[key]).filter((b): b is Blob => b instanceof Blob);
    if (blobs.length === 0) return;
    const bytes = blobs.reduce((n, b) => n + BigInt(b.length), 0n);
    // Complex types store two components per element in the same typed field.
    if (bytes !== want) out.sizeProblems.push(`${key === "floatData" ? "float_data" : "double_data"} has ${bytes / BigInt(width)} values, but dims and data type make ${want / BigInt(width)}`);
  };
  if (dataType === 1 || dataType === 14) typed("floatData", 4);
  else if (dataType === 11 || dataType === 15) typed("doubleData", 8);
  return out;
}
