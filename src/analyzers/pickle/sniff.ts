import { runStream } from "./machine.js";
import { HIGHEST_PROTOCOL, OPCODES } from "./opcodes.js";

/** Opcodes interpreted before deciding; a stream that gets this far without an error is a pickle. */
const SNIFF_OPS = 64;
/** Good opcodes that make a broken stream a (broken) pickle rather than other data. */
const GOOD_OPS = 8;
/** A module or attribute path as picklers write them; text that merely starts with "c" has spaces or punctuation. */
const DOTTED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * PROTO 0–5 then FRAME: how every protocol 4 and 5 pickle starts. The machine would accept both opcodes (FRAME
 * takes any length; a cut-off one counts as truncated after PROTO), so looksLikePickle says true at once; this
 * spares a folder of small pickles a machine run per file.
 */
export function startsAsFramedPickle(head: Buffer): boolean {
  return head.length >= 3 && head[0] === 0x80 && head[1]! <= HIGHEST_PROTOCOL && head[2] === 0x95;
}

/**
 * Cheap check: does this look like the start of a pickle stream?
 *
 * Runs the symbolic machine over the first opcodes (at most SNIFF_OPS, or until STOP): every
 * opcode must be valid, its operand well-formed (quoted STRINGs, UTF-8 GLOBAL names, PROTO ≤ 5…)
 * and its stack effect possible (no underflow, no missing memo key). Text and raw numeric data
 * fail within a few bytes. A stream that breaks (or runs out of `head`, which may be a prefix of a
 * longer file) still counts when it got far enough to be a pickle: past a valid PROTO and one more
 * opcode (or an operand cut off by the end of the data), past an import of a well-formed dotted
 * name, or past a few good opcodes. Such a broken
 * pickle is then reported as unparseable, never passed as clean.
 */
export function looksLikePickle(head: Buffer, size = head.length): boolean {
  if (head.length < 2 || OPCODES[head[0]!] === undefined) return false;
  if (startsAsFramedPickle(head)) return true;
  const atEof = head.length >= size;
  const r = runStream(head, 0, { maxMemo: 4096, maxNesting: 4096, maxOps: SNIFF_OPS, joblib: false, describeErrors: false, atEof });
  if (r.completed || r.budgetExhausted) return true;
  // r.opcodes counts the opcode that failed.
  const good = r.opcodes - 1;
  // An import of a well-formed module name happened (the name may be empty or odd: find_class still imports the module).
  // Control bytes in the module name are no text file's first line, and find_class is still handed them.
  const imported = r.sites.some((site) => DOTTED_NAME.test(site.module) || hasControlBytes(site.module));
  // After a valid PROTO, one more good opcode, or an operand cut off by the end of the data (a length
  // field larger than what follows: a truncated or deliberately broken pickle).
  const afterProto = head[0] === 0x80 && (good >= 2 || (good >= 1 && r.truncated));
  if (afterProto || imported || good >= GOOD_OPS) return true;
  // The head is a prefix of a longer file and an operand runs past it: CPython reads operands of any length,
  // so a first STRING/BINUNICODE/BINBYTES of 70 KiB is a pickle when its length fits in the file.
  return !atEof && r.truncated && (r.needBytes === undefined || r.needBytes <= size);
}

function hasControlBytes(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x09) return true;
  return false;
}
