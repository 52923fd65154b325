/**
 * JSON text exactly as Python's json.dumps(value, indent=2) writes it (the default ensure_ascii=True), which
 * is how model_signing serialises its in-toto Statement (protobuf json_format.MessageToJson). Used so that
 * our payloads are byte-for-byte what model_signing writes for the same model.
 */

/** A number written as a Python float: protobuf Struct numbers are doubles, so 8 is written "8.0". */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJson = null | boolean | string | number | PyFloat | PyJson[] | { [key: string]: PyJson };

/** repr(float) in Python 3: the shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
      return `${sign}${int}.${digits.slice(exp + 1) || "0"}`;
    }
    return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

const NAMED: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A string as json.dumps(ensure_ascii=True) writes it: every unit outside " ".."~" escaped, lowercase hex. */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const u = s.charCodeAt(i);
    const named = NAMED[ch];
    if (named !== undefined) out += named;
    else if (u < 0x20 || u > 0x7e) out += `\\u${u.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function write(v: PyJson, indent: string, step: string): string {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "string") return pythonJsonString(v);
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new TypeError(`python-json: ${v} is not an integer; wrap floats in PyFloat`);
    return String(v);
  }
  if (v instanceof PyFloat) return pythonFloatRepr(v.value);
  const inner = indent + step;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => inner + write(x, inner, step)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${inner}${pythonJsonString(k)}: ${write(x, inner, step)}`).join(",\n")}\n${indent}}`;
}

/** json.dumps(value, indent=2) */
export function pythonJsonDumps(value: PyJson, indent = 2): string {
  return write(value, "", " ".repeat(indent));
}
