/**
 * Decoders for the text operands of protocol-0 opcodes, following what CPython's C unpickler
 * (Modules/_pickle.c) accepts: STRING uses PyBytes_DecodeEscape, UNICODE uses raw-unicode-escape,
 * INT/LONG/GET/PUT go through strtol / PyLong_FromString, FLOAT through PyOS_string_to_double.
 * Each returns `undefined` for input CPython would refuse, so the machine can report it.
 */

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * Python's bytes escape decoding (`codecs.escape_decode`) of the text between the quotes of a
 * STRING operand. Unknown escapes keep their backslash, as Python does.
 */
export function decodeEscapedBytes(src: Buffer, start: number, end: number): Buffer | undefined {
  if (src.subarray(start, end).indexOf(0x5c) === -1) return src.subarray(start, end);
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  let i = start;
  while (i < end) {
    const c = src[i]!;
    if (c !== 0x5c) {
      out[o++] = c;
      i++;
      continue;
    }
    if (i + 1 >= end) return undefined; // trailing backslash
    const e = src[i + 1]!;
    i += 2;
    switch (e) {
      case 0x0a: // backslash-newline: line continuation
        break;
      case 0x5c:
      case 0x27:
      case 0x22:
        out[o++] = e;
        break;
      case 0x61: out[o++] = 7; break; // \a
      case 0x62: out[o++] = 8; break; // \b
      case 0x66: out[o++] = 12; break; // \f
      case 0x6e: out[o++] = 10; break; // \n
      case 0x72: out[o++] = 13; break; // \r
      case 0x74: out[o++] = 9; break; // \t
      case 0x76: out[o++] = 11; break; // \v
      case 0x78: {
        // \xhh: exactly two hex digits
        const h1 = i < end ? hexVal(src[i]!) : -1;
        const h2 = i + 1 < end ? hexVal(src[i + 1]!) : -1;
        if (h1 < 0 || h2 < 0) return undefined;
        out[o++] = h1 * 16 + h2;
        i += 2;
        break;
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let k = 0; k < 2 && i < end && src[i]! >= 0x30 && src[i]! <= 0x37; k++) v = v * 8 + (src[i++]! - 0x30);
          out[o++] = v & 0xff;
        } else {
          out[o++] = 0x5c;
          out[o++] = e;
        }
    }
  }
  return out.subarray(0, o);
}

/**
 * raw-unicode-escape decoding (UNICODE operand): bytes are Latin-1 code points, except
 * `\uXXXX` / `\UXXXXXXXX` after an odd run of backslashes.
 */
export function decodeRawUnicodeEscape(src: Buffer, start: number, end: number): string | undefined {
  if (src.subarray(start, end).indexOf(0x5c) === -1) return src.toString("latin1", start, end);
  const parts: string[] = [];
  let i = start;
  let runStart = start;
  while (i < end) {
    if (src[i] !== 0x5c) {
      i++;
      continue;
    }
    let j = i;
    while (j < end && src[j] === 0x5c) j++;
    const run = j - i;
    const kind = j < end ? src[j] : undefined;
    if (run % 2 === 1 && (kind === 0x75 || kind === 0x55)) {
      const digits = kind === 0x75 ? 4 : 8;
      if (j + 1 + digits > end) return undefined;
      let cp = 0;
      for (let k = 0; k < digits; k++) {
        const h = hexVal(src[j + 1 + k]!);
        if (h < 0) return undefined;
        cp = cp * 16 + h;
      }
      if (cp > 0x10ffff) return undefined;
      parts.push(src.toString("latin1", runStart, j - 1), String.fromCodePoint(cp));
      i = j + 1 + digits;
      runStart = i;
    } else {
      i = j;
    }
  }
  parts.push(src.toString("latin1", runStart, end));
  return parts.join("");
}

const WS = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

/** Digits past which a literal is validated but not decoded (CPython 3.11 itself refuses decimal literals past 4300 digits; older ones do not). */
const DECODE_DIGITS = 4096;

/**
 * An integer literal as PyLong_FromString(s, NULL, base) reads it (base 0 or 10), with the
 * strtol fallback of the INT opcode (`legacyOctal`: "010" is octal 8). Returns undefined if invalid, and
 * "big" for a valid literal too long to be worth decoding (any length is accepted, as older CPythons do).
 */
export function parsePyInt(text: string, base: 0 | 10, legacyOctal = false): bigint | "big" | undefined {
  let s = text.replace(WS, "");
  let neg = false;
  if (s.startsWith("+") || s.startsWith("-")) {
    neg = s.startsWith("-");
    s = s.slice(1);
  }
  if (s.length === 0) return undefined;
  let digits: string;
  let radix: number;
  if (base === 0 && /^0[xX]_?[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(s)) {
    digits = s.slice(2).replace(/_/g, "");
    radix = 16;
  } else if (base === 0 && /^0[oO]_?[0-7]+(_[0-7]+)*$/.test(s)) {
    digits = s.slice(2).replace(/_/g, "");
    radix = 8;
  } else if (base === 0 && /^0[bB]_?[01]+(_[01]+)*$/.test(s)) {
    digits = s.slice(2).replace(/_/g, "");
    radix = 2;
  } else if (legacyOctal && /^0[0-7]+$/.test(s)) {
    digits = s.slice(1);
    radix = 8;
  } else if (/^\d+(_\d+)*$/.test(s)) {
    // base 0 refuses leading zeros on non-zero decimals ("010"); base 10 accepts them.
    if (base === 0 && /^0+[1-9]/.test(s.replace(/_/g, ""))) return undefined;
    digits = s.replace(/_/g, "");
    radix = 10;
  } else {
    return undefined;
  }
  if (digits.length > DECODE_DIGITS) return "big";
  let v = 0n;
  if (radix === 10) v = BigInt(digits);
  else if (radix === 16) v = BigInt(`0x${digits}`);
  else if (radix === 8) v = BigInt(`0o${digits}`);
  else v = BigInt(`0b${digits}`);
  return neg ? -v : v;
}

/** The C unpickler reads a text operand as a C string: it ends at the first NUL (strtol, PyLong_FromString and PyOS_string_to_double all stop there). */
function cString(text: string): string {
  const nul = text.indexOf("\0");
  return nul < 0 ? text : text.slice(0, nul);
}

/**
 * The INT, LONG, GET and PUT operands as either unpickler reads them: the C one (text up to the first NUL;
 * INT tries strtol with base 0, so "010" is octal, then PyLong_FromString) or the pure-Python one (int(line, 0)
 * of the whole line, whitespace stripped). A literal either accepts is accepted; undefined when neither does.
 */
export function readIntOperand(text: string, op: "INT" | "LONG" | "MEMO"): bigint | "big" | undefined {
  const base = op === "MEMO" ? 10 : 0;
  const c = cString(text);
  const cText = op === "LONG" && c.endsWith("L") ? c.slice(0, -1) : c;
  const viaC = parsePyInt(cText, base, op === "INT");
  if (viaC !== undefined) return viaC;
  const py = op === "LONG" && text.endsWith("L") ? text.slice(0, -1) : text;
  return parsePyInt(py, base);
}

const FLOAT_RE = /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf(inity)?|nan)$/i;
const PY_FLOAT_RE = /^[+-]?((\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?|inf(inity)?|nan)$/i;

/**
 * True when either unpickler accepts the FLOAT operand: the C one parses the text up to the first NUL with
 * PyOS_string_to_double (no surrounding whitespace), the pure-Python one calls float(line) (whitespace
 * stripped, underscores between digits allowed).
 */
export function isPyFloat(text: string): boolean {
  return FLOAT_RE.test(cString(text)) || PY_FLOAT_RE.test(text.replace(WS, ""));
}
