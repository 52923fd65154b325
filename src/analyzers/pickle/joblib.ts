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

/** Item sizes of numpy's one-character type codes (x86-64 Linux, where `l` and `L` are 8 bytes). */
const CHAR_CODE_SIZES: Readonly<Record<string, number>> = {
  "?": 1, b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, l: 8, L: 8, q: 8, Q: 8, p: 8, P: 8,
  e: 2, f: 4, d: 8, g: 16, F: 8, D: 16, G: 32, M: 8, m: 8,
};
/** Item sizes of numpy's type names. */
const NAMED_SIZES: Readonly<Record<string, number>> = {
  bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8,
  float16: 2, float32: 4, float64: 8, float128: 16, complex64: 8, complex128: 16, complex256: 32,
};

/** numpy dtype facts from its pickled form: `numpy.dtype(descr, align, copy)` + BUILD state tuple. */
function dtypeFacts(dtype: Value | undefined): { hasObject: boolean; itemsize: number } | string {
  if (dtype?.kind !== "call" || dtype.callee.kind !== "global" || dtype.callee.name !== "dtype" || !dtype.callee.module.startsWith("numpy")) {
    return "dtype is not a numpy.dtype";
  }
  const descr = dtype.args.kind === "tuple" ? asText(dtype.args.items[0]) : undefined;
  if (descr === undefined) return "dtype has no type string";
  const st = dtype.state?.kind === "tuple" ? dtype.state.items : [];
  const flags = intOf(st[7]);
  const spec = /^[<>|=]?([a-zA-Z?])(\d{1,9})?$/.exec(descr);
  const hasObject = spec?.[1] === "O" || descr === "object" || (flags !== undefined && (flags & 1n) === 1n);
  // numpy's dtype.__setstate__ takes the pickled elsize only for flexible types (bytes, str, void); for every
  // builtin type the size comes from the type itself, whatever the pickle says.
  let itemsize: number | undefined;
  if (spec !== null) {
    const kind = spec[1]!;
    const n = spec[2] === undefined ? undefined : Number(spec[2]);
    if (kind === "S" || kind === "U" || kind === "V" || kind === "a") {
      const elsize = intOf(st[5]);
      if (elsize !== undefined && elsize > 0n && elsize < 1n << 40n) itemsize = Number(elsize);
      else if (n !== undefined) itemsize = kind === "U" ? n * 4 : n;
    } else {
      itemsize = n ?? CHAR_CODE_SIZES[kind];
    }
  } else {
    itemsize = NAMED_SIZES[descr];
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
