/**
 * A parser for the Python literals found in .npy headers (what numpy reads with ast.literal_eval):
 * dicts, lists, tuples, str (with escapes), int, float, True/False/None. It builds plain data and never
 * evaluates anything; depth and size are bounded.
 */
import { MalformedError } from "../../core/errors.js";

export type PyLiteral =
  | { type: "dict"; entries: Array<[PyLiteral, PyLiteral]> }
  | { type: "list" | "tuple"; items: PyLiteral[] }
  | { type: "str"; value: string }
  | { type: "bytes"; value: string }
  | { type: "int"; value: bigint }
  | { type: "float"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "none" };

const MAX_DEPTH = 32;
const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0", "\n": "" };

class LiteralParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly baseOffset: number,
  ) {}

  fail(msg: string): never {
    throw new MalformedError(`Python literal: ${msg}`, this.baseOffset + this.i);
  }

  private ws(): void {
    while (this.i < this.s.length && /[ \t\r\n]/.test(this.s[this.i]!)) this.i++;
  }

  parseAll(): PyLiteral {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail("unexpected text after the value");
    return v;
  }

  private value(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.fail("nested too deep");
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail("unexpected end");
    if (c === "{") return this.dict(depth);
    if (c === "[") return { type: "list", items: this.seq("]", depth).items };
    if (c === "(") {
      const { items, trailingComma } = this.seq(")", depth);
      // (x) is just x; (x,) and () are tuples.
      if (items.length === 1 && !trailingComma) return items[0]!;
      return { type: "tuple", items };
    }
    if (c === "'" || c === '"') return { type: "str", value: this.str() };
    if ((c === "b" || c === "B") && (this.s[this.i + 1] === "'" || this.s[this.i + 1] === '"')) {
      this.i++;
      return { type: "bytes", value: this.str() };
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i, this.i + 16));
    if (word) {
      this.i += word[0].length;
      if (word[0] === "True") return { type: "bool", value: true };
      if (word[0] === "False") return { type: "bool", value: false };
      if (word[0] === "None") return { type: "none" };
      this.i -= word[0].length;
      this.fail(`name ${word[0]} is not a literal`);
    }
    return this.number();
  }

  private dict(depth: number): PyLiteral {
    this.i++; // {
    const entries: Array<[PyLiteral, PyLiteral]> = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        return { type: "dict", entries };
      }
      const k = this.value(depth + 1);
      this.ws();
      if (this.s[this.i] !== ":") this.fail("expected ':' in dict");
      this.i++;
      const v = this.value(depth + 1);
      entries.push([k, v]);
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "}") this.fail("expected ',' or '}' in dict");
    }
  }

  private seq(close: string, depth: number): { items: PyLiteral[]; trailingComma: boolean } {
    this.i++;
    const items: PyLiteral[] = [];
    let trailingComma = false;
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return { items, trailingComma };
      }
      items.push(this.value(depth + 1));
      trailingComma = false;
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        trailingComma = true;
      } else if (this.s[this.i] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private str(): string {
    const q = this.s[this.i]!;
    this.i++;
    let out = "";
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === "\n") this.fail("unterminated string");
      this.i++;
      if (c === q) return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.s[this.i];
      if (e === undefined) this.fail("unterminated string");
      this.i++;
      if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
      else if (e === "x" || e === "u" || e === "U") {
        const n = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) this.fail(`invalid \\${e} escape`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail(`invalid \\${e} escape`);
        out += String.fromCodePoint(cp);
        this.i += n;
      } else out += `\\${e}`;
    }
  }

  private number(): PyLiteral {
    const m = /^[+-]?(\d[\d_]*\.?[\d_]*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail(`unexpected character ${JSON.stringify(this.s[this.i])}`);
    this.i += m[0].length;
    const text = m[0].replace(/_/g, "");
    if (/^[+-]?\d+$/.test(text)) return { type: "int", value: BigInt(text) };
    return { type: "float", value: Number(text) };
  }
}

/** Parses one Python literal; throws MalformedError (offset relative to `baseOffset`) when it is not one. */
export function parsePyLiteral(text: string, baseOffset = 0): PyLiteral {
  return new LiteralParser(text, baseOffset).parseAll();
}
