/**
 * Recognises TensorFlow protobuf files from their first bytes. Protobuf has no magic number, so the head is
 * walked as a SavedModel, a MetaGraphDef (TF1 `.meta`) and a GraphDef (frozen `.pb`), checking field numbers,
 * wire types and the first NodeDefs (name and op must look like TensorFlow names). The file name only breaks
 * ties when the head holds too little to decide (a head cut off before the first node).
 */
import { isValidUtf8, WireType } from "../protobuf/wire.js";
import { fieldTable, fieldsMatch, parsePrefix, type FieldTable, type RawField } from "../protobuf/prefix.js";

export type TensorflowKind = "saved-model" | "meta-graph" | "graph-def";

/** How sure a validator is: 0 = not this message, 1 = structure fits, 2+ = content looks like TensorFlow. */
type Score = number;
const NO = -1;

const { VARINT, LEN, I32 } = WireType;

const SAVED_MODEL: FieldTable = fieldTable({ 1: VARINT, 2: LEN });
const META_GRAPH: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 7: LEN });
const META_INFO: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 7: VARINT, 8: LEN });
const OP_LIST: FieldTable = fieldTable({ 1: LEN });
const OP_DEF_HEAD: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 8: LEN, 16: VARINT, 17: VARINT, 18: VARINT, 19: VARINT, 20: LEN, 21: VARINT });
const SAVER_DEF: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: LEN, 4: VARINT, 5: VARINT, 6: I32, 7: VARINT });
const MAP_ENTRY: FieldTable = fieldTable({ 1: LEN, 2: LEN });
const GRAPH_DEF: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: VARINT, 4: LEN, 5: LEN });
const NODE_DEF: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: LEN, 6: LEN, 7: LEN });
const LIBRARY: FieldTable = fieldTable({ 1: LEN, 2: LEN, 3: LEN });

/** TensorFlow op names: registry names, namespaced custom ops ("Addons>GatherTree"), internal "_" ops. */
const OP_NAME = /^[A-Za-z_][A-Za-z0-9_>.]*$/;
/** Node names: "[A-Za-z0-9.][A-Za-z0-9_>./]*" in the proto comment; be a little lenient (no spaces or controls). */
const NODE_NAME = /^[A-Za-z0-9._][\x21-\x7e]*$/;

function text(buf: Buffer, f: RawField): string | undefined {
  if (f.cut || !isValidUtf8(buf, f.start, f.end)) return undefined;
  return buf.toString("utf8", f.start, f.end);
}

/** Fields of the LEN field `f` (cut off at the end of the head when it runs past it). */
function inner(buf: Buffer, f: RawField) {
  return parsePrefix(buf, f.start, Math.min(f.end, buf.length), f.end, 2_000);
}

function nodeDef(buf: Buffer, f: RawField): Score {
  const r = inner(buf, f);
  if (r.status === "invalid" || !fieldsMatch(r.fields, NODE_DEF)) return NO;
  let score = 1;
  for (const g of r.fields) {
    if (g.field !== 1 && g.field !== 2) continue;
    if (g.cut) continue;
    const s = text(buf, g);
    if (s === undefined) return NO;
    if (g.field === 1 && s.length > 0 && !NODE_NAME.test(s)) return NO;
    if (g.field === 2) {
      if (!OP_NAME.test(s)) return NO;
      score = 3;
    }
  }
  return score;
}

function library(buf: Buffer, f: RawField): Score {
  const r = inner(buf, f);
  return r.status === "invalid" || !fieldsMatch(r.fields, LIBRARY) ? NO : 1;
}

function graphDef(buf: Buffer, f: RawField | undefined, start = 0, end = buf.length, limit = end): Score {
  const r = f ? inner(buf, f) : parsePrefix(buf, start, end, limit, 2_000);
  if (r.status === "invalid" || !fieldsMatch(r.fields, GRAPH_DEF)) return NO;
  let score = 1;
  let nodes = 0;
  for (const g of r.fields) {
    if (g.field === 1) {
      const s = nodeDef(buf, g);
      if (s === NO) return NO;
      if (s >= 3) nodes++;
    } else if (g.field === 2 && library(buf, g) === NO) return NO;
  }
  if (nodes > 0) score = 2 + Math.min(nodes, 50);
  return score;
}

function metaInfo(buf: Buffer, f: RawField): Score {
  const r = inner(buf, f);
  if (r.status === "invalid" || !fieldsMatch(r.fields, META_INFO)) return NO;
  let score = 1;
  for (const g of r.fields) {
    if (g.field === 2) {
      const ops = inner(buf, g);
      if (ops.status === "invalid" || !fieldsMatch(ops.fields, OP_LIST)) return NO;
      for (const op of ops.fields) {
        const d = inner(buf, op);
        if (d.status === "invalid" || !fieldsMatch(d.fields, OP_DEF_HEAD)) return NO;
        const name = d.fields.find((x) => x.field === 1);
        if (name && !name.cut) {
          const s = text(buf, name);
          if (s === undefined || !OP_NAME.test(s)) return NO;
          score = 3;
        }
      }
    } else if (g.field === 5 && !g.cut) {
      const s = text(buf, g);
      if (s === undefined) return NO;
      if (/^\d+\.\d+/.test(s)) score = Math.max(score, 3);
    } else if ((g.field === 1 || g.field === 4 || g.field === 6) && !g.cut && text(buf, g) === undefined) return NO;
  }
  return score;
}

function metaGraph(buf: Buffer, f: RawField | undefined, start = 0, end = buf.length, limit = end): Score {
  const r = f ? inner(buf, f) : parsePrefix(buf, start, end, limit, 2_000);
  if (r.status === "invalid" || !fieldsMatch(r.fields, META_GRAPH)) return NO;
  let score = 1;
  for (const g of r.fields) {
    let s: Score = 1;
    if (g.field === 1) s = metaInfo(buf, g);
    else if (g.field === 2) s = graphDef(buf, g);
    else if (g.field === 3) {
      const d = inner(buf, g);
      s = d.status === "invalid" || !fieldsMatch(d.fields, SAVER_DEF) ? NO : 2;
    } else if (g.field === 4 || g.field === 5) {
      const d = inner(buf, g);
      s = d.status === "invalid" || !fieldsMatch(d.fields, MAP_ENTRY) ? NO : 1;
    }
    if (s === NO) return NO;
    score = Math.max(score, s);
  }
  return score;
}

function savedModel(buf: Buffer, limit: number): Score {
  const r = parsePrefix(buf, 0, buf.length, limit, 2_000);
  if (r.status === "invalid" || !fieldsMatch(r.fields, SAVED_MODEL)) return NO;
  let score = 0;
  for (const g of r.fields) {
    if (g.field === 1) {
      if (g.value === undefined || g.value < 0 || g.value > 16) return NO;
      continue;
    }
    const s = metaGraph(buf, g);
    if (s === NO) return NO;
    score = Math.max(score, s);
  }
  return score; // 0 when no meta graph was seen
}

/**
 * Which TensorFlow protobuf the head is, if any. `size` is the file size (the head may be cut off);
 * `name` (the file name) only decides when the head gives structure but no TensorFlow names.
 */
export function classifyTensorflow(head: Buffer, size: number, name: string): TensorflowKind | undefined {
  if (head.length < 2) return undefined;
  const limit = Math.max(size, head.length);
  const lower = name.toLowerCase();
  const sm = savedModel(head, limit);
  if (sm >= 3 || (sm >= 1 && lower === "saved_model.pb")) return "saved-model";
  const mg = metaGraph(head, undefined, 0, head.length, limit);
  const gd = graphDef(head, undefined, 0, head.length, limit);
  if (mg >= 3 && mg >= gd) return "meta-graph";
  if (gd >= 3) return "graph-def";
  if (mg >= 1 && lower.endsWith(".meta")) return "meta-graph";
  if (gd >= 1 && (lower.endsWith(".pb") || lower.endsWith(".graphdef"))) return "graph-def";
  return undefined;
}

export function looksLikeTensorflow(head: Buffer, size: number, name: string): boolean {
  return classifyTensorflow(head, size, name) !== undefined;
}
