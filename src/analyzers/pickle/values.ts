/**
 * Symbolic values of the pickle machine. Nothing here is ever turned into a live object:
 * a value records what the unpickler would have built (a literal, a container, an imported
 * global, the result of a call), bounded so that hostile input cannot blow up memory.
 *
 * Plain data is summarised, not kept: a container keeps its first CONTAINER_KEEP items and, past
 * them, only what is not plain data. A container of plain data (numbers, strings, containers of
 * them) that a container it is put into does not keep is sealed — its items are dropped, its kind
 * and count stay, and its memo slot shrinks to a number — so a pickle of a million small dicts
 * costs memory for its structure, not for its data. Nothing that could be called is ever dropped
 * this way; a sealed container is plain by construction, and readers that need its content
 * (state rules, joblib arrays, decoded arguments) treat it as content they cannot read.
 */

/** Containers keep at most this many items; the rest are only counted. */
export const CONTAINER_KEEP = 64;
/**
 * Past CONTAINER_KEEP, containers still keep the items that could be called (imported names, call results,
 * untracked values), up to this many: a callable hidden at position 65 of a hook dict or class namespace is
 * followed like the first.
 */
export const MAX_KEPT_CALLABLES = 4096;

/** True for values worth keeping past CONTAINER_KEEP: anything that is not plain data. */
export function mayCall(v: Value): boolean {
  return v.kind === "global" || v.kind === "call" || v.kind === "persistent" || v.kind === "opaque";
}
/** Text of str values is decoded only up to this many bytes; longer ones keep their bytes and length. */
export const TEXT_CAP = 1024 * 1024;

/** One imported name in a stream, shared by every use of it (deduplicated by module and name). */
export interface GlobalSite {
  module: string;
  name: string;
  /** Stream offset (file-relative) of the first opcode that imported it. */
  offset: number;
  /** Opcode that first imported it: GLOBAL, STACK_GLOBAL, INST, EXT1/2/4. */
  opcode: string;
  /** How many opcodes imported it. */
  imports: number;
  /** Times it was called (REDUCE, INST, OBJ, NEWOBJ_EX). */
  called: number;
  /** Times it was rebuilt without its constructor (NEWOBJ). */
  rebuilt: number;
  /** Offset of the first call or rebuild, when there was one. */
  useOffset: number | undefined;
  /** Opcode of that first call or rebuild. */
  useOpcode: string | undefined;
  /** The constant arguments of the first call, as a reviewer reads them (truncated, escaped). */
  args?: string;
  /** Set for a name reached at load time through builtins.getattr (`Class.method`) rather than imported. */
  via?: "getattr";
  /** BUILDs of its instances whose state a reviewed state rule vouched for (pickle-state-rules.ts). */
  vouched?: number;
}

export interface NoneValue {
  kind: "none";
}
export interface BoolValue {
  kind: "bool";
  value: boolean;
}
export interface IntValue {
  kind: "int";
  /** A number when it is a safe integer (no BigInt allocation on the hot path); undefined when the literal is too long to be worth decoding. */
  value: number | bigint | undefined;
}
export interface FloatValue {
  kind: "float";
}
export interface StrValue {
  kind: "str";
  /** The buffer holding the encoded bytes at `start` (the stream itself, never a copy), when the opcode carries bytes. */
  src: Buffer | undefined;
  start: number;
  /** How `data` decodes: UTF-8 (BINUNICODE…) or Latin-1 (Python 2 STRING opcodes). */
  encoding: "utf8" | "latin1";
  /** Decoded text, filled lazily (see strText) and only up to TEXT_CAP. */
  text: string | undefined;
  /** Length of the encoded payload in bytes. */
  length: number;
}
export interface BytesValue {
  kind: "bytes";
  /** The buffer holding the bytes at `start` (the stream itself, never a copy). */
  src: Buffer;
  start: number;
  length: number;
}
/** What a list, tuple, set or dict knows of itself besides its kept items (see values.ts' header on sealing). */
interface ContainerFacts {
  /**
   * Sealed: it held only plain data when a container it was put into did not keep it, so its items were
   * dropped and only its kind and count remain. Content-sensitive readers (state rules, joblib, argument
   * decoding) treat a sealed container as content they cannot read.
   */
  sealed: boolean;
  /** It holds (or held) something that is not plain data: never sealed. */
  impure: boolean;
  /** Items that could be called were dropped past MAX_KEPT_CALLABLES: its items are not all known. */
  overflow: boolean;
  /** The dense memo slot it was last stored in, -1 for none (the slot is compacted when it is sealed). */
  memoKey: number;
  /**
   * How many of its first kept items (key/value pairs for a dict) are known to be scalars (isScalar), checked as
   * they were added. Kept items are only ever appended, and scalars never change, so this stays true: settling
   * and sealing skip them. 0 (check everything) unless the code adding the items counted them.
   */
  flat: number;
}
export interface ListValue extends ContainerFacts {
  kind: "list" | "tuple" | "set" | "frozenset";
  items: Value[];
  count: number;
}
export interface DictValue extends ContainerFacts {
  kind: "dict";
  keys: Value[];
  values: Value[];
  count: number;
}
/** A container value. */
export type ContainerValue = ListValue | DictValue;

/** A list, tuple, set or frozenset (every field set at creation: one object shape for all of them, no growth). */
export function listValue(kind: ListValue["kind"], items: Value[], count: number): ListValue {
  return { kind, items, count, sealed: false, impure: false, overflow: false, memoKey: -1, flat: 0 };
}

/** A dict (every field set at creation, as for listValue). */
export function dictValue(keys: Value[], values: Value[], count: number): DictValue {
  return { kind: "dict", keys, values, count, sealed: false, impure: false, overflow: false, memoKey: -1, flat: 0 };
}
export interface GlobalValue {
  kind: "global";
  /** Undefined when the name could not be resolved (non-string STACK_GLOBAL operands, unknown extension code). */
  site: GlobalSite | undefined;
  module: string;
  name: string;
  /** Set when a BUILD on a module object replaced this attribute earlier in the stream. */
  override: Value | undefined;
}
export interface CallValue {
  kind: "call";
  /** The opcode that made the object: REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ. */
  opcode: string;
  callee: Value;
  args: Value;
  /** State applied by BUILD, if any. */
  state: Value | undefined;
  offset: number;
  /** Values put into the instance by SETITEM(S) / APPEND(S) / ADDITEMS (an OrderedDict of hooks…), as containers keep them. */
  items?: Value[];
  /** Attributes a BUILD set on the instance that the unpickler later calls (`__setstate__`, `append`, `extend`, `add`). */
  planted?: Map<string, Value>;
  /** Items that could be called were dropped past MAX_KEPT_CALLABLES: `items` is not all of them. */
  overflow?: true;
}
export interface PersistentValue {
  kind: "persistent";
  pid: Value;
}
/** Something the machine cannot describe further: an out-of-band buffer, a joblib array. */
export interface OpaqueValue {
  kind: "opaque";
  what: string;
}

export type Value =
  | NoneValue
  | BoolValue
  | IntValue
  | FloatValue
  | StrValue
  | BytesValue
  | ListValue
  | DictValue
  | GlobalValue
  | CallValue
  | PersistentValue
  | OpaqueValue;

export const NONE: NoneValue = Object.freeze({ kind: "none" });
export const TRUE: BoolValue = Object.freeze({ kind: "bool", value: true });
export const FALSE: BoolValue = Object.freeze({ kind: "bool", value: false });
export const FLOAT: FloatValue = Object.freeze({ kind: "float" });

const SMALL_INTS: IntValue[] = Array.from({ length: 256 }, (_, i) => Object.freeze({ kind: "int", value: i }) as IntValue);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function intValue(v: number | bigint | undefined): IntValue {
  if (typeof v === "number") return v >= 0 && v < 256 ? SMALL_INTS[v]! : { kind: "int", value: v };
  if (typeof v === "bigint" && v >= -MAX_SAFE && v <= MAX_SAFE) return intValue(Number(v));
  return { kind: "int", value: v };
}

/** The value of an int as a bigint (undefined for non-ints and undecoded literals). */
export function bigIntOf(v: Value | undefined): bigint | undefined {
  if (v?.kind !== "int" || v.value === undefined) return undefined;
  return typeof v.value === "bigint" ? v.value : BigInt(v.value);
}

/** The bytes of a str or bytes value (a view, made on demand); undefined for str decoded from a text line. */
export function valueBytes(v: StrValue | BytesValue): Buffer | undefined {
  return v.src === undefined ? undefined : v.src.subarray(v.start, v.start + v.length);
}

const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true });

/** The text of a str value, decoded on first use; undefined past TEXT_CAP or for invalid UTF-8. */
export function strText(v: StrValue): string | undefined {
  if (v.text !== undefined) return v.text;
  if (v.src === undefined || v.length > TEXT_CAP) return undefined;
  if (v.encoding === "latin1") v.text = v.src.toString("latin1", v.start, v.start + v.length);
  else {
    const text = decodeUtf8Strict(v.src.subarray(v.start, v.start + v.length));
    if (text === undefined) return undefined;
    v.text = text;
  }
  return v.text;
}

/** Strict UTF-8 decoding, undefined when the bytes are not valid UTF-8. */
export function decodeUtf8Strict(buf: Buffer): string | undefined {
  let ascii = true;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return buf.toString("latin1");
  try {
    return UTF8_STRICT.decode(buf);
  } catch {
    return undefined;
  }
}

/** The text of `v` when it is a str value whose text is known. */
export function asText(v: Value | undefined): string | undefined {
  return v?.kind === "str" ? strText(v) : undefined;
}

/**
 * Looks up a str key in a dict value among its kept entries. The last entry wins, as in Python, where a later
 * SETITEM of the same key replaces the value.
 */
export function dictGet(d: Value | undefined, key: string): Value | undefined {
  if (d?.kind !== "dict") return undefined;
  for (let i = d.keys.length - 1; i >= 0; i--) if (asText(d.keys[i]) === key) return d.values[i];
  return undefined;
}

/**
 * True when every entry of the dict is known and keyed by a literal str, so that a key missing from it is
 * really missing at load time: not sealed, nothing dropped past CONTAINER_KEEP, no key computed at load time
 * (a call result could hash and compare equal to any name).
 */
export function dictFullyKnown(d: DictValue): boolean {
  if (d.sealed || d.overflow || d.keys.length !== d.count) return false;
  for (const k of d.keys) if (k.kind !== "str" || strText(k) === undefined) return false;
  return true;
}

/** Plain data that holds no other value: what a container's `flat` prefix counts. */
export function isScalar(v: Value): boolean {
  switch (v.kind) {
    case "none":
    case "bool":
    case "int":
    case "float":
    case "str":
    case "bytes":
      return true;
    default:
      return false;
  }
}

/** True for values that are certainly not callable and not classes (literals and builtin containers). */
export function isPlainData(v: Value): boolean {
  switch (v.kind) {
    case "list":
    case "tuple":
    case "set":
    case "frozenset":
    case "dict":
      return true;
    default:
      return isScalar(v);
  }
}

/** A short human description of a value for messages ("str 'os'", "the result of builtins.getattr(…)"). */
export function describeValue(v: Value, depth = 0): string {
  switch (v.kind) {
    case "none":
      return "None";
    case "bool":
      return v.value ? "True" : "False";
    case "int":
      return v.value === undefined ? "int" : `int ${v.value.toString()}`;
    case "float":
      return "float";
    case "str": {
      const t = strText(v);
      return t === undefined ? `str (${v.length} bytes)` : `str ${JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}…` : t)}`;
    }
    case "bytes":
      return `bytes (${v.length} bytes)`;
    case "list":
    case "tuple":
    case "set":
    case "frozenset":
      return `${v.kind} of ${v.count}${v.sealed ? " (plain data, not kept)" : ""}`;
    case "dict":
      return `dict of ${v.count}${v.sealed ? " (plain data, not kept)" : ""}`;
    case "global": {
      const name = v.site ? `global ${v.module}.${v.name}` : "an unresolved global";
      return v.override && depth < 2 ? `${name} (overwritten with ${describeValue(v.override, depth + 1)})` : name;
    }
    case "call":
      return depth > 2 ? "the result of a call" : `the result of ${describeCallee(v.callee, depth + 1)}(…)`;
    case "persistent":
      return "a persistent id";
    case "opaque":
      return v.what;
  }
}

function describeCallee(v: Value, depth: number): string {
  if (v.kind === "global") return v.site ? `${v.module}.${v.name}` : "an unresolved global";
  return describeValue(v, depth);
}

/** Longest text shown for one constant argument in evidence. */
const ARG_TEXT = 200;

/** One argument as a reviewer reads it: constants quoted and escaped (truncated), other values described. */
function describeArg(v: Value, depth: number): string {
  switch (v.kind) {
    case "str": {
      const t = strText(v);
      if (t === undefined) return `<str of ${v.length} bytes>`;
      return JSON.stringify(t.length > ARG_TEXT ? t.slice(0, ARG_TEXT) : t) + (t.length > ARG_TEXT ? `…(${t.length} chars)` : "");
    }
    case "bytes": {
      const b = v.src.subarray(v.start, v.start + Math.min(v.length, ARG_TEXT));
      return `b${JSON.stringify(b.toString("latin1"))}${v.length > ARG_TEXT ? `…(${v.length} bytes)` : ""}`;
    }
    case "int":
      return v.value === undefined ? "<int>" : v.value.toString();
    case "tuple":
    case "list":
      if (depth > 1 || v.sealed) return describeValue(v, 2);
      return `${v.kind === "tuple" ? "(" : "["}${v.items.slice(0, 6).map((x) => describeArg(x, depth + 1)).join(", ")}${v.count > 6 ? ", …" : ""}${v.kind === "tuple" ? ")" : "]"}`;
    case "global":
      return v.site ? `${v.module}.${v.name}` : "<unresolved global>";
    default:
      return describeValue(v, 2);
  }
}

/** The arguments of a call for evidence: `("rm -rf /", 1)`; at most 600 characters. */
export function describeArgs(args: readonly Value[]): string {
  const text = `(${args.slice(0, 8).map((a) => describeArg(a, 0)).join(", ")}${args.length > 8 ? ", …" : ""})`;
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
