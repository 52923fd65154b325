/**
 * A symbolic pickle virtual machine. It interprets every opcode of protocols 0–5 the way CPython's
 * unpickler (Modules/_pickle.c) does, over symbolic values (values.ts): nothing is imported, called
 * or deserialised. What it records is what a real load would have done — every import (GLOBAL,
 * STACK_GLOBAL, INST, EXT*), how each imported name was used (called, rebuilt or only referenced),
 * tricks no pickler writes (non-string STACK_GLOBAL operands, BUILD on a module, mutation of an
 * imported object), persistent ids, and the arguments of callables that unpickle bytes.
 *
 * Hostile input: lengths are checked against the remaining bytes before anything is read, the memo,
 * the stack, the mark depth and the number of distinct globals are bounded, containers keep only
 * their first items, payloads are views into the input (never copied), and the deadline is
 * checked every few thousand opcodes. A stream that cannot be read to its STOP keeps everything
 * found before the failure; the failure is returned, not thrown.
 */
import type { Evidence } from "../../core/finding.js";
import { LimitError, MalformedError, ModelgateError } from "../../core/errors.js";
import { isJoblibArrayWrapper, joblibArrayLayout } from "./joblib.js";
import { HIGHEST_PROTOCOL, opcodeName } from "./opcodes.js";
import type { PickleCallEffect } from "../../rules/data/pickle-effects.js";
import type { PickleStateRule } from "../../rules/data/pickle-state-rules.js";
import { decodeEscapedBytes, decodeRawUnicodeEscape, isPyFloat, readIntOperand } from "./text-operands.js";
import {
  CONTAINER_KEEP,
  FALSE,
  MAX_KEPT_CALLABLES,
  FLOAT,
  NONE,
  TRUE,
  asText,
  bigIntOf,
  decodeUtf8Strict,
  describeArgs,
  describeValue,
  dictFullyKnown,
  dictGet,
  dictValue,
  listValue,
  intValue,
  isPlainData,
  isScalar,
  mayCall,
  type CallValue,
  type ContainerValue,
  type GlobalSite,
  type GlobalValue,
  type ListValue,
  type StrValue,
  type Value,
} from "./values.js";

/** Constants shorter than this are never handed to `onConstant` (no pickle fits in fewer bytes worth hiding). */
export const MIN_CONSTANT_BYTES = 16;
/** Distinct imported names per stream. No model pickle comes near; past it the stream is not verified. */
export const MAX_DISTINCT_GLOBALS = 100_000;
/** The stack may hold this many values per allowed nesting level (a 10k nesting limit allows 1M values). */
export const STACK_PER_NESTING = 100;
const MAX_RECORDED = 256;
/** How deep the machine follows calls that allowlisted callables make with their arguments. */
const MAX_EFFECT_DEPTH = 8;
/**
 * A memo index past which CPython's C unpickler allocates its memo array (index × 2 pointers) beyond what a
 * loading process can hold: 2^28 entries are 4 GiB. No pickler writes such an index.
 */
const LOADER_MEMO_BOMB = 1 << 28;
const DEADLINE_EVERY = 4096;

export type AnomalyKind =
  | "non-string-global-operand"
  | "module-attribute-overwrite"
  | "global-mutation"
  | "unresolved-extension"
  | "computed-call"
  | "frame-divergence"
  | "loader-dos"
  | "memo-overflow"
  | "state-code";

/** Something no pickler writes, found while interpreting a stream. */
export interface Anomaly {
  kind: AnomalyKind;
  /** File-relative offset of the opcode. */
  offset: number;
  opcode: string;
  message: string;
  evidence: Evidence;
}

/** A str or bytes constant pushed by the stream. */
export interface ConstantInfo {
  /** The constant's bytes as the opcode carries them (UTF-8 for unicode opcodes). */
  data: Buffer;
  kind: "str" | "bytes";
  /** File-relative offset of the opcode that pushed it. */
  offset: number;
}

/** A call to a callable that unpickles one of its arguments (pickle.loads, basichandlers("pickle", data)…). */
export interface LoaderCall {
  offset: number;
  /** "module.name" of the loader. */
  loader: string;
  /** Its positional arguments (the first few). */
  args: Value[];
}

export interface MachineOptions {
  /** Memo entries allowed (ScanLimits.maxPickleMemo). */
  maxMemo: number;
  /** Open MARKs allowed; the stack may hold STACK_PER_NESTING times as many values (ScanLimits.maxPickleNesting). */
  maxNesting: number;
  /** Stop after this many opcodes without error (used by the sniff). */
  maxOps?: number;
  /** Called every few thousand opcodes; throws LimitError when time is up. */
  checkDeadline?: () => void;
  /** Added to every reported offset (when `buf` is a window of a larger file). */
  baseOffset?: number;
  /** Told about every str/bytes constant of at least MIN_CONSTANT_BYTES. */
  onConstant?: (c: ConstantInfo) => void;
  /** When set, only constants it passes reach onConstant (a cheap test on the bytes in place: nested.ts couldEmbedPickle). */
  constantFilter?: (src: Buffer, start: number, length: number) => boolean;
  /** True for callables that unpickle their bytes argument (pickle.loads, torch.storage._load_from_bytes…). */
  isNestedLoader?: (module: string, name: string) => boolean;
  /** Apply joblib's NumpyArrayWrapper BUILD hook (default true). */
  joblib?: boolean;
  /** copyreg extension registry learnt from copyreg.add_extension calls; share it between the streams of one file. */
  extensions?: Map<number, { module: string; name: string }>;
  /** Build a MalformedError with a message and offset for a failed stream (default true; the sniff turns it off). */
  describeErrors?: boolean;
  /** Classes whose __setstate__ runs code from the state, and what a benign state looks like (pickle-state-rules.ts). */
  stateRuleOf?: (module: string, name: string) => PickleStateRule | undefined;
  /** What a known-safe callable does with its arguments (src/rules/data/pickle-effects.ts). */
  effectOf?: (module: string, name: string) => PickleCallEffect | undefined;
  /**
   * How FRAME opcodes are read. "linear" (default): the bytes in order, as pickle.loads and the pure-Python
   * unpickler read them. "c-file": as CPython's C unpickler reading a file does — a frame larger than its read
   * buffer is read whole, and an operand that runs past the frame's end makes it drop the rest of the frame and
   * read the operand from the file after it. joblib's pure-Python unpickler reads arrays from the file handle,
   * after the frame, in either mode.
   */
  frames?: "linear" | "c-file";
  /**
   * False when `buf` is only a prefix of the data (the sniff's head): a line without a newline is then cut off by
   * the prefix, not by the end of the data. Default true: at the real end, the pure-Python unpickler's
   * `readline()[:-1]` takes a last line without its newline and drops its final byte, and goes on.
   */
  atEof?: boolean;
}

export interface StreamResult {
  /** Offset in `buf` where the stream starts and where reading stopped (after STOP, or at the failure). */
  start: number;
  end: number;
  /** True when the stream was read up to and including its STOP. */
  completed: boolean;
  /** Why the stream could not be read (MalformedError, LimitError or an INTERNAL ModelgateError). */
  error: ModelgateError | undefined;
  /** True when the failure is running out of bytes (as opposed to bytes that are not valid). */
  truncated: boolean;
  /** True when maxOps opcodes ran without error or STOP. */
  budgetExhausted: boolean;
  opcodes: number;
  /** Highest PROTO seen (0 without one). */
  protocol: number;
  /** The value STOP returned. */
  result: Value | undefined;
  sites: GlobalSite[];
  anomalies: Anomaly[];
  loaderCalls: LoaderCall[];
  persistentIds: number;
  /** joblib arrays skipped (raw) or read as inline pickles (object arrays). */
  joblibArrays: number;
  /** Inline pickles of joblib object arrays, read as part of this stream's load. */
  substreams: StreamResult[];
  /** Offset of the first operand that runs past the end of its FRAME (the readings of the C and Python unpicklers differ there). */
  frameCrossing: number | undefined;
  /** When the stream ran out of bytes: how many bytes from the start of `buf` the failing operand needed (undefined for a line with no newline). */
  needBytes: number | undefined;
}

/** Instance attributes the unpickler looks up and calls itself (see PickleMachine.plant). */
const PLANTABLE = new Set(["__setstate__", "append", "extend", "add"]);

/** The builtin type of plain data, for attributes fetched from it (`getattr("", "join")`). */
const PLAIN_TYPE: Partial<Record<Value["kind"], string>> = {
  none: "NoneType",
  bool: "bool",
  int: "int",
  float: "float",
  str: "str",
  bytes: "bytes",
  list: "list",
  tuple: "tuple",
  set: "set",
  frozenset: "frozenset",
  dict: "dict",
};

/** The items of a tuple/list/set (or the values of a dict) that a callable receives as its arguments or calls. */
function itemsOf(v: Value | undefined): Value[] {
  if (v === undefined) return [];
  if (v.kind === "tuple" || v.kind === "list" || v.kind === "set" || v.kind === "frozenset") return v.items;
  if (v.kind === "dict") return v.values;
  if (v.kind === "call") return v.items ?? [];
  return [];
}

/**
 * torch.load's persistent_load of the legacy format answers a ("module", cls, source_file, source) id with `cls`
 * itself: whole-module saves name their layer classes this way. Any other persistent id is a storage.
 */
function torchModuleClass(v: Value): GlobalValue | undefined {
  if (v.kind !== "persistent" || v.pid.kind !== "tuple") return undefined;
  const [tag, cls] = v.pid.items;
  return asText(tag) === "module" && cls?.kind === "global" ? cls : undefined;
}

/** Items of a sealed container: none are kept (frozen, so that nothing is ever added to it by mistake). */
const SEALED_ITEMS = Object.freeze([]) as unknown as Value[];
/** Nesting a plain-data check follows; deeper (or cyclic) data is kept rather than sealed. */
const MAX_PLAIN_DEPTH = 32;
/** Codes of container kinds in a compacted memo slot. */
const CONTAINER_CODES = ["list", "tuple", "set", "frozenset", "dict"] as const;
const CONTAINER_CODE: Readonly<Record<ContainerValue["kind"], number>> = { list: 0, tuple: 1, set: 2, frozenset: 3, dict: 4 };
/** In `memoAux`, how a compacted str/bytes slot decodes (length × 4 + code). */
const AUX_UTF8 = 0;
const AUX_LATIN1 = 1;
const AUX_BYTES = 2;
/** The memo is kept in pages of this many slots, made when a key in them is first stored. */
const MEMO_PAGE_BITS = 12;
const MEMO_PAGE = 1 << MEMO_PAGE_BITS;

/** A sealed container's memo slot: a negative number holding its kind and count. */
function sealedSlot(c: ContainerValue): number {
  return -(c.count * 8 + CONTAINER_CODE[c.kind]) - 1;
}

/** What APPEND(S) and SETITEM(S) may modify among plain data (SETITEM on a list is an index assignment in CPython). */
const LIST_TARGET: ReadonlyArray<Value["kind"]> = ["list"];
const DICT_TARGET: ReadonlyArray<Value["kind"]> = ["dict", "list"];

function isContainer(v: Value): v is ContainerValue {
  return v.kind === "list" || v.kind === "tuple" || v.kind === "set" || v.kind === "frozenset" || v.kind === "dict";
}

const EMPTY_TUPLE: ListValue = Object.freeze(listValue("tuple", Object.freeze([]) as unknown as Value[], 0));

/**
 * Control-flow signal for a failure inside the interpreter loop; becomes a MalformedError in the result.
 * Deliberately not an Error: capturing a stack trace per failure would dominate the cost of sniffing.
 */
class StreamFailure {
  constructor(
    readonly message: string,
    readonly offset: number,
    readonly truncated: boolean,
  ) {}
}

/** The error of every failed stream when `describeErrors` is off (the sniff only needs to know that it failed). */
const QUIET_FAILURE = new MalformedError("not a valid pickle stream");

class PickleMachine {
  private readonly buf: Buffer;
  private readonly end: number;
  private readonly base: number;
  private pos: number;
  private readonly stack: Value[] = [];
  private readonly marks: number[] = [];
  private fence = 0;
  /**
   * The memo. Keys below twice maxMemo live in pages of slots (made on first use: growing one array would copy
   * it again and again), where a str or bytes read from `buf` is kept as its offset (length and encoding in the
   * page's aux array) and a sealed container as a negative number (kind and count): no object per value. Larger
   * keys live in `memoSparse`. `memoCount` counts the keys stored (MEMOIZE's key).
   */
  private readonly memoPages: (Value | number | undefined)[][] = [];
  private readonly memoAux: (number[] | undefined)[] = [];
  private readonly memoSparse = new Map<number, Value>();
  /** Keys below this are paged (twice maxMemo, within uint32 page arithmetic). */
  private readonly pagedKeys: number;
  private memoCount = 0;
  private readonly sites = new Map<string, GlobalSite>();
  /** Attributes set by BUILD on module objects: module path → attribute → value. */
  private readonly overrides = new Map<string, Map<string, Value>>();
  private readonly maxStack: number;
  private readonly maxOps: number;
  private ops = 0;
  private opAt = 0;
  /** Item count of the last popMark(). */
  private markCount = 0;
  /** The last popMark() dropped values that could be called (past MAX_KEPT_CALLABLES). */
  private markOverflow = false;
  /** End of the FRAME being read (-1 outside one). */
  private frameEnd = -1;
  /** joblib: where reading goes on once the frame is used up, when an array was read from the file after it. */
  private resumeAt: number | undefined;
  /** Memo keys dropped past maxMemo: a later GET of a missing key then reads as an untracked value, not an error. */
  private memoOverflow = false;
  private readonly res: StreamResult;

  constructor(
    buf: Buffer,
    start: number,
    private readonly opts: MachineOptions,
  ) {
    this.buf = buf;
    this.end = buf.length;
    this.base = opts.baseOffset ?? 0;
    this.pos = start;
    this.maxStack = Math.max(1024, opts.maxNesting * STACK_PER_NESTING);
    this.maxOps = opts.maxOps ?? Number.POSITIVE_INFINITY;
    this.pagedKeys = Math.min(opts.maxMemo * 2, 2 ** 31);
    this.res = {
      start,
      end: start,
      completed: false,
      error: undefined,
      truncated: false,
      budgetExhausted: false,
      opcodes: 0,
      protocol: 0,
      result: undefined,
      sites: [],
      anomalies: [],
      loaderCalls: [],
      persistentIds: 0,
      joblibArrays: 0,
      substreams: [],
      frameCrossing: undefined,
      needBytes: undefined,
    };
  }

  execute(): StreamResult {
    try {
      this.run();
    } catch (e) {
      if (e instanceof StreamFailure) {
        this.res.error = this.opts.describeErrors === false ? QUIET_FAILURE : new MalformedError(e.message, e.offset);
        this.res.truncated = e.truncated;
      } else if (e instanceof ModelgateError) {
        this.res.error = e;
      } else {
        this.res.error = new ModelgateError("INTERNAL", `pickle machine failed at offset ${this.base + this.opAt}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    this.res.end = this.pos;
    this.res.opcodes = this.ops;
    this.res.sites = [...this.sites.values()];
    return this.res;
  }

  // ---- failures and reading -------------------------------------------------------------------

  private fail(message: string, at = this.opAt, truncated = false): never {
    throw new StreamFailure(message, this.base + at, truncated);
  }

  private need(n: number): void {
    if (this.frameEnd >= 0 && this.pos + n > this.frameEnd) this.crossFrame();
    if (n > this.end - this.pos) {
      this.res.needBytes = this.pos + n;
      this.fail(`pickle data was truncated: ${opcodeName(this.buf[this.opAt]!)} needs ${n} bytes, ${this.end - this.pos} remain`, this.opAt, true);
    }
  }

  /**
   * An operand runs past the end of the current FRAME. The pure-Python unpickler stops ("pickle exhausted
   * before end of frame"); pickle.loads reads on; the C unpickler reading a file drops what is left of the frame
   * and reads the operand from the file after it. The analyzer reads the stream both ways when this happens.
   */
  private crossFrame(): void {
    if (this.res.frameCrossing === undefined) {
      this.res.frameCrossing = this.base + this.opAt;
      this.anomaly(
        "frame-divergence",
        `${opcodeName(this.buf[this.opAt]!)}'s operand runs past the end of its FRAME (at offset ${this.base + this.frameEnd}): pickle.loads reads on, CPython's C unpickler reading a file skips the rest of the frame and reads the operand after it, the pure-Python unpickler stops — each loader runs different opcodes`,
        { frameEnd: this.base + this.frameEnd },
      );
    }
    if (this.resumeAt !== undefined) this.fail("pickle exhausted before end of frame (an operand runs past a FRAME whose array joblib read from the file)");
    if (this.opts.frames === "c-file") this.pos = this.frameEnd;
    this.frameEnd = -1;
  }

  /** The frame is used up: reading goes on after it (or, for joblib, after the array it read from the file). */
  private leaveFrame(): void {
    this.frameEnd = -1;
    if (this.resumeAt !== undefined) {
      this.pos = this.resumeAt;
      this.resumeAt = undefined;
    }
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  private i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** An 8-byte unsigned length; anything past 2^53 cannot fit in the remaining bytes anyway. */
  private u64(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    if (hi >= 0x200000) return Number.MAX_SAFE_INTEGER;
    return hi * 0x100000000 + lo;
  }

  /** A newline-terminated operand: returns the start and end (exclusive, before the newline). */
  private line(): [number, number] {
    let nl = this.buf.indexOf(0x0a, this.pos);
    if (this.frameEnd >= 0 && (nl < 0 || nl >= this.frameEnd)) {
      this.crossFrame();
      nl = this.buf.indexOf(0x0a, this.pos);
    }
    if (nl < 0) {
      // pickle._Unpickler (joblib, dill's pure-Python path) reads the last line without its newline and drops
      // its final byte (`readline()[:-1]`): `cos\nsystemX` imports os.system, and INST then calls it.
      if (this.opts.atEof !== false) {
        const s = this.pos;
        this.pos = this.end;
        return [s, Math.max(s, this.end - 1)];
      }
      this.fail(`pickle data was truncated: ${opcodeName(this.buf[this.opAt]!)} operand has no newline`, this.opAt, true);
    }
    const s = this.pos;
    this.pos = nl + 1;
    return [s, nl];
  }

  /** A text operand of any length (CPython sets no limit). */
  private lineText(): string {
    const [s, e] = this.line();
    return this.buf.toString("latin1", s, e);
  }

  /** A GLOBAL/INST name line: strict UTF-8, not empty (CPython's bad_readline otherwise). */
  private nameLine(): string {
    const [s, e] = this.line();
    if (e === s) return "";
    let ascii = true;
    for (let i = s; i < e; i++) {
      if (this.buf[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return this.buf.toString("latin1", s, e);
    const text = decodeUtf8Strict(this.buf.subarray(s, e));
    if (text === undefined) this.fail(`${opcodeName(this.buf[this.opAt]!)} name is not valid UTF-8`);
    return text;
  }

  /**
   * The module and name lines of GLOBAL/INST. An empty one is refused by the C unpickler, but the pure-Python
   * one hands it to find_class, which imports the module before getattr(module, "") fails: the import is
   * recorded, then the stream stops.
   */
  private readGlobal(): GlobalValue {
    const module = this.nameLine();
    const name = this.nameLine();
    if (module === "" || name === "") {
      if (module !== "") this.importGlobal(module, name);
      this.fail(`${opcodeName(this.buf[this.opAt]!)} has an empty module or name`);
    }
    return this.importGlobal(module, name);
  }

  // ---- stack, marks and memo ------------------------------------------------------------------

  private push(v: Value): void {
    if (this.stack.length >= this.maxStack) {
      throw new LimitError("maxPickleNesting", this.stack.length + 1, this.maxStack, `pickle stack holds more than ${this.maxStack} values`);
    }
    this.stack.push(v);
  }

  private pop(): Value {
    if (this.stack.length <= this.fence) this.fail(`unpickling stack underflow at ${opcodeName(this.buf[this.opAt]!)}`);
    return this.stack.pop()!;
  }

  private top(): Value {
    if (this.stack.length <= this.fence) this.fail(`unpickling stack underflow at ${opcodeName(this.buf[this.opAt]!)}`);
    return this.stack[this.stack.length - 1]!;
  }

  private pushMark(): void {
    if (this.marks.length >= this.opts.maxNesting) {
      throw new LimitError("maxPickleNesting", this.marks.length + 1, this.opts.maxNesting, `pickle opens more than ${this.opts.maxNesting} nested MARKs`);
    }
    this.marks.push(this.stack.length);
    this.fence = this.stack.length;
  }

  /**
   * Pops to the last MARK; returns the first CONTAINER_KEEP items and, past them, the items that could be called
   * (whole key/value pairs with `pairs`), and sets markCount to how many items there were.
   */
  private popMark(pairs = false): Value[] {
    const h = this.openMark();
    const n = this.markCount;
    this.markOverflow = false;
    const items = this.stack.slice(h, h + Math.min(n, CONTAINER_KEEP));
    const step = pairs ? 2 : 1;
    for (let i = CONTAINER_KEEP; i + step - 1 < n; i += step) {
      const a = this.stack[h + i]!;
      // Both members of a pair are settled (sealed when plain) before deciding whether the pair is kept.
      const plain = pairs ? this.settle(a) && this.settle(this.stack[h + i + 1]!) : this.settle(a);
      if (plain) continue;
      if (items.length >= MAX_KEPT_CALLABLES) {
        this.markOverflow = true;
        continue;
      }
      if (!pairs) items.push(a);
      else items.push(a, this.stack[h + i + 1]!);
    }
    this.dropTo(h);
    return items;
  }

  /** Pops the last MARK: returns where its items start on the stack and sets markCount to how many there are. */
  private openMark(): number {
    if (this.marks.length === 0) this.fail(`could not find MARK for ${opcodeName(this.buf[this.opAt]!)}`);
    const h = this.marks.pop()!;
    this.fence = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    this.markCount = this.stack.length - h;
    return h;
  }

  /** The value under a MARK's items (what APPENDS, ADDITEMS, SETITEMS modify), read before the items are popped. */
  private underMark(h: number): Value {
    if (h <= this.fence) this.fail(`unpickling stack underflow at ${opcodeName(this.buf[this.opAt]!)}`);
    return this.stack[h - 1]!;
  }

  /** Removes the stack's values from index h on (popped one by one when few: cheaper than setting the length). */
  private dropTo(h: number): void {
    const n = this.stack.length - h;
    if (n <= 16) for (let i = 0; i < n; i++) this.stack.pop();
    else this.stack.length = h;
  }

  /**
   * A value a container does not keep past CONTAINER_KEEP. Plain data is settled: true, and a container of only
   * plain data (all the way down) is sealed. False for anything that is not plain data, which the caller keeps.
   */
  private settle(v: Value): boolean {
    if (!isPlainData(v)) return false;
    if (!isContainer(v) || v.sealed) return true;
    if (v.impure || v.overflow || !this.plainAllTheWay(v, 0)) {
      if (v !== EMPTY_TUPLE) v.impure = true;
      return false;
    }
    this.seal(v);
    return true;
  }

  /** True when a container's kept items are plain data all the way down (sealed containers count as plain). */
  private plainAllTheWay(c: ContainerValue, depth: number): boolean {
    if (depth > MAX_PLAIN_DEPTH) return false;
    return c.kind === "dict" ? this.plainItems(c.keys, c.flat, depth) && this.plainItems(c.values, c.flat, depth) : this.plainItems(c.items, c.flat, depth);
  }

  /** items[from..] are plain data all the way down (the ones before `from` are scalars: the container's flat). */
  private plainItems(items: readonly Value[], from: number, depth: number): boolean {
    for (let i = from; i < items.length; i++) {
      const x = items[i]!;
      if (!isPlainData(x)) return false;
      if (isContainer(x) && !x.sealed && (x.impure || x.overflow || !this.plainAllTheWay(x, depth + 1))) return false;
    }
    return true;
  }

  /** Drops a plain container's items (and those of the plain containers in it); its memo slot shrinks to a number. */
  private seal(c: ContainerValue): void {
    if (c.sealed || c === EMPTY_TUPLE) return;
    c.sealed = true;
    if (c.kind === "dict") {
      for (let i = c.flat; i < c.keys.length; i++) {
        const k = c.keys[i]!;
        const v = c.values[i]!;
        if (isContainer(k)) this.seal(k);
        if (isContainer(v)) this.seal(v);
      }
    } else for (let i = c.flat; i < c.items.length; i++) if (isContainer(c.items[i]!)) this.seal(c.items[i] as ContainerValue);
    if (c.kind === "dict") {
      c.keys = SEALED_ITEMS;
      c.values = SEALED_ITEMS;
    } else c.items = SEALED_ITEMS;
    c.flat = 0;
    if (c.memoKey >= 0) {
      const page = this.memoPages[c.memoKey >>> MEMO_PAGE_BITS];
      const i = c.memoKey & (MEMO_PAGE - 1);
      if (page !== undefined && page[i] === c) page[i] = sealedSlot(c);
    }
  }

  /** Adds items to a container or instance: the first CONTAINER_KEEP, then only what is not plain data. */
  private keep(into: Value[], src: readonly Value[], from: number, to: number, owner: Value): void {
    for (let i = from; i < to; i++) {
      const item = src[i]!;
      if (into.length < CONTAINER_KEEP) {
        if (isContainer(owner) && owner !== EMPTY_TUPLE) {
          if (owner.flat === into.length && isScalar(item)) owner.flat++;
          else if (!isPlainData(item)) owner.impure = true;
        }
        into.push(item);
      } else if (!this.settle(item)) {
        if (isContainer(owner)) owner.impure = true;
        if (into.length < MAX_KEPT_CALLABLES) into.push(item);
        else if (isContainer(owner) || owner.kind === "call") owner.overflow = true;
      }
    }
  }

  /**
   * Items added to a sealed container (one that was already put, unkept, into another container and is reached
   * again through the memo). Whatever holds it has forgotten its content, so anything callable added now is
   * counted as called: a reader that calls the items of the holder would reach it.
   */
  private addToSealed(target: ContainerValue, items: readonly Value[], count: number): void {
    target.count += count;
    for (const item of items) for (const c of this.callablesIn(item)) this.invoke(c, [], "called", 1);
  }

  /** Values that could be called in `v` and the containers (and instance items) in it, as far as they are kept. */
  private callablesIn(v: Value): Value[] {
    const seen: Value[] = [];
    const visit = (x: Value, depth: number): void => {
      if (depth > 3 || seen.length > MAX_KEPT_CALLABLES) return;
      if ((isContainer(x) || x.kind === "call") && x.overflow) this.computedCall(x, "called");
      if (x.kind === "call") {
        for (const y of [...itemsOf(x.args), ...itemsOf(x)]) visit(y, depth + 1);
        seen.push(x);
      } else if (isPlainData(x)) for (const y of itemsOf(x)) visit(y, depth + 1);
      else seen.push(x);
    };
    visit(v, 0);
    return seen.filter((x) => mayCall(x));
  }

  private memoPut(key: number, v: Value): void {
    if (key >= LOADER_MEMO_BOMB) {
      this.anomaly(
        "loader-dos",
        `${opcodeName(this.buf[this.opAt]!)} stores memo index ${key}: CPython's C unpickler grows its memo array to twice that many slots (${Math.round((key * 16) / 2 ** 30)} GiB), which exhausts the loading process's memory`,
        { memoIndex: key },
      );
    }
    const paged = key < this.pagedKeys;
    const pageNo = key >>> MEMO_PAGE_BITS;
    const i = key & (MEMO_PAGE - 1);
    let page = paged ? this.memoPages[pageNo] : undefined;
    const stored = paged ? page !== undefined && i < page.length && page[i] !== undefined : this.memoSparse.has(key);
    if (!stored && this.memoCount >= this.opts.maxMemo) {
      // Past the limit the machine keeps going without the value: a later GET of it reads as an untracked
      // value, which is never trusted as a callee. The loader holds every entry.
      if (!this.memoOverflow) {
        this.memoOverflow = true;
        this.anomaly(
          "memo-overflow",
          `the pickle stores more than ${this.opts.maxMemo} memo entries; values past that are not tracked (a call through one is reported as a call of an untracked value)`,
          { limit: "maxPickleMemo", max: this.opts.maxMemo },
        );
      }
      return;
    }
    if (!stored) this.memoCount++;
    if (!paged) {
      this.memoSparse.set(key, v);
      return;
    }
    if (page === undefined) {
      while (this.memoPages.length <= pageNo) this.memoPages.push(undefined as unknown as (Value | number | undefined)[]);
      // Grown as keys arrive (most pickles are small: a full page per stream would cost more than the stream).
      page = this.memoPages[pageNo] = [];
    }
    if ((v.kind === "str" || v.kind === "bytes") && v.src === this.buf) {
      // A str or bytes of the stream: its offset, with its length and encoding beside it.
      const aux = (this.memoAux[pageNo] ??= []);
      aux[i] = v.length * 4 + (v.kind === "bytes" ? AUX_BYTES : v.encoding === "latin1" ? AUX_LATIN1 : AUX_UTF8);
      page[i] = v.start;
      return;
    }
    if (isContainer(v) && v !== EMPTY_TUPLE) {
      v.memoKey = key;
      page[i] = v.sealed ? sealedSlot(v) : v;
    } else page[i] = v;
  }

  private memoGet(key: number): Value {
    const page = key < this.pagedKeys ? this.memoPages[key >>> MEMO_PAGE_BITS] : undefined;
    const i = key & (MEMO_PAGE - 1);
    const slot = page !== undefined ? (i < page.length ? page[i] : undefined) : this.memoSparse.get(key);
    if (slot === undefined) {
      if (this.memoOverflow) return { kind: "opaque", what: "a memo value past the tracked limit" };
      this.fail(`memo key ${key} was never stored (${opcodeName(this.buf[this.opAt]!)})`);
    }
    if (typeof slot !== "number") return slot;
    if (slot >= 0) {
      const aux = this.memoAux[key >>> MEMO_PAGE_BITS]![i]!;
      const code = aux % 4;
      const length = (aux - code) / 4;
      // Read back once, the object then stays in the slot: a key fetched a million times is one object.
      const v: Value =
        code === AUX_BYTES
          ? { kind: "bytes", src: this.buf, start: slot, length }
          : { kind: "str", src: this.buf, start: slot, length, encoding: code === AUX_LATIN1 ? "latin1" : "utf8", text: undefined };
      page![i] = v;
      return v;
    }
    // A sealed container: a fresh summary of it (its content was plain data and is not kept).
    const t = -slot - 1;
    const code = t % 8;
    const count = (t - code) / 8;
    const kind = CONTAINER_CODES[code]!;
    const c: ContainerValue = kind === "dict" ? dictValue(SEALED_ITEMS, SEALED_ITEMS, count) : listValue(kind, SEALED_ITEMS, count);
    c.sealed = true;
    c.memoKey = key;
    return c;
  }

  // ---- records --------------------------------------------------------------------------------

  private anomaly(kind: AnomalyKind, message: string, evidence: Evidence): void {
    if (this.res.anomalies.length >= MAX_RECORDED) return;
    const opcode = opcodeName(this.buf[this.opAt]!);
    this.res.anomalies.push({ kind, offset: this.base + this.opAt, opcode, message, evidence: { opcode, ...evidence } });
  }

  private importGlobal(module: string, name: string): GlobalValue {
    const key = `${module}\u0000${name}`;
    let site = this.sites.get(key);
    if (site === undefined) {
      if (this.sites.size >= MAX_DISTINCT_GLOBALS) {
        throw new LimitError("distinctGlobals", this.sites.size + 1, MAX_DISTINCT_GLOBALS, `pickle imports more than ${MAX_DISTINCT_GLOBALS} distinct globals`);
      }
      site = {
        module,
        name,
        offset: this.base + this.opAt,
        opcode: opcodeName(this.buf[this.opAt]!),
        imports: 0,
        called: 0,
        rebuilt: 0,
        useOffset: undefined,
        useOpcode: undefined,
      };
      this.sites.set(key, site);
    }
    site.imports++;
    return { kind: "global", site, module, name, override: this.overrides.get(module)?.get(name) };
  }

  /**
   * `callee` reaches a call position: called (REDUCE, INST, OBJ, NEWOBJ_EX, or by a known callable it was handed)
   * or instantiated without its constructor (NEWOBJ, `cls.__new__(cls)`, BUILD's `__setstate__`). What known
   * callables do with their arguments is followed (pickle-effects.ts); calling anything that is not an imported
   * name — the result of a call, a class made at load time, an untracked value — is reported as such.
   */
  private invoke(callee: Value, args: readonly Value[], how: "called" | "rebuilt", depth: number): void {
    switch (callee.kind) {
      case "global": {
        const site = callee.site;
        if (site) {
          if (how === "called") site.called++;
          else site.rebuilt++;
          if (site.useOffset === undefined) {
            site.useOffset = this.base + this.opAt;
            site.useOpcode = opcodeName(this.buf[this.opAt]!);
          }
          if (how === "called" && site.args === undefined && args.length > 0) site.args = describeArgs(args);
        }
        // A module attribute replaced earlier (BUILD on the module): the replacement is what runs.
        if (callee.override && depth < 4) this.invoke(callee.override, args, how, depth + 1);
        if (site && how === "called") this.applyEffect(callee, args, depth);
        return;
      }
      case "call":
        this.invokeResult(callee, args, how, depth);
        return;
      case "persistent": {
        const cls = torchModuleClass(callee);
        if (cls !== undefined) this.invoke(cls, args, how, depth + 1);
        else this.computedCall(callee, how);
        return;
      }
      case "opaque":
        this.computedCall(callee, how);
        return;
      default:
        // CPython raises TypeError here and the load stops; inside a known callable the same happens.
        if (depth === 0) this.fail(`${opcodeName(this.buf[this.opAt]!)} on ${describeValue(callee)}, which is not callable`);
    }
  }

  /**
   * The arguments tuple is itself computed (`tuple([...])`, a memo value past the limit): which argument lands
   * where is not known, so for a callable that calls or instantiates its arguments every value that could be
   * called among them counts as called.
   */
  private unseenArguments(callee: Value, args: Value): void {
    if (callee.kind !== "global" || callee.site === undefined) return;
    const eff = this.opts.effectOf?.(callee.module, callee.name);
    if (eff === undefined || (eff.calls === undefined && eff.callsItems === undefined && eff.instantiates === undefined)) return;
    for (const v of this.callablesIn(args)) if (v !== args) this.invoke(v, [], "called", 1);
    if (args.kind === "opaque" || args.kind === "persistent") this.computedCall(args, "called");
  }

  /** Follows what a known callable does with its arguments: the globals it calls or instantiates count as such. */
  private applyEffect(callee: GlobalValue, args: readonly Value[], depth: number): void {
    const eff = this.opts.effectOf?.(callee.module, callee.name);
    if (eff === undefined || depth >= MAX_EFFECT_DEPTH) return;
    for (const [c, a] of eff.calls ?? []) {
      const target = args[c];
      if (target !== undefined) this.invoke(target, a < 0 ? [] : itemsOf(args[a]), "called", depth + 1);
    }
    for (const i of eff.callsItems ?? []) {
      const holder = args[i];
      if (holder === undefined) continue;
      const called = isPlainData(holder) || holder.kind === "call" ? itemsOf(holder) : [holder];
      for (const item of called) this.invoke(item, [], "called", depth + 1);
      if ((isContainer(holder) || holder.kind === "call") && holder.overflow) this.computedCall(holder, "called");
    }
    for (const i of eff.instantiates ?? []) {
      const cls = args[i];
      if (cls !== undefined) this.invoke(cls, [], "rebuilt", depth + 1);
    }
    if (eff.returns === "attribute") this.attributeOf(args[0], args[1]);
  }

  /**
   * The attribute `getattr(owner, name)` fetches, as a name of its own (`module.Class.attr`) so that it is
   * classified like a dotted global: a bound method of a known class, an enum member, or `__globals__`.
   * Undefined when the owner or the name is computed.
   */
  private attributeOf(owner: Value | undefined, nameV: Value | undefined): GlobalValue | undefined {
    const attr = asText(nameV);
    if (owner === undefined || attr === undefined) return undefined;
    let base: Value | undefined = owner;
    if (owner.kind === "call") base = this.classOf(owner);
    else if (isPlainData(owner)) return this.importVirtual("builtins", `${PLAIN_TYPE[owner.kind] ?? "object"}.${attr}`);
    if (base?.kind !== "global" || base.site === undefined) return undefined;
    return this.importVirtual(base.module, `${base.name}.${attr}`);
  }

  private importVirtual(module: string, name: string): GlobalValue {
    const g = this.importGlobal(module, name);
    if (g.site && g.site.imports === 1) g.site.via = "getattr";
    return g;
  }

  /** The class an instance was made from (the callee of a class call, cls of cls.__new__(cls)), when known. */
  private classOf(v: Value, depth = 0): Value | undefined {
    if (v.kind !== "call" || depth > 4) return undefined;
    const c = v.callee;
    if (c.kind !== "global" || c.site === undefined) return c.kind === "call" ? this.classOf(c, depth + 1) : undefined;
    const eff = this.opts.effectOf?.(c.module, c.name);
    if (eff?.returns === "instance0") return v.args.kind === "tuple" ? v.args.items[0] : undefined;
    if (eff?.returns === "attribute" || eff?.returns === "class" || eff?.returns === "call0" || eff?.returns === "namedType") return undefined;
    return c;
  }

  /** Calling (or instantiating) the result of a call: a bound method fetched by getattr, or something computed. */
  private invokeResult(callee: CallValue, args: readonly Value[], how: "called" | "rebuilt", depth: number): void {
    const inner = callee.callee;
    if (inner.kind === "global" && inner.site && this.opts.effectOf?.(inner.module, inner.name)?.returns === "attribute" && callee.args.kind === "tuple") {
      // getattr(obj, name, default): when obj has no such attribute, the default is what gets called.
      const fallback = callee.args.items[2];
      if (fallback !== undefined) this.invoke(fallback, args, how, depth + 1);
      const attr = this.attributeOf(callee.args.items[0], callee.args.items[1]);
      if (attr !== undefined) {
        this.invoke(attr, args, how, depth + 1);
        return;
      }
    }
    this.computedCall(callee, how);
  }

  private computedCall(callee: Value, how: "called" | "rebuilt"): void {
    const opcode = opcodeName(this.buf[this.opAt]!);
    this.anomaly(
      "computed-call",
      `${opcode} ${how === "called" ? "calls" : "instantiates"} ${describeValue(callee)}, which is not an imported name the analysis can vouch for: whatever it turns out to be runs at load time`,
      { callee: describeValue(callee), how },
    );
  }

  /**
   * BUILD's state for classes whose __setstate__ runs code from it (scipy.stats distributions exec a template),
   * and for classes that call a callable from it (functools.partial(func, args, kwds, dict)).
   */
  private checkState(inst: CallValue, state: Value): void {
    const cls = this.classOf(inst);
    if (cls?.kind !== "global" || cls.site === undefined) return;
    const eff = this.opts.effectOf?.(cls.module, cls.name);
    if (eff?.stateCalls !== undefined && state.kind === "tuple") {
      const f = state.items[eff.stateCalls];
      if (f !== undefined) this.invoke(f, itemsOf(state.items[eff.stateCalls + 1]), "called", 1);
    }
    const rule = this.opts.stateRuleOf?.(cls.module, cls.name);
    if (rule === undefined) return;
    const dict = state.kind === "tuple" ? (state.sealed ? undefined : state.items[0]) : state;
    if (dict?.kind === "none") {
      // No attributes at all: nothing of the state reaches the class's code.
      cls.site.vouched = (cls.site.vouched ?? 0) + 1;
      return;
    }
    if (dict?.kind !== "dict" || (dictGet(dict, rule.attribute) === undefined && !dictFullyKnown(dict))) {
      // A computed state (a call result), a dict summarised as plain data, entries past what is kept or keys made
      // at load time: the attribute may be there without being seen, so the state is not vouched for.
      this.anomaly(
        "state-code",
        `BUILD gives ${cls.module}.${cls.name} a state whose ${rule.attribute} cannot be read (${dict === undefined ? "a tuple not kept" : describeValue(dict)}), and ${rule.reason}`,
        { module: cls.module, name: cls.name, attribute: rule.attribute },
      );
      return;
    }
    const code = dictGet(dict, rule.attribute);
    const text = asText(code);
    if (code === undefined || (text !== undefined && rule.benign.test(text))) {
      cls.site.vouched = (cls.site.vouched ?? 0) + 1;
      return;
    }
    this.anomaly(
      "state-code",
      `BUILD gives ${cls.module}.${cls.name} a ${rule.attribute} that is not the one the library writes, and ${rule.reason}: ${text === undefined ? describeValue(code) : JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`,
      { module: cls.module, name: cls.name, attribute: rule.attribute, ...(text !== undefined ? { code: text.slice(0, 600) } : {}) },
    );
  }

  /** BUILD, SETITEM(S), APPEND(S), ADDITEMS on an instance, or hashing it as a dict key: its class's code runs. */
  private touchInstance(inst: Value): void {
    if (inst.kind !== "call") {
      if (inst.kind === "persistent" || inst.kind === "opaque") return;
      return;
    }
    const cls = this.classOf(inst);
    if (cls === undefined) {
      const inner = inst.callee;
      // Results of known callables that return something other than an instance of a known class.
      if (inner.kind === "global" && inner.site && this.opts.effectOf?.(inner.module, inner.name)?.returns === "class") this.computedCall(inst, "rebuilt");
      return;
    }
    if (cls.kind === "global") {
      if (cls.site && cls.site.rebuilt === 0 && cls.site.called === 0) this.invoke(cls, [], "rebuilt", 1);
      return;
    }
    if (cls.kind === "persistent" && torchModuleClass(cls) !== undefined) {
      this.invoke(cls, [], "rebuilt", 1);
      return;
    }
    if (cls.kind === "call" || cls.kind === "opaque" || cls.kind === "persistent") this.computedCall(cls, "rebuilt");
  }

  private constant(src: Buffer, start: number, length: number, kind: "str" | "bytes"): void {
    if (this.opts.onConstant && length >= MIN_CONSTANT_BYTES && (this.opts.constantFilter === undefined || this.opts.constantFilter(src, start, length))) {
      this.opts.onConstant({ data: src.subarray(start, start + length), kind, offset: this.base + this.opAt });
    }
  }

  /** Pushes a str whose encoded bytes are `length` bytes of `src` at `start` (no copy, no view made). */
  private pushStr(src: Buffer, start: number, length: number, encoding: "utf8" | "latin1"): void {
    const v: StrValue = { kind: "str", src, start, length, encoding, text: undefined };
    this.push(v);
    this.constant(src, start, length, "str");
  }

  private pushBytes(start: number, length: number): void {
    this.push({ kind: "bytes", src: this.buf, start, length });
    this.constant(this.buf, start, length, "bytes");
  }

  /** Notes what a call does that the analysis cares about: loaders of nested pickles, extension registrations. */
  private afterCall(callee: Value, args: readonly Value[]): void {
    if (callee.kind !== "global" || !callee.site) return;
    const { module, name } = callee;
    if (this.opts.isNestedLoader?.(module, name) && this.res.loaderCalls.length < MAX_RECORDED) {
      this.res.loaderCalls.push({ offset: this.base + this.opAt, loader: `${module}.${name}`, args: args.slice(0, 8) });
    }
    if ((module === "copyreg" || module === "copy_reg") && name === "add_extension" && this.opts.extensions) {
      const m = asText(args[0]);
      const n = asText(args[1]);
      const code = bigIntOf(args[2]);
      if (m !== undefined && n !== undefined && code !== undefined && code > 0n && code <= 0x7fffffffn) {
        this.opts.extensions.set(Number(code), { module: m, name: n });
      }
    }
  }

  /** SETITEM(S)/APPEND(S)/ADDITEMS/BUILD applied to something that is not a fresh container or object. */
  private checkMutationTarget(target: Value, allowed: ReadonlyArray<Value["kind"]>): void {
    if (target.kind === "global") {
      this.anomaly(
        "global-mutation",
        `${opcodeName(this.buf[this.opAt]!)} modifies the imported object ${target.site ? `${target.module}.${target.name}` : "(unresolved)"} in place`,
        { module: target.module, name: target.name },
      );
    } else if (isPlainData(target) && !allowed.includes(target.kind)) {
      this.fail(`${opcodeName(this.buf[this.opAt]!)} on ${describeValue(target)}`);
    } else {
      // An instance: its __setitem__ / append / extend / add runs.
      this.touchInstance(target);
    }
  }

  /**
   * Attributes a BUILD sets on an instance that the unpickler itself later looks up on that instance and calls:
   * `__setstate__` (the next BUILD), `append` / `extend` (APPEND(S) on a non-list), `add` (ADDITEMS on a non-set).
   */
  private plant(inst: CallValue, state: Value): void {
    const dicts = state.kind === "tuple" ? state.items.slice(0, 2) : [state];
    for (const d of dicts) {
      if (d.kind !== "dict") continue;
      for (let i = 0; i < d.keys.length; i++) {
        const k = asText(d.keys[i]);
        if (k !== undefined && PLANTABLE.has(k)) (inst.planted ??= new Map()).set(k, d.values[i]!);
      }
    }
  }

  /** APPEND(S)/ADDITEMS: `count` items, src[from..to) (what popMark kept, or the stack itself), added to `target`. */
  private addItems(target: Value, src: Value[], from: number, to: number, count: number, overflow = false): void {
    if (target.kind === "call" && target.planted !== undefined) {
      const items = src.slice(from, to);
      const op = opcodeName(this.buf[this.opAt]!);
      // ADDITEMS calls add; APPEND and APPENDS call extend (the C unpickler) or append (the pure-Python one, and C
      // when there is no extend).
      const names = op === "ADDITEMS" ? ["add"] : ["extend", "append"];
      for (const name of names) {
        const method = target.planted.get(name);
        if (method !== undefined) this.invoke(method, name === "extend" ? [listValue("list", items, count)] : items, "called", 0);
      }
    }
    if (target.kind === "set" || target.kind === "frozenset") {
      // Set items are hashed: an instance runs its class's __hash__ / __eq__.
      for (let i = from; i < to; i++) if (src[i]!.kind === "call") this.touchInstance(src[i]!);
    }
    if ((target.kind === "list" || target.kind === "set") && target.sealed) {
      this.addToSealed(target, src.slice(from, to), count);
    } else if (target.kind === "list" || target.kind === "set") {
      target.count += count;
      this.keep(target.items, src, from, to, target);
      if (overflow) target.overflow = true;
    } else if (target.kind === "call") {
      this.keep((target.items ??= []), src, from, to, target);
      if (overflow) target.overflow = true;
    }
  }

  /** SETITEM(S)/DICT: `pairs` key/value pairs, src[from..to) (what popMark kept, or the stack itself), set on `target`. */
  private setItems(target: Value, src: Value[], from: number, to: number, pairs: number, overflow = false): void {
    // Keys are hashed (and compared): an instance used as a key runs its class's __hash__ / __eq__.
    for (let i = from; i < to; i += 2) if (src[i]!.kind === "call") this.touchInstance(src[i]!);
    if (target.kind === "call") {
      const values: Value[] = [];
      for (let i = from + 1; i < to; i += 2) values.push(src[i]!);
      this.keep((target.items ??= []), values, 0, values.length, target);
      if (overflow) target.overflow = true;
      return;
    }
    if (target.kind !== "dict") return;
    if (target.sealed) {
      this.addToSealed(target, src.slice(from, to), pairs);
      return;
    }
    target.count += pairs;
    if (overflow) target.overflow = true;
    if (target.keys.length === 0 && pairs <= CONTAINER_KEEP) {
      // A fresh dict filled by one SETITEMS or DICT, the common case: arrays of the exact size (growing them by
      // push over-allocates, which is most of what a million small dicts would cost).
      const keys = new Array<Value>(pairs);
      const values = new Array<Value>(pairs);
      let flat = 0;
      for (let i = 0; i < pairs; i++) {
        const k = src[from + 2 * i]!;
        const v = src[from + 2 * i + 1]!;
        keys[i] = k;
        values[i] = v;
        if (flat === i && isScalar(k) && isScalar(v)) flat++;
        if (!isPlainData(k) || !isPlainData(v)) target.impure = true;
      }
      target.keys = keys;
      target.values = values;
      target.flat = flat;
      return;
    }
    for (let i = from; i + 1 < to; i += 2) {
      const k = src[i]!;
      const v = src[i + 1]!;
      if (target.keys.length < CONTAINER_KEEP) {
        if (target.flat === target.keys.length && isScalar(k) && isScalar(v)) target.flat++;
        target.keys.push(k);
        target.values.push(v);
        if (!isPlainData(k) || !isPlainData(v)) target.impure = true;
        continue;
      }
      // Both are settled (sealed when plain) before deciding whether the pair is kept.
      const plain = this.settle(k) && this.settle(v);
      if (plain) continue;
      target.impure = true;
      if (target.keys.length < MAX_KEPT_CALLABLES) {
        target.keys.push(k);
        target.values.push(v);
      } else target.overflow = true;
    }
  }



  private build(): void {
    const state = this.pop();
    const inst = this.top();
    if (inst.kind === "global") {
      this.moduleOverwrite(inst, state);
      return;
    }
    if (inst.kind === "call") {
      if (inst.state === undefined) inst.state = state;
      if (this.opts.joblib !== false && isJoblibArrayWrapper(inst)) {
        this.joblibArray(inst);
        return;
      }
      // BUILD calls the instance's __setstate__ — looked up on the instance, so one an earlier BUILD planted there
      // wins — or sets its attributes (through __setattr__ for slot state).
      const planted = inst.planted?.get("__setstate__");
      if (planted !== undefined) {
        this.invoke(planted, [state], "called", 0);
        return;
      }
      this.touchInstance(inst);
      this.checkState(inst, state);
      this.plant(inst, state);
      return;
    }
    if (isPlainData(inst) && state.kind !== "none") this.fail(`BUILD on ${describeValue(inst)}`);
  }

  /** BUILD on an imported object: sets attributes of a module or class at load time. */
  private moduleOverwrite(target: GlobalValue, state: Value): void {
    const path = target.site ? `${target.module}.${target.name}` : undefined;
    const attrs: string[] = [];
    const dicts: Value[] = [state];
    if (state.kind === "tuple") dicts.splice(0, 1, ...state.items.slice(0, 2));
    for (const d of dicts) {
      if (d.kind !== "dict") continue;
      for (let i = 0; i < d.keys.length; i++) {
        const k = asText(d.keys[i]);
        if (k === undefined) continue;
        attrs.push(k);
        if (path !== undefined) {
          let m = this.overrides.get(path);
          if (m === undefined) this.overrides.set(path, (m = new Map()));
          m.set(k, d.values[i]!);
        }
      }
    }
    const shown = attrs.slice(0, 8).join(", ") + (attrs.length > 8 ? ", …" : "");
    this.anomaly(
      "module-attribute-overwrite",
      `BUILD sets attributes${attrs.length ? ` (${shown})` : ""} on the imported object ${path ?? "(unresolved)"}, replacing module or class state at load time`,
      { module: target.module, name: target.name, attributes: shown },
    );
  }

  /** joblib's BUILD hook: skip the raw array bytes, or read the object array's inline pickle. */
  private joblibArray(wrapper: CallValue): void {
    const layout = joblibArrayLayout(wrapper.state);
    if (layout.kind === "invalid") this.fail(`joblib array wrapper cannot be read: ${layout.reason}`);
    this.res.joblibArrays++;
    // joblib's pickler ends the frame right after the wrapper's BUILD: the array follows the frame.
    if (this.frameEnd >= 0 && this.pos >= this.frameEnd) this.leaveFrame();
    if (this.frameEnd >= 0 && this.pos < this.frameEnd) {
      // joblib reads the array from the file handle, which the unframer has already moved past the frame;
      // the opcodes go on from the frame's buffer. joblib's own pickler always ends the frame first.
      if (this.res.frameCrossing === undefined) this.res.frameCrossing = this.base + this.opAt;
      this.anomaly(
        "frame-divergence",
        "a joblib array wrapper is rebuilt inside a FRAME that goes on after it: joblib.load reads the array bytes from after the frame and the opcodes from inside it, while pickle.load reads the same bytes in order — the two loaders run different opcodes",
        { frameEnd: this.base + this.frameEnd },
      );
      const back = this.pos;
      const frameEnd = this.frameEnd;
      this.pos = this.resumeAt ?? frameEnd;
      this.frameEnd = -1;
      this.readJoblibArray(layout);
      this.resumeAt = this.pos;
      this.pos = back;
      this.frameEnd = frameEnd;
      return;
    }
    this.readJoblibArray(layout);
  }

  private readJoblibArray(layout: Exclude<ReturnType<typeof joblibArrayLayout>, { kind: "invalid" }>): void {
    if (layout.kind === "object") {
      const sub = new PickleMachine(this.buf, this.pos, { ...this.opts, joblib: false }).execute();
      this.res.substreams.push(sub);
      this.pos = sub.end;
      if (sub.error) {
        this.res.truncated = sub.truncated;
        throw sub.error;
      }
      if (!sub.completed) this.fail("joblib object array pickle did not finish");
    } else {
      if (layout.aligned) {
        const pad = this.u8();
        this.need(pad);
        this.pos += pad;
      }
      this.need(layout.bytes);
      this.pos += layout.bytes;
    }
    this.stack[this.stack.length - 1] = { kind: "opaque", what: "a joblib numpy array" };
  }

  private stackGlobal(): void {
    const nameV = this.pop();
    const moduleV = this.pop();
    if (moduleV.kind === "str" && nameV.kind === "str") {
      const m = asText(moduleV);
      const n = asText(nameV);
      if (m === undefined || n === undefined) this.fail("STACK_GLOBAL operand is not valid text");
      this.push(this.importGlobal(m, n));
      return;
    }
    // Not a pickler's output: an attacker is computing the name (memo type confusion, attribute overwrite…).
    this.anomaly(
      "non-string-global-operand",
      `STACK_GLOBAL takes its module from ${describeValue(moduleV)} and its name from ${describeValue(nameV)}; picklers only ever write strings there`,
      { moduleOperand: moduleV.kind, nameOperand: nameV.kind },
    );
    for (const v of [moduleV, nameV]) {
      if (v.kind !== "str" && isPlainData(v)) this.fail(`STACK_GLOBAL requires str, got ${describeValue(v)}`);
    }
    const resolve = (v: Value): string | undefined => (v.kind === "str" ? asText(v) : v.kind === "global" ? asText(v.override) : undefined);
    const m = resolve(moduleV);
    const n = resolve(nameV);
    if (m !== undefined && n !== undefined) this.push(this.importGlobal(m, n));
    else this.push({ kind: "global", site: undefined, module: "?", name: "?", override: undefined });
  }

  private extension(code: number): void {
    const known = this.opts.extensions?.get(code);
    if (known) {
      this.push(this.importGlobal(known.module, known.name));
      return;
    }
    this.anomaly("unresolved-extension", `${opcodeName(this.buf[this.opAt]!)} refers to extension code ${code}, which no copyreg.add_extension call in this file registers`, {
      code,
    });
    this.push({ kind: "global", site: undefined, module: "?", name: `<extension ${code}>`, override: undefined });
  }

  private call(opcode: string, callee: Value, args: Value, argItems: readonly Value[], how: "called" | "rebuilt"): void {
    this.invoke(callee, argItems, how, 0);
    if (args.kind !== "tuple" && !isPlainData(args)) this.unseenArguments(callee, args);
    this.afterCall(callee, argItems);
    let v: CallValue = { kind: "call", opcode, callee, args, state: undefined, offset: this.base + this.opAt };
    if (callee.kind === "global" && callee.site && argItems[0] !== undefined) {
      const eff = this.opts.effectOf?.(callee.module, callee.name);
      const typeName = eff?.returns === "namedType" ? asText(argItems[0]) : undefined;
      if (typeName !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(typeName)) {
        // dill's _load_type("CodeType"): the type itself, classified by its name (types.CodeType; builtins.bytearray).
        this.push(this.importGlobal(typeName.endsWith("Type") ? "types" : "builtins", typeName));
        return;
      }
      if (eff?.returns === "call0") {
        // ret = func(*args): what it returns is the result of that inner call, followed as such.
        const a = eff.calls?.[0]?.[1] ?? -1;
        v = { kind: "call", opcode, callee: argItems[0], args: a >= 0 && argItems[a] !== undefined ? argItems[a] : EMPTY_TUPLE, state: undefined, offset: v.offset };
      }
    }
    this.push(v);
  }

  private tupleOf(items: Value[], count: number): ListValue {
    return count === 0 ? EMPTY_TUPLE : this.containerOf("tuple", items, count);
  }

  /** A list, tuple or frozenset built from popMark()'s items (its overflow, when it dropped callables). */
  private containerOf(kind: ListValue["kind"], items: Value[], count: number): ListValue {
    const c = listValue(kind, items, count);
    if (this.markOverflow && items.length < count) c.overflow = true;
    return c;
  }

  private checkArgs(args: Value, what: string): void {
    if (args.kind === "none" || args.kind === "bool" || args.kind === "int" || args.kind === "float") {
      this.fail(`${opcodeName(this.buf[this.opAt]!)} ${what} is ${describeValue(args)}, not a tuple`);
    }
  }

  // ---- the interpreter loop -------------------------------------------------------------------

  private run(): void {
    const buf = this.buf;
    for (;;) {
      if (this.ops >= this.maxOps) {
        this.res.budgetExhausted = true;
        return;
      }
      if (this.frameEnd >= 0 && this.pos >= this.frameEnd) this.leaveFrame();
      if (this.pos >= this.end) this.fail("pickle data was truncated: no STOP opcode", this.pos, true);
      this.opAt = this.pos;
      const op = buf[this.pos++]!;
      if (++this.ops % DEADLINE_EVERY === 0) this.opts.checkDeadline?.();
      // The opcodes of plain data, which most of a large pickle is, are here; the rest are in cold(). A small
      // loop lets V8 inline the helpers it calls.
      switch (op) {
        case 0x4a: // BININT
          this.push(intValue(this.i32()));
          break;
        case 0x4b: // BININT1
          this.push(intValue(this.u8()));
          break;
        case 0x4d: // BININT2
          this.push(intValue(this.u16()));
          break;
        case 0x47: // BINFLOAT
          this.need(8);
          this.pos += 8;
          this.push(FLOAT);
          break;
        case 0x4e: // NONE
          this.push(NONE);
          break;
        case 0x88: // NEWTRUE
          this.push(TRUE);
          break;
        case 0x89: // NEWFALSE
          this.push(FALSE);
          break;
        case 0x8c: // SHORT_BINUNICODE
        case 0x58: // BINUNICODE
        case 0x8d: {
          // BINUNICODE8
          const n = op === 0x8c ? this.u8() : op === 0x58 ? this.u32() : this.u64();
          this.need(n);
          this.pushStr(buf, this.pos, n, "utf8");
          this.pos += n;
          break;
        }
        case 0x43: // SHORT_BINBYTES
        case 0x42: // BINBYTES
        case 0x8e: // BINBYTES8
        case 0x96: {
          // BYTEARRAY8
          const n = op === 0x43 ? this.u8() : op === 0x42 ? this.u32() : this.u64();
          this.need(n);
          this.pushBytes(this.pos, n);
          this.pos += n;
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push(listValue("list", [], 0));
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(EMPTY_TUPLE);
          break;
        case 0x7d: // EMPTY_DICT
          this.push(dictValue([], [], 0));
          break;
        case 0x85: // TUPLE1
          this.push(this.tupleOf([this.pop()], 1));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.push(this.tupleOf([a, b], 2));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(this.tupleOf([a, b, c], 3));
          break;
        }
        case 0x61: {
          // APPEND
          const v = this.pop();
          const target = this.top();
          this.checkMutationTarget(target, LIST_TARGET);
          this.addItems(target, [v], 0, 1, 1);
          break;
        }
        case 0x65: {
          // APPENDS
          const h = this.openMark();
          const n = this.markCount;
          const target = this.underMark(h);
          this.checkMutationTarget(target, LIST_TARGET);
          this.addItems(target, this.stack, h, h + n, n);
          this.dropTo(h);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          const target = this.top();
          this.checkMutationTarget(target, DICT_TARGET);
          this.setItems(target, [k, v], 0, 2, 1);
          break;
        }
        case 0x75: {
          // SETITEMS
          const h = this.openMark();
          const n = this.markCount;
          if (n % 2 !== 0) this.fail("odd number of items for SETITEMS");
          const target = this.underMark(h);
          this.checkMutationTarget(target, DICT_TARGET);
          this.setItems(target, this.stack, h, h + n, n / 2);
          this.dropTo(h);
          break;
        }

        case 0x28: // MARK
          this.pushMark();
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        case 0x71: // BINPUT
          this.memoPut(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memoPut(this.memoCount, this.top());
          break;

        case 0x95: {
          // FRAME. CPython's C unpickler refuses a frame that runs past the data, but the pure-Python one
          // (pickle._Unpickler, used by joblib and dill) reads on, so a short frame must not end the analysis.
          // The frame's end matters where an operand runs past it (crossFrame) and for joblib arrays.
          const n = this.u64();
          this.frameEnd = n >= this.end - this.pos ? this.end : this.pos + n;
          this.resumeAt = undefined;
          break;
        }
        default:
          if (this.cold(op)) return;
      }
    }
  }

  /** The opcodes off the hot path of plain data (imports, calls, text opcodes, control); true at STOP. */
  private cold(op: number): boolean {
    const buf = this.buf;
    switch (op) {
      // -- literals
      case 0x49: {
        // INT
        const t = this.lineText();
        const v = readIntOperand(t, "INT");
        if (v === undefined) this.fail(`INT operand ${JSON.stringify(t.slice(0, 40))} is not an integer`);
        // A two-character line reading 0 or 1 ("00", "01", " 1"…) is a bool in protocol 0.
        if (t.length === 2 && (v === 0n || v === 1n)) this.push(v === 1n ? TRUE : FALSE);
        else this.push(intValue(v === "big" ? undefined : v));
        break;
      }
      case 0x4c: {
        // LONG
        const t = this.lineText();
        const v = readIntOperand(t, "LONG");
        if (v === undefined) this.fail(`LONG operand ${JSON.stringify(t.slice(0, 40))} is not an integer`);
        this.push(intValue(v === "big" ? undefined : v));
        break;
      }
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? this.u8() : this.i32();
        if (n < 0) this.fail("LONG pickle has negative byte count");
        this.need(n);
        let value: bigint | undefined;
        if (n === 0) value = 0n;
        else if (n <= 64) {
          value = BigInt(`0x${Buffer.from(buf.subarray(this.pos, this.pos + n)).reverse().toString("hex")}`);
          if (buf[this.pos + n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
        }
        this.pos += n;
        this.push(intValue(value));
        break;
      }
      case 0x46: {
        // FLOAT
        const t = this.lineText();
        if (!isPyFloat(t)) this.fail(`FLOAT operand ${JSON.stringify(t.slice(0, 40))} is not a float`);
        this.push(FLOAT);
        break;
      }
      case 0x53: {
        // STRING
        const [s, e] = this.line();
        const q = buf[s];
        if (e - s < 2 || (q !== 0x27 && q !== 0x22) || buf[e - 1] !== q) this.fail("the STRING opcode argument must be quoted");
        const data = decodeEscapedBytes(buf, s + 1, e - 1);
        if (data === undefined) this.fail("STRING operand has an invalid escape");
        this.pushStr(data, 0, data.length, "latin1");
        break;
      }
      case 0x54: // BINSTRING
      case 0x55: {
        // SHORT_BINSTRING
        const n = op === 0x55 ? this.u8() : this.i32();
        if (n < 0) this.fail("BINSTRING pickle has negative byte count");
        this.need(n);
        this.pushStr(buf, this.pos, n, "latin1");
        this.pos += n;
        break;
      }
      case 0x56: {
        // UNICODE
        const [s, e] = this.line();
        const text = decodeRawUnicodeEscape(buf, s, e);
        if (text === undefined) this.fail("UNICODE operand has an invalid \\u escape");
        const v: StrValue = { kind: "str", src: undefined, start: 0, length: e - s, encoding: "utf8", text };
        this.push(v);
        if (e - s >= MIN_CONSTANT_BYTES && this.opts.onConstant) {
          const bytes = Buffer.from(text, /^[\0-\xff]*$/.test(text) ? "latin1" : "utf8");
          this.constant(bytes, 0, bytes.length, "str");
        }
        break;
      }
      case 0x97: // NEXT_BUFFER
        this.push({ kind: "opaque", what: "an out-of-band buffer" });
        break;
      case 0x98: // READONLY_BUFFER
        this.top();
        break;

      // -- containers
      case 0x8f: // EMPTY_SET
        this.push(listValue("set", [], 0));
        break;
      case 0x6c: {
        // LIST
        const items = this.popMark();
        this.push(this.containerOf("list", items, this.markCount));
        break;
      }
      case 0x74: {
        // TUPLE
        const items = this.popMark();
        this.push(this.tupleOf(items, this.markCount));
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = this.popMark();
        this.push(this.containerOf("frozenset", items, this.markCount));
        break;
      }
      case 0x64: {
        // DICT
        const h = this.openMark();
        const n = this.markCount;
        if (n % 2 !== 0) this.fail("odd number of items for DICT");
        const d = dictValue([], [], 0);
        this.setItems(d, this.stack, h, h + n, n / 2);
        this.dropTo(h);
        this.push(d);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const h = this.openMark();
        const n = this.markCount;
        const target = this.underMark(h);
        this.checkMutationTarget(target, ["set"]);
        this.addItems(target, this.stack, h, h + n, n);
        this.dropTo(h);
        break;
      }
      // -- stack and marks
      case 0x30: // POP
        if (this.marks.length > 0 && this.marks[this.marks.length - 1] === this.stack.length) {
          this.marks.pop();
          this.fence = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
        } else this.pop();
        break;
      case 0x31: // POP_MARK
        this.popMark();
        break;
      case 0x32: // DUP
        this.push(this.top());
        break;

      // -- memo
      case 0x67: {
        // GET
        const t = this.lineText();
        const k = readIntOperand(t, "MEMO");
        if (k === undefined) this.fail(`GET operand ${JSON.stringify(t.slice(0, 40))} is not an integer`);
        this.push(this.memoGet(k === "big" ? Number.MAX_SAFE_INTEGER : Number(k)));
        break;
      }
      case 0x70: {
        // PUT
        const t = this.lineText();
        const k = readIntOperand(t, "MEMO");
        if (k === undefined) this.fail(`PUT operand ${JSON.stringify(t.slice(0, 40))} is not an integer`);
        if (k !== "big" && k < 0n) this.fail("negative PUT argument");
        this.memoPut(k === "big" ? Number.MAX_SAFE_INTEGER : Number(k), this.top());
        break;
      }
      // -- imports and calls
      case 0x63: {
        // GLOBAL
        this.push(this.readGlobal());
        break;
      }
      case 0x93: // STACK_GLOBAL
        this.stackGlobal();
        break;
      case 0x82: // EXT1
        this.extension(this.u8());
        break;
      case 0x83: // EXT2
        this.extension(this.u16());
        break;
      case 0x84: {
        // EXT4
        const code = this.i32();
        if (code <= 0) this.fail(`EXT4 code ${code} is not positive`);
        this.extension(code);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = this.pop();
        const callee = this.pop();
        this.checkArgs(args, "argument");
        this.call("REDUCE", callee, args, args.kind === "tuple" ? args.items : [], "called");
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = this.pop();
        const cls = this.pop();
        this.checkArgs(args, "argument");
        this.call("NEWOBJ", cls, args, args.kind === "tuple" ? args.items : [], "rebuilt");
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = this.pop();
        const args = this.pop();
        const cls = this.pop();
        this.checkArgs(args, "argument");
        this.checkArgs(kwargs, "keyword argument");
        this.call("NEWOBJ_EX", cls, args, args.kind === "tuple" ? args.items : [], "called");
        break;
      }
      case 0x69: {
        // INST
        const cls = this.readGlobal();
        const items = this.popMark();
        this.call("INST", cls, this.tupleOf(items, this.markCount), items, "called");
        break;
      }
      case 0x6f: {
        // OBJ
        const items = this.popMark();
        if (this.markCount < 1) this.fail("OBJ without a class");
        const cls = items[0]!;
        const args = items.slice(1);
        this.call("OBJ", cls, this.tupleOf(args, this.markCount - 1), args, "called");
        break;
      }
      case 0x62: // BUILD
        this.build();
        break;
      case 0x50: {
        // PERSID
        const [s, e] = this.line();
        for (let i = s; i < e; i++) if (buf[i]! >= 0x80) this.fail("persistent IDs in protocol 0 must be ASCII strings");
        this.res.persistentIds++;
        const pid: StrValue = { kind: "str", src: buf, start: s, length: e - s, encoding: "latin1", text: undefined };
        this.push({ kind: "persistent", pid });
        break;
      }
      case 0x51: // BINPERSID
        this.res.persistentIds++;
        this.push({ kind: "persistent", pid: this.pop() });
        break;

      // -- framing and control
      case 0x80: {
        // PROTO
        const v = this.u8();
        if (v > HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol: ${v}`);
        if (v > this.res.protocol) this.res.protocol = v;
        break;
      }
      case 0x2e: // STOP
        this.res.result = this.pop();
        this.res.completed = true;
        return true;
      default:
        this.fail(`invalid load key ${opcodeName(op)}`);
    }
    return false;
  }
}

/** Interprets one pickle stream of `buf` starting at `start`. Never throws: failures are in `error`. */
export function runStream(buf: Buffer, start: number, opts: MachineOptions): StreamResult {
  return new PickleMachine(buf, start, opts).execute();
}
