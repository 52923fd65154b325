import { LimitError, MalformedError } from "../../core/errors.js";

/**
 * JSON as Python's `json` module reads and writes it: standard JSON plus NaN, Infinity and -Infinity,
 * which Keras configs contain (a float("nan") default) and JSON.parse rejects. Nesting is bounded, and
 * "__proto__" keys become own properties instead of changing the object's prototype.
 */
export interface PythonJsonOptions {
  /** Deepest array/object nesting accepted. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 512;

export function parsePythonJson(text: string, options: PythonJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let i = 0;
  const n = text.length;

  const fail = (what: string): never => {
    throw new MalformedError(`invalid JSON: ${what}`, i);
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const literal = (word: string, value: unknown): unknown => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail(`unexpected character ${JSON.stringify(text[i])}`);
  };

  const parseString = (): string => {
    // text[i] === '"'
    i++;
    let out = "";
    let start = i;
    while (true) {
      if (i >= n) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"':
            out += '"';
            break;
          case "\\":
            out += "\\";
            break;
          case "/":
            out += "/";
            break;
          case "b":
            out += "\b";
            break;
          case "f":
            out += "\f";
            break;
          case "n":
            out += "\n";
            break;
          case "r":
            out += "\r";
            break;
          case "t":
            out += "\t";
            break;
          case "u": {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            fail("bad escape");
        }
        start = i;
        continue;
      }
      i++;
    }
  };

  const parseNumber = (): number => {
    const start = i;
    if (text[i] === "-") {
      i++;
      if (text.startsWith("Infinity", i)) {
        i += 8;
        return -Infinity;
      }
    }
    if (text[i] === "0") i++;
    else if (text[i]! >= "1" && text[i]! <= "9") while (i < n && text[i]! >= "0" && text[i]! <= "9") i++;
    else fail("bad number");
    if (text[i] === ".") {
      i++;
      if (!(text[i]! >= "0" && text[i]! <= "9")) fail("bad number");
      while (i < n && text[i]! >= "0" && text[i]! <= "9") i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (!(text[i]! >= "0" && text[i]! <= "9")) fail("bad number");
      while (i < n && text[i]! >= "0" && text[i]! <= "9") i++;
    }
    return Number(text.slice(start, i));
  };

  const parseValue = (depth: number): unknown => {
    ws();
    if (i >= n) fail("unexpected end");
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth >= maxDepth) throw new LimitError("jsonDepth", depth + 1, maxDepth, `JSON nested deeper than ${maxDepth} levels`);
      i++;
      if (c === "[") {
        const arr: unknown[] = [];
        ws();
        if (text[i] === "]") {
          i++;
          return arr;
        }
        while (true) {
          arr.push(parseValue(depth + 1));
          ws();
          if (text[i] === ",") {
            i++;
            continue;
          }
          if (text[i] === "]") {
            i++;
            return arr;
          }
          fail("expected , or ]");
        }
      }
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      while (true) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = parseString();
        ws();
        if (text[i] !== ":") fail("expected :");
        i++;
        const value = parseValue(depth + 1);
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected , or }");
      }
    }
    if (c === '"') return parseString();
    if (c === "t") return literal("true", true);
    if (c === "f") return literal("false", false);
    if (c === "n") return literal("null", null);
    if (c === "N") return literal("NaN", NaN);
    if (c === "I") return literal("Infinity", Infinity);
    return parseNumber();
  };

  const value = parseValue(0);
  ws();
  if (i !== n) fail("trailing characters");
  return value;
}
