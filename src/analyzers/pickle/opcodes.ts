/**
 * The pickle opcode table, protocols 0–5, as CPython's Lib/pickletools.py documents it.
 * Only names, operand encodings and the protocol that introduced each opcode live here;
 * what an opcode does to the stack is the machine's business (machine.ts).
 */

/** How an opcode's inline operand is encoded in the stream. */
export type OperandKind =
  | "none"
  | "uint1"
  | "uint2"
  | "int4"
  | "uint4"
  | "uint8"
  /** A decimal line: "I", "GET", "PUT". */
  | "decimalnl_short"
  /** A decimal line with an optional trailing "L": "LONG". */
  | "decimalnl_long"
  /** Two's complement little-endian bytes, length in 1 / 4 bytes. */
  | "long1"
  | "long4"
  /** A quoted, escaped Python 2 str literal on one line: "STRING". */
  | "stringnl"
  /** A raw-unicode-escape line: "UNICODE". */
  | "unicodestringnl"
  /** One line, no escapes: "PERSID". */
  | "stringnl_noescape"
  /** Two lines (module, name): "GLOBAL", "INST". */
  | "stringnl_noescape_pair"
  /** A float in repr() form on one line: "FLOAT". */
  | "floatnl"
  | "float8"
  /** Length-prefixed payloads: 1, 4 or 8 byte length. */
  | "bytes1"
  | "bytes4"
  | "bytes8"
  | "string1"
  | "string4"
  | "unicodestring1"
  | "unicodestring4"
  | "unicodestring8"
  | "bytearray8";

export interface OpcodeInfo {
  code: number;
  name: string;
  operand: OperandKind;
  /** Protocol that introduced the opcode. */
  proto: number;
}

const TABLE: ReadonlyArray<readonly [string, string, OperandKind, number]> = [
  ["I", "INT", "decimalnl_short", 0],
  ["J", "BININT", "int4", 1],
  ["K", "BININT1", "uint1", 1],
  ["M", "BININT2", "uint2", 1],
  ["L", "LONG", "decimalnl_long", 0],
  ["\x8a", "LONG1", "long1", 2],
  ["\x8b", "LONG4", "long4", 2],
  ["S", "STRING", "stringnl", 0],
  ["T", "BINSTRING", "string4", 1],
  ["U", "SHORT_BINSTRING", "string1", 1],
  ["B", "BINBYTES", "bytes4", 3],
  ["C", "SHORT_BINBYTES", "bytes1", 3],
  ["\x8e", "BINBYTES8", "bytes8", 4],
  ["\x96", "BYTEARRAY8", "bytearray8", 5],
  ["\x97", "NEXT_BUFFER", "none", 5],
  ["\x98", "READONLY_BUFFER", "none", 5],
  ["N", "NONE", "none", 0],
  ["\x88", "NEWTRUE", "none", 2],
  ["\x89", "NEWFALSE", "none", 2],
  ["V", "UNICODE", "unicodestringnl", 0],
  ["\x8c", "SHORT_BINUNICODE", "unicodestring1", 4],
  ["X", "BINUNICODE", "unicodestring4", 1],
  ["\x8d", "BINUNICODE8", "unicodestring8", 4],
  ["F", "FLOAT", "floatnl", 0],
  ["G", "BINFLOAT", "float8", 1],
  ["]", "EMPTY_LIST", "none", 1],
  ["a", "APPEND", "none", 0],
  ["e", "APPENDS", "none", 1],
  ["l", "LIST", "none", 0],
  [")", "EMPTY_TUPLE", "none", 1],
  ["t", "TUPLE", "none", 0],
  ["\x85", "TUPLE1", "none", 2],
  ["\x86", "TUPLE2", "none", 2],
  ["\x87", "TUPLE3", "none", 2],
  ["}", "EMPTY_DICT", "none", 1],
  ["d", "DICT", "none", 0],
  ["s", "SETITEM", "none", 0],
  ["u", "SETITEMS", "none", 1],
  ["\x8f", "EMPTY_SET", "none", 4],
  ["\x90", "ADDITEMS", "none", 4],
  ["\x91", "FROZENSET", "none", 4],
  ["0", "POP", "none", 0],
  ["2", "DUP", "none", 0],
  ["(", "MARK", "none", 0],
  ["1", "POP_MARK", "none", 1],
  ["g", "GET", "decimalnl_short", 0],
  ["h", "BINGET", "uint1", 1],
  ["j", "LONG_BINGET", "uint4", 1],
  ["p", "PUT", "decimalnl_short", 0],
  ["q", "BINPUT", "uint1", 1],
  ["r", "LONG_BINPUT", "uint4", 1],
  ["\x94", "MEMOIZE", "none", 4],
  ["\x82", "EXT1", "uint1", 2],
  ["\x83", "EXT2", "uint2", 2],
  ["\x84", "EXT4", "int4", 2],
  ["c", "GLOBAL", "stringnl_noescape_pair", 0],
  ["\x93", "STACK_GLOBAL", "none", 4],
  ["R", "REDUCE", "none", 0],
  ["b", "BUILD", "none", 0],
  ["i", "INST", "stringnl_noescape_pair", 0],
  ["o", "OBJ", "none", 1],
  ["\x81", "NEWOBJ", "none", 2],
  ["\x92", "NEWOBJ_EX", "none", 4],
  ["\x80", "PROTO", "uint1", 2],
  [".", "STOP", "none", 0],
  ["\x95", "FRAME", "uint8", 4],
  ["P", "PERSID", "stringnl_noescape", 0],
  ["Q", "BINPERSID", "none", 1],
];

/** Opcode info indexed by byte value; undefined for bytes that are not opcodes. */
export const OPCODES: ReadonlyArray<OpcodeInfo | undefined> = (() => {
  const out: Array<OpcodeInfo | undefined> = new Array<OpcodeInfo | undefined>(256).fill(undefined);
  for (const [ch, name, operand, proto] of TABLE) {
    const code = ch.charCodeAt(0);
    out[code] = { code, name, operand, proto };
  }
  return out;
})();

/** Highest protocol CPython reads (pickle.HIGHEST_PROTOCOL). */
export const HIGHEST_PROTOCOL = 5;

/** The opcode's name, or a hex rendering for bytes that are not opcodes. */
export function opcodeName(code: number): string {
  return OPCODES[code]?.name ?? `0x${code.toString(16).padStart(2, "0")}`;
}
