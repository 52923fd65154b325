/**
 * The .npy header (numpy/lib/format.py): magic "\x93NUMPY", a version, a header length (2 bytes in
 * 1.0, 4 bytes in 2.0/3.0), then a Python dict literal with exactly the keys descr, fortran_order
 * and shape. The array data follows the header.
 */
import { MalformedError } from "../../core/errors.js";
import { parsePyLiteral, type PyLiteral } from "./py-literal.js";

export const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** Largest header modelgate reads. numpy itself refuses more than 10 000 bytes unless allow_pickle is set. */
export const MAX_NPY_HEADER_BYTES = 1024 * 1024;
/** Bytes before the header text: magic, version, and the length field of a 2.0/3.0 header. */
export const NPY_PREAMBLE_MAX = 12;

export interface NpyHeader {
  version: `${number}.${number}`;
  /** Offset of the array data (end of the header). */
  dataOffset: number;
  descr: PyLiteral;
  fortranOrder: boolean;
  shape: bigint[];
  /** True when the dtype holds Python objects anywhere (the data is then a pickle). */
  hasObject: boolean;
  /** A printable form of the dtype for messages. */
  dtype: string;
}

/** The kind character of a numpy type string ("<f8" → "f", "|O" → "O"). */
function typestrKind(s: string): string | undefined {
  const m = /^[<>|=]?([a-zA-Z?])(\d*)(\[[A-Za-z0-9]+\])?$/.exec(s);
  return m?.[1];
}

/** Splits "i4, (2,3)O" on the commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/**
 * numpy.dtype(str) as np.load calls it: a type string ("<f8", "|O"), a type name ("float64", "object"),
 * or a comma-separated list of either, each optionally prefixed by a sub-array shape ("(2,3)f4").
 */
function typeStringHasObject(s: string): boolean {
  for (const raw of splitTopLevel(s)) {
    const part = raw.trim().replace(/^\(\s*\d*(\s*,\s*\d+)*\s*,?\s*\)\s*/, "");
    if (/^[<>|=]?O\d*$/.test(part) || /^object[_0]?$/i.test(part)) return true;
    if (typestrKind(part) !== undefined) continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*(\[[A-Za-z0-9]+\])?$/.test(part)) continue; // a type name: float64, datetime64[ns]…
    throw new MalformedError(`npy dtype ${JSON.stringify(s)} is not a numpy type string`);
  }
  return false;
}

/** Whether a descr (as written by numpy.lib.format.dtype_to_descr) contains object fields. */
function descrHasObject(d: PyLiteral, depth = 0): boolean {
  if (depth > 32) throw new MalformedError("npy dtype description is nested too deep");
  if (d.type === "str") return typeStringHasObject(d.value);
  if (d.type === "list") {
    // Structured dtype: [(name, descr) or (name, descr, shape), …]; name may be (title, name).
    for (const field of d.items) {
      if (field.type !== "tuple" || field.items.length < 2 || field.items.length > 3) throw new MalformedError("npy structured dtype field is not a (name, type[, shape]) tuple");
      if (descrHasObject(field.items[1]!, depth + 1)) return true;
    }
    return false;
  }
  if (d.type === "tuple" && d.items.length === 2) {
    // Sub-array dtype: (base descr, shape).
    return descrHasObject(d.items[0]!, depth + 1);
  }
  throw new MalformedError("npy dtype description is neither a type string nor a field list");
}

function render(d: PyLiteral): string {
  switch (d.type) {
    case "str":
      return d.value;
    case "list":
      return `[${d.items.map(render).join(", ")}]`;
    case "tuple":
      return `(${d.items.map(render).join(", ")})`;
    case "int":
      return d.value.toString();
    default:
      return d.type;
  }
}

/**
 * Parses the header at the start of `head` (which must hold at least the whole header).
 * Throws MalformedError for anything numpy would not load.
 */
export function parseNpyHeader(head: Buffer, fileSize: number): NpyHeader {
  if (head.length < 10 || !head.subarray(0, 6).equals(NPY_MAGIC)) throw new MalformedError("not an npy file (bad magic)", 0);
  const major = head[6]!;
  const minor = head[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) throw new MalformedError(`unsupported npy format version ${major}.${minor}`, 6);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = head.readUInt16LE(8);
    start = 10;
  } else {
    if (head.length < 12) throw new MalformedError("npy header is truncated", 8);
    headerLength = head.readUInt32LE(8);
    start = 12;
  }
  if (headerLength > MAX_NPY_HEADER_BYTES) throw new MalformedError(`npy header is ${headerLength} bytes long (at most ${MAX_NPY_HEADER_BYTES} are read)`, 8);
  if (start + headerLength > fileSize) throw new MalformedError(`npy header of ${headerLength} bytes runs past the end of the file`, 8);
  if (start + headerLength > head.length) throw new MalformedError("npy header was not read completely", start);
  const raw = head.subarray(start, start + headerLength);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw new MalformedError("npy 3.0 header is not valid UTF-8", start);
    }
  } else text = raw.toString("latin1");
  const lit = parsePyLiteral(text, start);
  if (lit.type !== "dict") throw new MalformedError("npy header is not a dict", start);
  const fields = new Map<string, PyLiteral>();
  for (const [k, v] of lit.entries) {
    if (k.type !== "str") throw new MalformedError("npy header key is not a string", start);
    fields.set(k.value, v);
  }
  const keys = [...fields.keys()].sort().join(",");
  if (keys !== "descr,fortran_order,shape") throw new MalformedError(`npy header keys are {${keys}}, expected {descr, fortran_order, shape}`, start);
  const shape = fields.get("shape")!;
  const order = fields.get("fortran_order")!;
  if (shape.type !== "tuple" || !shape.items.every((x) => x.type === "int" && x.value >= 0n)) throw new MalformedError("npy shape is not a tuple of non-negative ints", start);
  if (order.type !== "bool") throw new MalformedError("npy fortran_order is not a bool", start);
  const descr = fields.get("descr")!;
  const hasObject = descrHasObject(descr);
  return {
    version: `${major}.${minor}`,
    dataOffset: start + headerLength,
    descr,
    fortranOrder: order.value,
    shape: shape.items.map((x) => (x.type === "int" ? x.value : 0n)),
    hasObject,
    dtype: render(descr),
  };
}
