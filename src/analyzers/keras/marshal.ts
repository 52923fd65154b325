/**
 * Reads a Python `marshal` dump of a code object (what Keras stores for a Lambda layer) far enough to
 * tell a reviewer what the code touches: the global and attribute names it uses and its string
 * constants. Nothing is executed; the bytes are only decoded. The code-object layout differs between
 * Python versions and the dump does not say which one wrote it, so each known layout is tried and the one
 * that consumes the dump exactly wins.
 */

export interface CodeSummary {
  /** Which layout parsed the dump: "3.11+", "3.8-3.10", "3.0-3.7" or "2.x". */
  layout: string;
  /** Names the code loads (co_names of every code object): globals, attributes, imported modules. */
  names: string[];
  /** String constants (co_consts of every code object). */
  strings: string[];
}

export interface MarshalLimits {
  maxObjects?: number;
  maxDepth?: number;
  /** Entries kept per list in the summary. */
  maxListed?: number;
  /** Characters kept per string in the summary. */
  maxStringChars?: number;
}

interface Layout {
  label: string;
  ints: number;
  objectsBeforeLine: number;
  objectsAfterLine: number;
}

const LAYOUTS: readonly Layout[] = [
  { label: "3.11+", ints: 5, objectsBeforeLine: 8, objectsAfterLine: 2 },
  { label: "3.8-3.10", ints: 6, objectsBeforeLine: 8, objectsAfterLine: 1 },
  { label: "3.0-3.7", ints: 5, objectsBeforeLine: 8, objectsAfterLine: 1 },
  { label: "2.x", ints: 4, objectsBeforeLine: 8, objectsAfterLine: 1 },
];

/** A decoded value, reduced to what the summary needs. */
type Value = null | boolean | number | string | Uint8Array | Value[] | CodeValue | { kind: "other" };
interface CodeValue {
  kind: "code";
  consts: Value;
  names: Value;
}

class StopParse extends Error {}

function isCode(v: Value): v is CodeValue {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === "code";
}

function parse(bytes: Uint8Array, layout: Layout, maxObjects: number, maxDepth: number): Value {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8", { fatal: false });
  const refs: Value[] = [];
  let pos = 0;
  let objects = 0;

  const need = (k: number): void => {
    if (k < 0 || pos + k > bytes.length) throw new StopParse("truncated");
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const take = (k: number): Uint8Array => {
    need(k);
    const out = bytes.subarray(pos, pos + k);
    pos += k;
    return out;
  };

  const read = (depth: number): Value => {
    if (++objects > maxObjects || depth > maxDepth) throw new StopParse("too large");
    const code = u8();
    const flag = (code & 0x80) !== 0;
    const type = String.fromCharCode(code & 0x7f);
    let slot = -1;
    if (flag) {
      slot = refs.length;
      refs.push(null);
    }
    const done = (v: Value): Value => {
      if (slot >= 0) refs[slot] = v;
      return v;
    };
    const seq = (count: number): Value[] => {
      if (count < 0 || count > bytes.length - pos) throw new StopParse("bad length");
      const out: Value[] = [];
      for (let k = 0; k < count; k++) out.push(read(depth + 1));
      return out;
    };
    switch (type) {
      case "0":
        return done(null);
      case "N":
      case "S":
      case ".":
        return done(null);
      case "F":
        return done(false);
      case "T":
        return done(true);
      case "i":
        return done(i32());
      case "I":
        take(8);
        return done({ kind: "other" });
      case "f":
        take(u8());
        return done({ kind: "other" });
      case "g":
        take(8);
        return done({ kind: "other" });
      case "x":
        take(u8());
        take(u8());
        return done({ kind: "other" });
      case "y":
        take(16);
        return done({ kind: "other" });
      case "l": {
        const digits = Math.abs(i32());
        take(digits * 2);
        return done({ kind: "other" });
      }
      case "s":
        return done(take(i32()));
      case "t":
      case "u":
        return done(utf8.decode(take(i32())));
      case "a":
      case "A":
        return done(latin1.decode(take(i32())));
      case "z":
      case "Z":
        return done(latin1.decode(take(u8())));
      case "R": {
        const v = refs[i32()];
        if (v === undefined) throw new StopParse("bad string ref");
        return done(v);
      }
      case "r": {
        const idx = i32();
        const v = refs[idx];
        if (idx < 0 || v === undefined) throw new StopParse("bad ref");
        return v;
      }
      case "(":
      case "[":
      case "<":
      case ">":
        return done(seq(i32()));
      case ")":
        return done(seq(u8()));
      case "{": {
        const out: Value[] = [];
        while (true) {
          need(1);
          if (bytes[pos] === 0x30) {
            pos++;
            return done(out);
          }
          out.push(read(depth + 1), read(depth + 1));
        }
      }
      case ":":
        return done(seq(3));
      case "c": {
        for (let k = 0; k < layout.ints; k++) i32();
        const before = seq(layout.objectsBeforeLine);
        i32();
        seq(layout.objectsAfterLine);
        return done({ kind: "code", consts: before[1] ?? null, names: before[2] ?? null });
      }
      default:
        throw new StopParse(`unknown type ${code}`);
    }
  };

  const top = read(0);
  if (pos !== bytes.length) throw new StopParse("trailing bytes");
  return top;
}

/** Summarizes a marshalled code object; undefined when no known layout parses it. */
export function summarizeMarshalledCode(bytes: Uint8Array, limits: MarshalLimits = {}): CodeSummary | undefined {
  const maxObjects = limits.maxObjects ?? 100_000;
  const maxDepth = limits.maxDepth ?? 64;
  const maxListed = limits.maxListed ?? 64;
  const maxChars = limits.maxStringChars ?? 200;
  for (const layout of LAYOUTS) {
    let top: Value;
    try {
      top = parse(bytes, layout, maxObjects, maxDepth);
    } catch (e) {
      if (e instanceof StopParse) continue;
      throw e;
    }
    if (!isCode(top)) return undefined;
    const names = new Set<string>();
    const strings = new Set<string>();
    const seen = new Set<Value>();
    const addStrings = (v: Value, into: Set<string>, depth: number): void => {
      if (depth > maxDepth) return;
      if (typeof v === "string") {
        if (into.size < maxListed) into.add(v.length > maxChars ? `${v.slice(0, maxChars)}…` : v);
      } else if (Array.isArray(v)) {
        for (const x of v) addStrings(x, into, depth + 1);
      } else if (isCode(v)) {
        visit(v, depth + 1);
      }
    };
    const visit = (c: CodeValue, depth: number): void => {
      if (seen.has(c)) return;
      seen.add(c);
      addStrings(c.names, names, depth);
      addStrings(c.consts, strings, depth);
    };
    visit(top, 0);
    return { layout: layout.label, names: [...names], strings: [...strings] };
  }
  return undefined;
}
