/**
 * A lexer that follows Python Jinja2's own (jinja2/lexer.py, default delimiters, no line statements),
 * used when @huggingface/jinja cannot parse a template. It answers two questions the AST check cannot:
 *  - would Jinja2 itself refuse this template? (unterminated tags, comments, strings or raw blocks,
 *    unbalanced brackets, blocks left open or closed by the wrong end tag — errors no extension can fix);
 *  - which names and strings do the tags hold? (for a lexical version of the checks).
 * It never evaluates anything, runs in linear time and allocates at most one token per source character.
 */

export type LexTokenKind = "name" | "string" | "number" | "op";

export interface LexToken {
  kind: LexTokenKind;
  /** Names and operators as written; strings decoded the way Jinja2 decodes them. */
  value: string;
  /** For strings: true when the literal used escape sequences (its decoded value differs from its text). */
  escaped?: boolean;
}

export interface LexTag {
  kind: "expression" | "statement";
  /** Offset of the opening delimiter in the template. */
  offset: number;
  tokens: LexToken[];
}

export interface LexResult {
  tags: LexTag[];
  /** Why Jinja2 would refuse the template, when it certainly would. */
  refusal: string | undefined;
}

/** Block tags of Jinja2 and of the extensions chat renderers load (loopcontrols has no blocks; transformers adds generation). */
const BLOCK_TAGS = new Set(["for", "if", "macro", "call", "filter", "block", "with", "autoescape", "trans", "set", "generation"]);

const NAME_START = /[\p{L}\p{Nl}_]/u;
const NAME_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u;
const OPERATORS = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"];
const CLOSING: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/** Characters of \N{...} escapes that payloads use to spell names; others decode to U+FFFD. */
function unicodeName(name: string): string {
  const n = name.trim().toUpperCase();
  if (n === "LOW LINE") return "_";
  if (n === "FULL STOP") return ".";
  if (n === "SPACE") return " ";
  if (n === "APOSTROPHE") return "'";
  if (n === "QUOTATION MARK") return '"';
  if (n === "LEFT PARENTHESIS") return "(";
  if (n === "RIGHT PARENTHESIS") return ")";
  if (n === "LEFT SQUARE BRACKET") return "[";
  if (n === "RIGHT SQUARE BRACKET") return "]";
  const letter = /^LATIN (SMALL|CAPITAL) LETTER ([A-Z])$/.exec(n);
  if (letter) return letter[1] === "SMALL" ? letter[2]!.toLowerCase() : letter[2]!;
  const digit = /^DIGIT (ZERO|ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE)$/.exec(n);
  if (digit) return String(["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"].indexOf(digit[1]!));
  return "\ufffd";
}

const SIMPLE_ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\n": "" };

/**
 * Decodes the inside of a Jinja2 string literal. Jinja2 runs Python's "unicode-escape" codec over it,
 * so \xHH, \uHHHH, \UHHHHHHHH, octal \ooo and \N{NAME} all work — and payloads use them to hide names.
 */
export function decodeJinjaString(inner: string): string {
  let out = "";
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch !== "\\" || i + 1 >= inner.length) {
      out += ch;
      continue;
    }
    const e = inner[++i]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const hexLen = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLen > 0) {
      const hex = inner.slice(i + 1, i + 1 + hexLen);
      if (hex.length === hexLen && /^[0-9a-fA-F]+$/.test(hex)) {
        const cp = parseInt(hex, 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : "\ufffd";
        i += hexLen;
      } else out += `\\${e}`;
      continue;
    }
    if (/[0-7]/.test(e)) {
      let oct = e;
      while (oct.length < 3 && /[0-7]/.test(inner[i + 1] ?? "")) oct += inner[++i];
      out += String.fromCodePoint(parseInt(oct, 8));
      continue;
    }
    if (e === "N" && inner[i + 1] === "{") {
      const end = inner.indexOf("}", i + 2);
      if (end > 0) {
        out += unicodeName(inner.slice(i + 2, end));
        i = end;
        continue;
      }
    }
    out += `\\${e}`; // unknown escapes stay as written
  }
  return out;
}

class TemplateLexer {
  private readonly src: string;
  private pos = 0;
  readonly tags: LexTag[] = [];
  refusal: string | undefined;
  private readonly blocks: string[] = [];

  constructor(src: string) {
    this.src = src;
  }

  run(): void {
    while (this.refusal === undefined) {
      const open = this.nextOpen();
      if (!open) break;
      if (open.kind === "comment") this.comment(open.at);
      else this.tag(open.kind, open.at);
    }
    if (this.refusal === undefined && this.blocks.length > 0) this.refusal = `block "${this.blocks[this.blocks.length - 1]}" is never closed`;
  }

  private nextOpen(): { kind: "expression" | "statement" | "comment"; at: number } | undefined {
    const i = this.src.indexOf("{", this.pos);
    for (let at = i; at >= 0 && at < this.src.length; at = this.src.indexOf("{", at + 1)) {
      const c = this.src[at + 1];
      if (c === "{") return { kind: "expression", at };
      if (c === "%") return { kind: "statement", at };
      if (c === "#") return { kind: "comment", at };
    }
    return undefined;
  }

  private comment(at: number): void {
    const end = this.src.indexOf("#}", at + 2);
    if (end < 0) {
      this.refusal = "a comment is never closed";
      return;
    }
    this.pos = end + 2;
  }

  private tag(kind: "expression" | "statement", at: number): void {
    const close = kind === "expression" ? "}}" : "%}";
    let i = at + 2;
    if (this.src[i] === "-" || this.src[i] === "+") i++;
    const tokens: LexToken[] = [];
    const brackets: string[] = [];
    const src = this.src;
    while (true) {
      while (i < src.length && /\s/.test(src[i]!)) i++;
      if (i >= src.length) {
        this.refusal = `a ${kind === "expression" ? "{{ … }}" : "{% … %}"} tag is never closed`;
        this.tags.push({ kind, offset: at, tokens });
        return;
      }
      // Jinja2 only looks for the end delimiter while no bracket is open.
      if (brackets.length === 0) {
        if (src.startsWith(close, i)) {
          i += 2;
          break;
        }
        if ((src[i] === "-" || src[i] === "+") && src.startsWith(close, i + 1)) {
          i += 3;
          break;
        }
      }
      const ch = src[i]!;
      if (ch === "'" || ch === '"') {
        const start = i;
        i++;
        while (i < src.length && src[i] !== ch) i += src[i] === "\\" ? 2 : 1;
        if (i >= src.length) {
          this.refusal = "a string is never closed";
          this.tags.push({ kind, offset: at, tokens });
          return;
        }
        const inner = src.slice(start + 1, i);
        const value = decodeJinjaString(inner);
        tokens.push({ kind: "string", value, escaped: value !== inner });
        i++;
        continue;
      }
      if (/[0-9]/.test(ch)) {
        const m = /^[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?/.exec(src.slice(i, i + 64))!;
        tokens.push({ kind: "number", value: m[0] });
        i += m[0].length;
        continue;
      }
      if (NAME_START.test(ch)) {
        const start = i;
        i++;
        while (i < src.length && NAME_PART.test(src[i]!)) i++;
        tokens.push({ kind: "name", value: src.slice(start, i) });
        continue;
      }
      const op = OPERATORS.find((o) => src.startsWith(o, i));
      if (op === undefined) {
        this.refusal = `unexpected character ${JSON.stringify(ch)} in a tag`;
        this.tags.push({ kind, offset: at, tokens });
        return;
      }
      if (op === "(" || op === "[" || op === "{") brackets.push(op);
      else if (op in CLOSING) {
        if (brackets.pop() !== CLOSING[op]) {
          this.refusal = `unbalanced "${op}" in a tag`;
          this.tags.push({ kind, offset: at, tokens });
          return;
        }
      }
      tokens.push({ kind: "op", value: op });
      i += op.length;
    }
    this.pos = i;
    this.tags.push({ kind, offset: at, tokens });
    if (kind === "statement") this.statement(tokens);
  }

  private statement(tokens: LexToken[]): void {
    const head = tokens[0];
    if (head?.kind !== "name") return;
    const word = head.value;
    if (word === "raw") {
      const endraw = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;
      endraw.lastIndex = this.pos;
      const m = endraw.exec(this.src);
      if (!m) this.refusal = 'a "raw" block is never closed';
      else this.pos = m.index + m[0].length;
      return;
    }
    // `{% set x = … %}` is a statement; `{% set x %}…{% endset %}` is a block.
    if (word === "set" && tokens.some((t) => t.kind === "op" && t.value === "=")) return;
    if (BLOCK_TAGS.has(word)) {
      this.blocks.push(word);
      return;
    }
    if (word.startsWith("end") && BLOCK_TAGS.has(word.slice(3))) {
      const open = this.blocks.pop();
      if (open !== word.slice(3)) this.refusal = open === undefined ? `"${word}" closes no block` : `"${word}" closes block "${open}"`;
    }
  }
}

/** Lexes a template the way Jinja2 would. */
export function lexTemplate(source: string): LexResult {
  const lexer = new TemplateLexer(source);
  lexer.run();
  return { tags: lexer.tags, refusal: lexer.refusal };
}
