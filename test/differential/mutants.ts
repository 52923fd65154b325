/**
 * Generated and mutated pickles for the differential harness. Deterministic: everything random comes from
 * test/helpers/fuzz.ts's seeded prng, so a seed names the same files on every machine.
 *
 * The mutations are structural (opcode level), not byte noise: the point is pickles CPython still loads, written
 * the ways an attacker would write them to slip a name past a scanner.
 */
import { mutateBytes, prng, randomInt } from "../helpers/fuzz.js";

export interface Mutant {
  /** File name (unique, descriptive). */
  name: string;
  /** Mutation class, for grouping divergences. */
  kind: string;
  /** What was done, for humans. */
  what: string;
  bytes: Buffer;
  /** Loaders to run on it (the recorder's loader names). */
  loaders: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// A small opcode tokenizer (only what the mutations need: where each opcode starts and ends).

type Arg = "none" | "line" | "line2" | 1 | 2 | 4 | 8 | "len1" | "len4" | "len8";

const ARGS: Record<number, Arg> = {};
const set = (ops: string, arg: Arg): void => {
  for (const c of ops) ARGS[c.charCodeAt(0)] = arg;
};
set("(.012N\x88\x89QRabd}l]ost)\x85\x86\x87\x81\x92\x93\x94\x8f\x90\x91\x97\x98eu", "none");
set("ILFSVPgp", "line");
set("ci", "line2");
set("Khq\x80\x82", 1);
set("M\x83", 2);
set("Jjr\x84", 4);
set("G\x95", 8);
set("\x8aUC\x8c", "len1");
set("\x8bTXB", "len4");
set("\x8d\x8e\x96", "len8");

export interface Op {
  code: number;
  pos: number;
  end: number;
}

/** Opcodes of the first stream (up to and including STOP); stops quietly at the first thing it cannot read. */
export function tokenize(buf: Buffer, start = 0): Op[] {
  const ops: Op[] = [];
  let pos = start;
  while (pos < buf.length) {
    const code = buf[pos]!;
    const arg = ARGS[code];
    if (arg === undefined) break;
    let end = pos + 1;
    const line = (from: number): number => {
      const nl = buf.indexOf(0x0a, from);
      return nl < 0 ? -1 : nl + 1;
    };
    if (arg === "line") end = line(end);
    else if (arg === "line2") {
      const first = line(end);
      end = first < 0 ? -1 : line(first);
    }
    else if (typeof arg === "number") end += arg;
    else if (arg === "len1") end = end + 1 + (buf[end] ?? 0);
    else if (arg === "len4") end = end + 4 + (end + 4 <= buf.length ? buf.readUInt32LE(end) : 0);
    else if (arg === "len8") end = end + 8 + (end + 8 <= buf.length ? Number(buf.readBigUInt64LE(end)) : 0);
    if (end < 0 || end > buf.length) break;
    ops.push({ code, pos, end });
    pos = end;
    if (code === 0x2e) break;
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------------------------
// Writers.

const b = (...parts: (Buffer | string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Array.isArray(p) ? Buffer.from(p) : p)));
const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const u32 = (n: number): Buffer => {
  const x = Buffer.alloc(4);
  x.writeUInt32LE(n >>> 0);
  return x;
};
const u64 = (n: number | bigint): Buffer => {
  const x = Buffer.alloc(8);
  x.writeBigUInt64LE(BigInt(n));
  return x;
};
export const op = {
  proto: (p: number): Buffer => b([0x80, p]),
  stop: (): Buffer => b("."),
  global: (m: string, n: string): Buffer => b("c", m, "\n", n, "\n"),
  inst: (m: string, n: string): Buffer => b("i", m, "\n", n, "\n"),
  sbu: (s: string): Buffer => {
    const x = Buffer.from(s, "utf8");
    return x.length < 256 ? b([0x8c, x.length], x) : b("X", u32(x.length), x);
  },
  binunicode8: (s: string): Buffer => {
    const x = Buffer.from(s, "utf8");
    return b([0x8d], u64(x.length), x);
  },
  stackGlobal: (m: string, n: string): Buffer => b(op.sbu(m), op.sbu(n), [0x93]),
  str0: (s: string): Buffer => b("S'", s, "'\n"),
  mark: (): Buffer => b("("),
  tuple: (): Buffer => b("t"),
  tuple1: (): Buffer => b([0x85]),
  reduce: (): Buffer => b("R"),
  pop: (): Buffer => b("0"),
  build: (): Buffer => b("b"),
  emptyDict: (): Buffer => b("}"),
  binput: (i: number): Buffer => b("q", u8(i)),
  longBinput: (i: number): Buffer => b("r", u32(i)),
  binget: (i: number): Buffer => b("h", u8(i)),
  longBinget: (i: number): Buffer => b("j", u32(i)),
  put: (i: number): Buffer => b("p", String(i), "\n"),
  get: (i: number): Buffer => b("g", String(i), "\n"),
  memoize: (): Buffer => b([0x94]),
  frame: (n: number | bigint): Buffer => b([0x95], u64(n)),
  shortBinbytes: (x: Buffer): Buffer => b([0x43, x.length], x),
  binbytes: (x: Buffer): Buffer => b("B", u32(x.length), x),
  binint: (n: number): Buffer => b("J", u32(n)),
  ext1: (n: number): Buffer => b([0x82, n]),
  ext2: (n: number): Buffer => b([0x83, n & 0xff, n >> 8]),
  emptyTuple: (): Buffer => b(")"),
  newobj: (): Buffer => b([0x81]),
  none: (): Buffer => b("N"),
  emptyList: (): Buffer => b("]"),
  append: (): Buffer => b("a"),
  setitem: (): Buffer => b("s"),
};

/** Names a payload imports: dangerous ones, one the scanner cannot know, and the dotted/aliased spellings. */
export const TARGETS: [string, string][] = [
  ["os", "system"],
  ["posix", "system"],
  ["nt", "system"],
  ["builtins", "eval"],
  ["__builtin__", "eval"],
  ["builtins", "exec"],
  ["subprocess", "Popen"],
  ["subprocess", "check_output"],
  ["runpy", "_run_code"],
  ["webbrowser", "open"],
  ["shutil", "rmtree"],
  ["socket", "create_connection"],
  ["builtins", "getattr"],
  ["importlib", "import_module"],
  ["torch.serialization", "os.system"],
  ["pathlib", "os.system"],
  ["numpy", "testing._private.utils.os.system"],
  ["modelgate_unknown_module", "Thing"],
  ["collections", "OrderedDict"],
  ["torch", "_utils"],
];

/** A stack- and memo-neutral sequence that imports (and, for most forms, calls) m.n. */
export function payload(form: string, m: string, n: string, memo = 250): Buffer {
  switch (form) {
    case "global-reduce":
      return b(op.global(m, n), op.mark(), op.str0("id"), op.tuple(), op.reduce(), op.pop());
    case "stack-global-reduce":
      return b(op.stackGlobal(m, n), op.sbu("id"), op.tuple1(), op.reduce(), op.pop());
    case "inst":
      return b(op.mark(), op.str0("id"), op.inst(m, n), op.pop());
    case "global-only":
      return b(op.global(m, n), op.pop());
    case "memo":
      return b(op.global(m, n), op.binput(memo), op.pop(), op.none(), op.pop(), op.binget(memo), op.mark(), op.str0("id"), op.tuple(), op.reduce(), op.pop());
    case "memo-text":
      return b(op.global(m, n), op.put(memo + 1000), op.pop(), op.get(memo + 1000), op.mark(), op.str0("id"), op.tuple(), op.reduce(), op.pop());
    case "memo-long":
      return b(op.stackGlobal(m, n), op.longBinput(0x7fff0000 + memo), op.pop(), op.longBinget(0x7fff0000 + memo), op.sbu("id"), op.tuple1(), op.reduce(), op.pop());
    case "newobj":
      return b(op.global(m, n), op.emptyTuple(), op.newobj(), op.pop());
    case "build-on-global":
      return b(op.global(m, n), op.emptyDict(), op.sbu("x"), op.global("os", "system"), op.setitem(), op.build(), op.pop());
    case "ext": {
      const code = 0xf0 + (memo % 8);
      return b(
        op.global("copyreg", "add_extension"),
        op.mark(),
        op.str0(m),
        op.str0(n),
        op.binint(code),
        op.tuple(),
        op.reduce(),
        op.pop(),
        op.ext1(code),
        op.mark(),
        op.str0("id"),
        op.tuple(),
        op.reduce(),
        op.pop(),
      );
    }
    case "nested-loads": {
      const inner = b(op.proto(2), payload("global-reduce", m, n), op.none(), op.stop());
      return b(op.global("pickle", "loads"), op.mark(), op.binbytes(inner), op.tuple(), op.reduce(), op.pop());
    }
    case "nested-codecs": {
      const inner = b(op.proto(2), payload("global-reduce", m, n), op.none(), op.stop());
      return b(
        op.global("pickle", "loads"),
        op.mark(),
        op.global("_codecs", "encode"),
        op.mark(),
        b("V", inner.toString("latin1").replace(/\\/g, "\\u005c").replace(/\n/g, "\\u000a"), "\n"),
        op.str0("latin1"),
        op.tuple(),
        op.reduce(),
        op.tuple(),
        op.reduce(),
        op.pop(),
      );
    }
    default:
      throw new Error(`unknown payload form ${form}`);
  }
}

export const FORMS = [
  "global-reduce",
  "stack-global-reduce",
  "inst",
  "global-only",
  "memo",
  "memo-text",
  "memo-long",
  "newobj",
  "build-on-global",
  "ext",
  "nested-loads",
  "nested-codecs",
];

/** A complete small pickle around a payload. */
export function wrap(proto: number | undefined, body: Buffer): Buffer {
  return b(proto === undefined ? Buffer.alloc(0) : op.proto(proto), body, op.none(), op.stop());
}

/** The pickle with every FRAME opcode removed (frames are optional; what remains reads the same). */
export function deframe(buf: Buffer): Buffer {
  const ops = tokenize(buf);
  const parts: Buffer[] = [];
  let last = 0;
  for (const o of ops) {
    if (o.code === 0x95) {
      parts.push(buf.subarray(last, o.pos));
      last = o.end;
    }
  }
  const end = ops.length > 0 ? ops[ops.length - 1]!.end : 0;
  parts.push(buf.subarray(last, end));
  return Buffer.concat(parts);
}

/** Every GLOBAL rewritten as two SHORT_BINUNICODE pushes and STACK_GLOBAL. */
export function globalsToStackGlobal(buf: Buffer): Buffer {
  const ops = tokenize(buf);
  const parts: Buffer[] = [];
  let last = 0;
  for (const o of ops) {
    if (o.code !== 0x63) continue;
    const [m, n] = buf.subarray(o.pos + 1, o.end - 1).toString("latin1").split("\n");
    parts.push(buf.subarray(last, o.pos), op.stackGlobal(m ?? "", n ?? ""));
    last = o.end;
  }
  parts.push(buf.subarray(last));
  return Buffer.concat(parts);
}

/** Every STACK_GLOBAL preceded by two short string pushes rewritten as GLOBAL. */
export function stackGlobalToGlobal(buf: Buffer): Buffer {
  const ops = tokenize(buf);
  const parts: Buffer[] = [];
  let last = 0;
  for (let i = 2; i < ops.length; i++) {
    const o = ops[i]!;
    const a = ops[i - 2]!;
    const c = ops[i - 1]!;
    if (o.code !== 0x93 || a.code !== 0x8c || c.code !== 0x8c) continue;
    const m = buf.subarray(a.pos + 2, a.end).toString("utf8");
    const n = buf.subarray(c.pos + 2, c.end).toString("utf8");
    if (m.includes("\n") || n.includes("\n")) continue;
    parts.push(buf.subarray(last, a.pos), op.global(m, n));
    last = o.end;
  }
  parts.push(buf.subarray(last));
  return Buffer.concat(parts);
}

/** First-opcode tricks: a harmless first opcode CPython accepts, then the payload. */
function leadIns(): [string, Buffer][] {
  return [
    ["int-5000-digits", b("I", "7".repeat(5000), "\n", op.pop())],
    ["int-nul-after-digits", b("I5\x00\n", op.pop())],
    ["int-hex", b("I0x10\n", op.pop())],
    ["int-bool-01", b("I01\n", op.pop())],
    ["int-spaces", b("I 5\n", op.pop())],
    ["long-suffix", b("L123L\n", op.pop())],
    ["long-hex", b("L0x1fL\n", op.pop())],
    ["long-5000-digits", b("L", "9".repeat(5000), "L\n", op.pop())],
    ["unicode-70k", b(op.sbu("a".repeat(70_000)), op.pop())],
    ["binunicode8-70k", b(op.binunicode8("b".repeat(70_000)), op.pop())],
    ["binbytes-100k", b(op.binbytes(Buffer.alloc(100_000, 0x41)), op.pop())],
    ["string-70k", b(op.str0("c".repeat(70_000)), op.pop())],
    ["frame-zero", op.frame(0)],
    ["frame-short", op.frame(3)],
    ["frame-huge", op.frame(1n << 40n)],
    ["mark-pop-mark", b(op.mark(), b("1"))],
    ["float-line", b("F1e400\n", op.pop())],
    ["none-pop", b(op.none(), op.pop())],
    ["tar-magic-in-string", b(op.str0("x".repeat(250) + "ustar\x0000"), op.pop())],
    ["pk-in-string", b(op.str0("PK\x03\x04"), op.pop())],
  ];
}

const EXTRA_LOADERS = ["torch", "joblib", "pandas", "numpy"];

/**
 * The mutants: `count` of them from `seed`, built over the plain pickles in `bases` (fixture bytes).
 */
export function generateMutants(bases: { name: string; bytes: Buffer }[], seed: number, count: number): Mutant[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[randomInt(rnd, xs.length)]!;
  const out: Mutant[] = [];
  const used = new Set<string>();
  const add = (kind: string, what: string, bytes: Buffer, extra?: string): void => {
    let name = `${String(out.length).padStart(4, "0")}-${kind}-${what}`.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 120) + ".pkl";
    while (used.has(name)) name = name.replace(/\.pkl$/, "_.pkl");
    used.add(name);
    out.push({ name, kind, what, bytes, loaders: ["pickle", "pickle-py", extra ?? pick(EXTRA_LOADERS)] });
  };
  const plainBases = bases.filter((x) => tokenize(x.bytes).length > 1);

  // 1. Every payload form × protocol for the dangerous core names (systematic, not random).
  for (const form of FORMS) {
    for (const proto of [undefined, 0, 2, 4, 5]) {
      const [m, n] = form === "ext" || form.startsWith("nested") ? ["os", "system"] : pick(TARGETS);
      add("form", `${form}-p${proto ?? "none"}-${m}.${n}`, wrap(proto, payload(form, m, n)));
    }
  }
  // 2. Every target name with the two common forms.
  for (const [m, n] of TARGETS) {
    for (const proto of [2, 4]) add("target", `p${proto}-${m}.${n}`, wrap(proto, payload(proto === 4 ? "stack-global-reduce" : "global-reduce", m, n)));
  }
  // 3. Lead-in first opcodes CPython accepts, then a payload.
  for (const [label, lead] of leadIns()) {
    for (const proto of [undefined, 4]) {
      const body = b(lead, payload(proto === 4 ? "stack-global-reduce" : "global-reduce", "os", "system"));
      add("lead-in", `${label}-p${proto ?? "none"}`, proto === undefined ? b(body, op.none(), op.stop()) : b(op.proto(proto), body, op.none(), op.stop()));
    }
  }
  // 3b. A GLOBAL / INST cut off at the end of the file: the pure-Python unpickler (joblib) drops the last character
  // of a line without its newline and still calls find_class (and INST then calls the result).
  for (const [m, n] of [["os", "system"], ["builtins", "eval"], ["subprocess", "Popen"]] as [string, string][]) {
    for (const proto of [undefined, 2]) {
      add("truncated", `global-p${proto ?? "none"}-${m}.${n}`, b(proto === undefined ? Buffer.alloc(0) : op.proto(proto), "c", m, "\n", n, "X"), "joblib");
      add("truncated", `inst-p${proto ?? "none"}-${m}.${n}`, b(proto === undefined ? Buffer.alloc(0) : op.proto(proto), op.mark(), op.str0("id"), "i", m, "\n", n, "X"), "joblib");
      add("truncated", `global-empty-name-p${proto ?? "none"}-${m}`, b(proto === undefined ? Buffer.alloc(0) : op.proto(proto), "c", m, "\n"), "joblib");
    }
  }
  // 4. Dotted names with protocol 4 / 5 (attribute walks from an innocent module) and below 4 (not walked).
  for (const [m, n] of [
    ["torch.serialization", "os.system"],
    ["torch", "serialization.os.system"],
    ["collections", "OrderedDict.__init__.__globals__"],
    ["builtins", "__import__"],
    ["numpy", "load.__globals__.pickle.loads"],
    ["joblib.numpy_pickle", "pickle.loads"],
  ] as [string, string][]) {
    for (const proto of [2, 4, 5]) add("dotted", `p${proto}-${m}.${n}`, wrap(proto, payload("stack-global-reduce", m, n)));
  }
  // 5. Random structural mutations of real pickles.
  const structural = [
    "insert",
    "insert-deframed",
    "proto-change",
    "to-stack-global",
    "to-global",
    "frame-insert",
    "append-stream",
    "splice",
    "prepend-stream",
    "bytes",
  ];
  while (out.length < count && plainBases.length > 0) {
    const base = pick(plainBases);
    const kind = pick(structural);
    const [m, n] = pick(TARGETS.slice(0, 16));
    const form = pick(FORMS);
    let bytes = base.bytes;
    let what = `${base.name}`;
    const ops = tokenize(bytes);
    switch (kind) {
      case "insert":
      case "insert-deframed": {
        if (kind === "insert-deframed") bytes = deframe(bytes);
        const o = tokenize(bytes);
        const at = o.length > 1 ? o[1 + randomInt(rnd, o.length - 1)]!.pos : 0;
        bytes = b(bytes.subarray(0, at), payload(form, m, n, randomInt(rnd, 200) + 50), bytes.subarray(at));
        what += `-${form}-${m}.${n}-at${at}`;
        break;
      }
      case "proto-change": {
        const p = randomInt(rnd, 7) - 1; // -1: remove PROTO
        const body = ops[0]?.code === 0x80 ? bytes.subarray(2) : bytes;
        const inserted = payload(form === "ext" ? "global-reduce" : form, m, n);
        bytes = b(p < 0 ? Buffer.alloc(0) : op.proto(p), inserted, body);
        what += `-proto${p}-${form}-${m}.${n}`;
        break;
      }
      case "to-stack-global":
        bytes = globalsToStackGlobal(b(bytes.subarray(0, ops[1]?.pos ?? 0), payload("global-reduce", m, n), bytes.subarray(ops[1]?.pos ?? 0)));
        what += `-${m}.${n}`;
        break;
      case "to-global":
        bytes = stackGlobalToGlobal(b(bytes.subarray(0, ops[1]?.pos ?? 0), payload("stack-global-reduce", m, n), bytes.subarray(ops[1]?.pos ?? 0)));
        what += `-${m}.${n}`;
        break;
      case "frame-insert": {
        const o = tokenize(bytes);
        const at = o.length > 1 ? o[1 + randomInt(rnd, o.length - 1)]!.pos : 0;
        const rest = bytes.length - at;
        const len = pick([0, 1, 9, rest - 1, rest, rest + 1, 0xffff, 2 ** 33]);
        const p = payload("global-reduce", m, n);
        bytes = b(bytes.subarray(0, at), op.frame(Math.max(0, len + p.length)), p, bytes.subarray(at));
        what += `-len${len}-at${at}-${m}.${n}`;
        break;
      }
      case "append-stream":
        bytes = b(bytes, wrap(pick([0, 2, 4]), payload(form, m, n)));
        what += `-${form}-${m}.${n}`;
        break;
      case "prepend-stream":
        bytes = b(wrap(pick([0, 2, 4]), payload(form, m, n)), bytes);
        what += `-${form}-${m}.${n}`;
        break;
      case "splice": {
        const other = pick(plainBases);
        const o2 = tokenize(other.bytes);
        const cut = ops.length > 2 ? ops[1 + randomInt(rnd, ops.length - 2)]!.pos : 0;
        const from = o2.length > 2 ? o2[1 + randomInt(rnd, o2.length - 2)]!.pos : 0;
        bytes = b(bytes.subarray(0, cut), payload(form, m, n), other.bytes.subarray(from));
        what += `-${other.name}-cut${cut}-from${from}-${form}-${m}.${n}`;
        break;
      }
      case "bytes":
        bytes = mutateBytes(wrap(pick([0, 2, 4]), b(payload(form, m, n), payload("global-reduce", "posix", "system"))), rnd);
        what = `${form}-${m}.${n}`;
        break;
    }
    add(kind, what, bytes);
  }
  return out;
}
