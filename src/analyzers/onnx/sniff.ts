/**
 * Recognises an ONNX ModelProto from the first bytes of a file. Protobuf has no magic number: the head is walked
 * with ModelProto's field numbers and wire types, and the content must look like ONNX (an IR version, readable
 * producer strings, graph nodes with operator names, opset imports). The file name (`*.onnx`) only breaks ties
 * when the head gives structure but too little content to decide.
 */
import { isValidUtf8, WireType } from "../protobuf/wire.js";
import { fieldTable, fieldsMatch, parsePrefix, type FieldTable, type RawField } from "../protobuf/prefix.js";

const { VARINT, LEN } = WireType;

const MODEL: FieldTable = fieldTable({ 1: VARINT, 2: LEN, 3: LEN, 4: LEN, 5: VARINT, 6: LEN, 7: LEN, 8: LEN, 14: LEN, 20: LEN, 25: LEN, 26: LEN });
const GRAPH: FieldTable = fieldTable({ 1: LEN, 2: LEN, 5: LEN, 10: LEN, 11: LEN, 12: LEN, 13: LEN, 14: LEN, 15: LEN, 16: LEN });
const NODE: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 7: LEN, 8: LEN, 9: LEN, 10: LEN });
const TENSOR: FieldTable = fieldTable({ 1: VARINT, 2: VARINT, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 7: LEN, 8: LEN, 9: LEN, 10: LEN, 11: LEN, 12: LEN, 13: LEN, 14: VARINT, 16: LEN });
const TENSOR_PACKABLE = new Set([1]);
const OPSET: FieldTable = fieldTable({ 1: LEN, 2: VARINT });

/** Highest IR version accepted as plausible (ONNX 1.23 defines 14). */
const MAX_IR_VERSION = 64;
const OP_TYPE = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const DOMAIN = /^[A-Za-z0-9_.-]*$/;

function text(buf: Buffer, f: RawField): string | undefined {
  if (f.cut || !isValidUtf8(buf, f.start, f.end)) return undefined;
  return buf.toString("utf8", f.start, f.end);
}

function printable(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(s);
}

function inner(buf: Buffer, f: RawField) {
  return parsePrefix(buf, f.start, Math.min(f.end, buf.length), f.end, 2_000);
}

/** 0 = structure only, 3 = an operator or tensor name seen; -1 = not a GraphProto. */
function graph(buf: Buffer, f: RawField): number {
  const r = inner(buf, f);
  if (r.status === "invalid" || !fieldsMatch(r.fields, GRAPH)) return -1;
  let score = 0;
  for (const g of r.fields) {
    if (g.field === 1) {
      const n = inner(buf, g);
      if (n.status === "invalid" || !fieldsMatch(n.fields, NODE)) return -1;
      for (const h of n.fields) {
        if (h.cut || (h.field !== 4 && h.field !== 7)) continue;
        const s = text(buf, h);
        if (s === undefined) return -1;
        if (h.field === 4) {
          if (!OP_TYPE.test(s)) return -1;
          score = 3;
        } else if (!DOMAIN.test(s)) return -1;
      }
    } else if (g.field === 5) {
      const t = inner(buf, g);
      if (t.status === "invalid" || !fieldsMatch(t.fields, TENSOR, TENSOR_PACKABLE)) return -1;
      const name = t.fields.find((h) => h.field === 8 && !h.cut);
      const type = t.fields.find((h) => h.field === 2);
      if (name && type && type.value !== undefined && type.value >= 1 && type.value <= 64) {
        const s = text(buf, name);
        if (s === undefined || !printable(s)) return -1;
        score = 3;
      }
    } else if (g.field === 2 && !g.cut) {
      const s = text(buf, g);
      if (s === undefined || !printable(s)) return -1;
    }
  }
  return score;
}

/** True when the head of a file is an ONNX ModelProto. */
export function looksLikeOnnx(head: Buffer, size: number, name: string): boolean {
  if (head.length < 2) return false;
  const limit = Math.max(size, head.length);
  const r = parsePrefix(head, 0, head.length, limit, 2_000);
  if (r.status === "invalid" || r.fields.length === 0 || !fieldsMatch(r.fields, MODEL)) return false;
  let ir: number | undefined;
  let score = 0;
  for (const f of r.fields) {
    switch (f.field) {
      case 1:
        ir = f.value;
        break;
      case 2:
      case 3:
      case 4: {
        if (f.cut) break;
        const s = text(head, f);
        if (s === undefined || !printable(s)) return false;
        break;
      }
      case 6:
        if (!f.cut && text(head, f) === undefined) return false;
        break;
      case 7: {
        const g = graph(head, f);
        if (g < 0) return false;
        score = Math.max(score, g);
        break;
      }
      case 8: {
        const o = inner(head, f);
        if (o.status === "invalid" || !fieldsMatch(o.fields, OPSET)) return false;
        const d = o.fields.find((h) => h.field === 1);
        const s = d ? text(head, d) : "";
        if (s === undefined || !DOMAIN.test(s)) return false;
        score = 3;
        break;
      }
    }
  }
  if (ir === undefined || ir < 1 || ir > MAX_IR_VERSION) return false;
  return score >= 3 || name.toLowerCase().endsWith(".onnx");
}
