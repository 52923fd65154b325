/**
 * Cheap check: does this look like the start of a pickle stream?
 * PLACEHOLDER until the pickle machine lands: PROTO 2–5, or a protocol-0/1 opcode that imports.
 */
export function looksLikePickle(head: Buffer): boolean {
  if (head.length < 2) return false;
  if (head[0] === 0x80) return head[1]! >= 2 && head[1]! <= 5;
  return head[0] === 0x63 /* c GLOBAL */ || head[0] === 0x28 /* ( MARK */ || head[0] === 0x5d /* ] */ || head[0] === 0x7d /* } */;
}
