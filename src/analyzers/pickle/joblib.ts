/**
 * joblib's NumpyPickler (joblib/numpy_pickle.py) pickles a `NumpyArrayWrapper` in place of each
 * numpy array and writes the array right after the wrapper's BUILD, outside the pickle grammar:
 * numeric arrays as raw bytes (preceded, since joblib 1.2, by one padding-length byte and that
 * many padding bytes), object arrays as a complete protocol-2 pickle. Its unpickler reads them in
 * its BUILD hook. This module works out, from the wrapper's pickled state, what follows the BUILD.
 */
import { asText, bigIntOf, dictGet, type CallValue, type Value } from "./values.js";

const WRAPPER_MODULES = new Set(["joblib.numpy_pickle", "sklearn.externals.joblib.numpy_pickle"]);

/** True when `inst` is an instance of joblib's NumpyArrayWrapper (made by NEWOBJ or a reduce). */
export function isJoblibArrayWrapper(inst: CallValue): boolean {
  let cls = inst.callee;
  // copyreg._reconstructor(cls, object, None) and copyreg.__newobj__(cls) carry the class as first argument.
  if (cls.kind === "global" && (cls.module === "copyreg" || cls.module === "copy_reg") && inst.args.kind === "tuple") {
    const first = inst.args.items[0];
    if (first) cls = first;
  }
  return cls.kind === "global" && cls.site !== undefined && cls.name === "NumpyArrayWrapper" && WRAPPER_MODULES.has(cls.module);
}

export type JoblibArrayLayout =
  /** The array holds Python objects: a complete pickle stream follows. */
  | { kind: "object" }
  /** Raw array bytes follow (after a padding-length byte and padding when `aligned`). */
  | { kind: "raw"; bytes: number; aligned: boolean }
  | { kind: "invalid"; reason: string };

const intOf = bigIntOf;

/** numpy dtype facts from its pickled form: `numpy.dtype(descr, align, copy)` + BUILD state tuple. */
function dtypeFacts(dtype: Value | undefined): { hasObject: boolean; itemsize: number } | string {
  if (dtype?.kind !== "call" || dtype.callee.kind !== "global" || dtype.callee.name !== "dtype" || !dtype.callee.module.startsWith("numpy")) {
    return "dtype is not a numpy.dtype";
  }
  const descr = dtype.args.kind === "tuple" ? asText(dtype.args.items[0]) : undefined;
  if (descr === undefined) return "dtype has no type string";
  const st = dtype.state?.kind === "tuple" ? dtype.state.items : [];
  const flags = intOf(st[7]);
  const hasObject = descr.startsWith("O") || (flags !== undefined && (flags & 1n) === 1n);
  const elsize = intOf(st[5]);
  let itemsize: number | undefined;
  if (elsize !== undefined && elsize > 0n && elsize < 1n << 40n) itemsize = Number(elsize);
  else {
    const m = /^[a-zA-Z?](\d{1,6})$/.exec(descr);
    if (m) itemsize = Number(m[1]);
  }
  if (!hasObject && (itemsize === undefined || itemsize <= 0)) return `cannot tell the item size of dtype ${JSON.stringify(descr)}`;
  return { hasObject, itemsize: itemsize ?? 8 };
}

/** Reads a NumpyArrayWrapper's state ({shape, order, dtype, numpy_array_alignment_bytes…}). */
export function joblibArrayLayout(state: Value | undefined): JoblibArrayLayout {
  if (state?.kind !== "dict") return { kind: "invalid", reason: "array wrapper state is not a dict" };
  const facts = dtypeFacts(dictGet(state, "dtype"));
  if (typeof facts === "string") return { kind: "invalid", reason: facts };
  if (facts.hasObject) return { kind: "object" };
  const shape = dictGet(state, "shape");
  if (shape?.kind !== "tuple" || shape.count !== shape.items.length) return { kind: "invalid", reason: "array shape is not a tuple of ints" };
  let count = 1n;
  for (const d of shape.items) {
    const n = intOf(d);
    if (n === undefined || n < 0n) return { kind: "invalid", reason: "array shape is not a tuple of ints" };
    count *= n;
    if (count > 1n << 53n) return { kind: "invalid", reason: "array is larger than any file" };
  }
  const bytes = count * BigInt(facts.itemsize);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return { kind: "invalid", reason: "array is larger than any file" };
  const order = asText(dictGet(state, "order"));
  if (order !== "C" && order !== "F") return { kind: "invalid", reason: "array order is neither C nor F" };
  const align = dictGet(state, "numpy_array_alignment_bytes");
  return { kind: "raw", bytes: Number(bytes), aligned: align !== undefined && align.kind !== "none" };
}
