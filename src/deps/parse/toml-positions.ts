/**
 * Line numbers for TOML values. smol-toml returns plain values without positions, so this is a small lexer that
 * walks the same (already validated) document and records the line where each key, table and array element
 * starts, keyed by its path: ["project", "dependencies", 2] or ["package", 14, "name"] for the 15th [[package]].
 * On anything it does not understand it stops and keeps what it had: callers then omit the line, never guess one.
 */

export type TomlPath = readonly (string | number)[];

function pathKey(path: TomlPath): string {
  return JSON.stringify(path);
}

class StopScan extends Error {}

export class TomlPositions {
  private readonly lines = new Map<string, number>();

  private constructor() {}

  /** Scans `text` (valid TOML); never throws. */
  static scan(text: string): TomlPositions {
    const positions = new TomlPositions();
    try {
      new Lexer(text, positions.lines).document();
    } catch (e) {
      if (!(e instanceof StopScan) && !(e instanceof RangeError)) throw e;
    }
    return positions;
  }

  /** 1-based line where the value at `path` (or its key) starts, if known. */
  line(path: TomlPath): number | undefined {
    return this.lines.get(pathKey(path));
  }
}

class Lexer {
  private pos = 0;
  private lineNo = 1;
  private table: (string | number)[] = [];
  /** Array-of-tables paths → how many [[…]] headers seen so far. */
  private readonly arrayTables = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly out: Map<string, number>,
  ) {}

  private stop(): never {
    throw new StopScan();
  }

  private peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }

  private advance(n = 1): void {
    for (let i = 0; i < n; i++) {
      const c = this.text[this.pos];
      if (c === undefined) this.stop();
      if (c === "\n") this.lineNo++;
      this.pos++;
    }
  }

  private record(path: TomlPath, line: number): void {
    const key = pathKey(path);
    if (!this.out.has(key)) this.out.set(key, line);
  }

  private skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }

  /** Spaces, newlines and comments (between statements, or inside arrays). */
  private skipBlank(): void {
    while (true) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r" || c === "\n") this.advance();
      else if (c === "#") this.skipComment();
      else return;
    }
  }

  private skipComment(): void {
    while (this.peek() !== undefined && this.peek() !== "\n") this.pos++;
  }

  private endOfLine(): void {
    this.skipSpaces();
    if (this.peek() === "#") this.skipComment();
    if (this.peek() === "\r") this.pos++;
    if (this.peek() === undefined) return;
    if (this.peek() !== "\n") this.stop();
    this.advance();
  }

  document(): void {
    while (true) {
      this.skipBlank();
      const c = this.peek();
      if (c === undefined) return;
      if (c === "[") this.header();
      else {
        const line = this.lineNo;
        const keys = this.key();
        this.skipSpaces();
        if (this.peek() !== "=") this.stop();
        this.advance();
        this.skipSpaces();
        const path = [...this.table, ...keys];
        this.record(path, line);
        this.value(path);
      }
      this.endOfLine();
    }
  }

  private header(): void {
    const line = this.lineNo;
    const isArray = this.peek(1) === "[";
    this.advance(isArray ? 2 : 1);
    this.skipSpaces();
    const keys = this.key();
    this.skipSpaces();
    if (isArray) {
      if (this.peek() !== "]" || this.peek(1) !== "]") this.stop();
      this.advance(2);
      const prefix = this.concrete(keys.slice(0, -1));
      const arrayPath = [...prefix, keys[keys.length - 1]!];
      const k = pathKey(arrayPath);
      const index = this.arrayTables.get(k) ?? 0;
      this.arrayTables.set(k, index + 1);
      this.table = [...arrayPath, index];
    } else {
      if (this.peek() !== "]") this.stop();
      this.advance();
      this.table = this.concrete(keys);
    }
    this.record(this.table, line);
  }

  /** A header's key path with the current index inserted after each array of tables it passes through. */
  private concrete(keys: string[]): (string | number)[] {
    const path: (string | number)[] = [];
    for (const k of keys) {
      path.push(k);
      const count = this.arrayTables.get(pathKey(path));
      if (count !== undefined) path.push(count - 1);
    }
    return path;
  }

  /** Dotted key: bare or quoted parts separated by ".". */
  private key(): string[] {
    const keys: string[] = [];
    while (true) {
      this.skipSpaces();
      const c = this.peek();
      if (c === '"') keys.push(this.basicString());
      else if (c === "'") keys.push(this.literalString());
      else {
        const start = this.pos;
        while (/^[A-Za-z0-9_-]$/.test(this.peek() ?? "")) this.pos++;
        if (this.pos === start) this.stop();
        keys.push(this.text.slice(start, this.pos));
      }
      this.skipSpaces();
      if (this.peek() !== ".") return keys;
      this.advance();
    }
  }

  private basicString(): string {
    this.advance(); // opening quote
    let out = "";
    while (true) {
      const c = this.peek();
      if (c === undefined || c === "\n") this.stop();
      if (c === '"') {
        this.advance();
        return out;
      }
      if (c === "\\") {
        const n = this.peek(1);
        const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", e: "\x1b", '"': '"', "\\": "\\" };
        if (n !== undefined && simple[n] !== undefined) {
          out += simple[n];
          this.advance(2);
          continue;
        }
        const len = n === "u" ? 4 : n === "U" ? 8 : n === "x" ? 2 : 0;
        if (len === 0) this.stop();
        const hex = this.text.slice(this.pos + 2, this.pos + 2 + len);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) this.stop();
        out += String.fromCodePoint(parseInt(hex, 16));
        this.advance(2 + len);
        continue;
      }
      out += c;
      this.advance();
    }
  }

  private literalString(): string {
    this.advance();
    const end = this.text.indexOf("'", this.pos);
    const nl = this.text.indexOf("\n", this.pos);
    if (end < 0 || (nl >= 0 && nl < end)) this.stop();
    const s = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  /** Multi-line strings: skip to the closing delimiter (up to two extra quotes belong to the content). */
  private multiline(delim: '"""' | "'''"): void {
    this.advance(3);
    const q = delim[0]!;
    while (true) {
      const c = this.peek();
      if (c === undefined) this.stop();
      if (delim === '"""' && c === "\\") {
        this.advance(2);
        continue;
      }
      if (c === q && this.text.startsWith(delim, this.pos)) {
        let run = 0;
        while (this.peek(run) === q) run++;
        if (run > 5) this.stop();
        this.advance(run);
        return;
      }
      this.advance();
    }
  }

  private value(path: (string | number)[]): void {
    const c = this.peek();
    if (c === '"') {
      if (this.text.startsWith('"""', this.pos)) this.multiline('"""');
      else this.basicString();
    } else if (c === "'") {
      if (this.text.startsWith("'''", this.pos)) this.multiline("'''");
      else this.literalString();
    } else if (c === "[") this.array(path);
    else if (c === "{") this.inlineTable(path);
    else {
      // Numbers, booleans, dates: one token, except a date-time written with a space ("1979-05-27 07:32:00Z").
      const start = this.pos;
      const token = /^[^\s,\]}#]+/.exec(this.text.slice(start, start + 128))?.[0];
      if (!token) this.stop();
      this.pos += token!.length;
      if (/^\d{4}-\d{2}-\d{2}$/.test(token!)) {
        const time = /^ \d{2}:[^\s,\]}#]*/.exec(this.text.slice(this.pos, this.pos + 64))?.[0];
        if (time) this.pos += time.length;
      }
    }
  }

  private array(path: (string | number)[]): void {
    this.advance();
    let index = 0;
    while (true) {
      this.skipBlank();
      if (this.peek() === "]") {
        this.advance();
        return;
      }
      const elementPath = [...path, index];
      this.record(elementPath, this.lineNo);
      this.value(elementPath);
      index++;
      this.skipBlank();
      if (this.peek() === ",") {
        this.advance();
        continue;
      }
      if (this.peek() !== "]") this.stop();
    }
  }

  private inlineTable(path: (string | number)[]): void {
    this.advance();
    while (true) {
      this.skipBlank();
      if (this.peek() === "}") {
        this.advance();
        return;
      }
      const line = this.lineNo;
      const keys = this.key();
      this.skipSpaces();
      if (this.peek() !== "=") this.stop();
      this.advance();
      this.skipSpaces();
      const keyPath = [...path, ...keys];
      this.record(keyPath, line);
      this.value(keyPath);
      this.skipBlank();
      if (this.peek() === ",") {
        this.advance();
        continue;
      }
      if (this.peek() !== "}") this.stop();
    }
  }
}
