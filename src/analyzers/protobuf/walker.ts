/**
 * A bounded, streaming protobuf wire-format walker.
 *
 * Why not protobufjs with the official .proto files: a generated decoder materialises every message, including
 * tensor payloads (ONNX `raw_data`, TensorFlow `tensor_content`), so a multi-GB frozen graph or an ONNX file with
 * embedded weights would be loaded whole. This walker reads tags and lengths from a ByteSource through a small
 * window, decodes only the fields a schema lists, records big payloads as Blobs (offset + length) without reading
 * them, and hands big container messages (graphs, nodes, tensors) to handlers one at a time instead of building
 * a tree. Bytes read scale with the number of fields, not with the size of the weights.
 *
 * It follows protobuf parsing rules where they matter for what a loader sees: unknown fields and fields whose
 * wire type does not match the schema are skipped (C++ keeps them as unknown fields); the last value of a
 * singular scalar wins; a singular message seen twice is merged; packed and unpacked repeated ints are both read.
 * Everything is bounded: nesting depth, field count, decoded bytes, items per repeated field.
 */
import { LimitError, MalformedError } from "../../core/errors.js";
import { SourceCursor } from "./cursor.js";
import { Blob, DEFAULT_MAX_STRING_BYTES, type Decoded, type FieldRule, type MessageSchema } from "./schema.js";
import { MAX_VARINT_BYTES, WireType, fixedWidth, readVarint, splitTag } from "./wire.js";

export interface ProtobufLimits {
  /** Message (and group) nesting; protobuf's own parsers stop at 100. */
  maxDepth: number;
  /** Fields visited in one walk (skipped ones included). */
  maxFields: number;
  /** Bytes of string/bytes fields decoded into memory in one walk. */
  maxDecodedBytes: number;
  /** Items of one repeated field in one message. */
  maxItems: number;
}

export const DEFAULT_PROTOBUF_LIMITS: Readonly<ProtobufLimits> = Object.freeze({
  maxDepth: 100,
  maxFields: 50_000_000,
  maxDecodedBytes: 256 * 1024 * 1024,
  maxItems: 10_000_000,
});

/** A message being decoded, as the handlers see it. */
export interface WalkFrame {
  readonly schema: MessageSchema;
  /** The decoded fields so far (complete in leave()). */
  readonly value: Decoded;
  /** File offset of the message's first byte (its payload, after tag and length). */
  readonly offset: number;
  readonly end: number;
}

export interface WalkHandlers {
  /** A streamed message (or the root) starts; `path` holds the enclosing streamed messages, outermost first. */
  enter?(frame: WalkFrame, path: readonly WalkFrame[]): void;
  /** A streamed message (or the root) is complete; nested streamed messages were reported before it. Not called for a message cut off by a truncated length (the walk then ends in MalformedError). */
  leave?(frame: WalkFrame, path: readonly WalkFrame[]): void;
  /** Called every few thousand fields: the place to check a deadline. */
  tick?(): void;
}

export interface WalkStats {
  fields: number;
  decodedBytes: number;
  maxDepthSeen: number;
}

interface Frame extends WalkFrame {
  readonly stream: boolean;
  /** Group frames skip everything until the matching end-group tag. */
  readonly group?: number;
  /** The message (or one inside it) was cut off by a length that ran past its parent: never handed to leave(). */
  cut?: boolean;
}

const TICK_EVERY = 4096;

/**
 * Walks the message [start, end) of the cursor's source with `schema` as the root (a streamed frame).
 * Throws MalformedError on wire errors and LimitError on limits; handlers may throw too (their findings stay).
 */
export async function walkMessage(
  cursor: SourceCursor,
  schema: MessageSchema,
  start: number,
  end: number,
  handlers: WalkHandlers,
  limits: Readonly<ProtobufLimits> = DEFAULT_PROTOBUF_LIMITS,
): Promise<WalkStats> {
  if (end > cursor.size || start > end || start < 0) throw new MalformedError(`message range ${start}..${end} is outside the file`, start);
  const stats: WalkStats = { fields: 0, decodedBytes: 0, maxDepthSeen: 1 };
  const root: Frame = { schema, value: {}, offset: start, end, stream: true };
  const stack: Frame[] = [root];
  const path: Frame[] = [];
  handlers.enter?.(root, path);
  path.push(root);
  let pos = start;

  /** Reads a varint that must end before `limit`; the window must already hold [pos, pos+10) if available. */
  const varintAt = (at: number, limit: number, what: string): { value: number; next: number } => {
    const base = cursor.bufferStart;
    const r = readVarint(cursor.buffer, at - base, Math.min(cursor.bufferEnd, limit) - base);
    if (!r.ok) throw new MalformedError(r.reason === "overlong" ? `${what}: varint longer than 10 bytes` : `${what}: truncated varint`, at);
    return { value: r.value, next: r.next + base };
  };

  /** The first length that ran past its parent: reported once the walk has seen what it could. */
  let cutAt: { offset: number; what: string; missing: number } | undefined;
  const finish = (frame: Frame): void => {
    if (frame.stream) {
      path.pop();
      if (!frame.cut) handlers.leave?.(frame, path);
    }
  };

  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (pos === top.end && top.group === undefined) {
      stack.pop();
      finish(top);
      continue;
    }
    if (pos >= top.end) {
      // A group ran into the end of its enclosing message without its end-group tag.
      throw new MalformedError(`${top.schema.name}: unterminated group ${top.group ?? ""}`, pos);
    }
    if (++stats.fields > limits.maxFields) throw new LimitError("protobuf.maxFields", stats.fields, limits.maxFields, `more than ${limits.maxFields} protobuf fields`);
    if (stats.fields % TICK_EVERY === 0) handlers.tick?.();

    const tagPos = pos;
    if (!cursor.has(pos, MAX_VARINT_BYTES)) await cursor.ensure(pos, MAX_VARINT_BYTES);
    const t = varintAt(pos, top.end, `${top.schema.name} tag`);
    const tag = splitTag(t.value);
    if (!tag) throw new MalformedError(`${top.schema.name}: invalid tag ${t.value}`, tagPos);
    pos = t.next;
    const { field, wireType } = tag;

    if (top.group !== undefined) {
      // Inside a skipped group: only track nesting.
      if (wireType === WireType.EGROUP) {
        if (field !== top.group) throw new MalformedError(`${top.schema.name}: end-group ${field} does not match group ${top.group}`, tagPos);
        stack.pop();
        continue;
      }
    } else if (wireType === WireType.EGROUP) {
      throw new MalformedError(`${top.schema.name}: end-group tag ${field} outside a group`, tagPos);
    }

    const rule = top.group === undefined ? top.schema.fields.get(field) : undefined;

    switch (wireType) {
      case WireType.VARINT: {
        if (!cursor.has(pos, MAX_VARINT_BYTES)) await cursor.ensure(pos, MAX_VARINT_BYTES);
        const v = varintAt(pos, top.end, `${top.schema.name}.${field}`);
        pos = v.next;
        if (rule?.kind === "int") store(top.value, rule, v.value, limits);
        break;
      }
      case WireType.I64:
      case WireType.I32: {
        const w = fixedWidth(wireType)!;
        if (pos + w > top.end) throw new MalformedError(`${top.schema.name}.${field}: truncated fixed-width value`, tagPos);
        pos += w;
        break;
      }
      case WireType.LEN: {
        if (!cursor.has(pos, MAX_VARINT_BYTES)) await cursor.ensure(pos, MAX_VARINT_BYTES);
        const l = varintAt(pos, top.end, `${top.schema.name}.${field} length`);
        const len = l.value;
        const payload = l.next;
        if (!Number.isSafeInteger(len) || len < 0) throw new MalformedError(`${top.schema.name}.${field}: invalid length ${len}`, tagPos);
        if (payload + len > top.end) {
          // A truncated (or lying) length. A message is still walked up to where its parent ends, so whatever
          // it holds is reported before the error; handlers never see it complete (no leave()).
          if (rule?.kind !== "message") {
            const why = cutAt ? `; ${cutAt.what} is truncated, ${cutAt.missing} bytes missing` : "";
            throw new MalformedError(`${top.schema.name}.${field}: length ${len} runs past the end of its message${why}`, tagPos);
          }
          cutAt ??= { offset: tagPos, what: `${top.schema.name}.${field}`, missing: payload + len - top.end };
          for (const f of stack) f.cut = true;
        }
        pos = Math.min(payload + len, top.end);
        if (!rule) break;
        if (rule.repeated && rule.keep !== undefined && count(top.value, rule) >= rule.keep) break;
        switch (rule.kind) {
          case "blob":
            store(top.value, rule, new Blob(payload, len), limits);
            break;
          case "string":
          case "bytes": {
            const max = rule.maxBytes ?? DEFAULT_MAX_STRING_BYTES;
            if (len > max) {
              store(top.value, rule, new Blob(payload, len), limits);
              break;
            }
            stats.decodedBytes += len;
            if (stats.decodedBytes > limits.maxDecodedBytes) {
              throw new LimitError("protobuf.maxDecodedBytes", stats.decodedBytes, limits.maxDecodedBytes, `decoded more than ${limits.maxDecodedBytes} bytes of protobuf strings`);
            }
            const bytes = await cursor.bytes(payload, len);
            store(top.value, rule, rule.kind === "string" ? bytes.toString("utf8") : Buffer.from(bytes), limits);
            break;
          }
          case "int": {
            // Packed repeated varints (an unrepeated int sent as LEN has the wrong wire type: skipped).
            if (!rule.repeated) break;
            let p = payload;
            while (p < pos) {
              if (!cursor.has(p, MAX_VARINT_BYTES)) await cursor.ensure(p, MAX_VARINT_BYTES);
              const v = varintAt(p, pos, `${top.schema.name}.${field} packed`);
              p = v.next;
              if (rule.keep !== undefined && count(top.value, rule) >= rule.keep) {
                p = pos;
                break;
              }
              store(top.value, rule, v.value, limits);
            }
            break;
          }
          case "message": {
            const depth = stack.length + 1;
            if (depth > limits.maxDepth) throw new LimitError("protobuf.maxDepth", depth, limits.maxDepth, `protobuf messages nested deeper than ${limits.maxDepth}`);
            if (depth > stats.maxDepthSeen) stats.maxDepthSeen = depth;
            const schema = rule.schema();
            let value: Decoded;
            if (rule.stream) value = {};
            else if (!rule.repeated && isObject(top.value[rule.key])) value = top.value[rule.key] as Decoded; // merge
            else {
              value = {};
              store(top.value, rule, value, limits);
            }
            const frame: Frame = { schema, value, offset: payload, end: pos, stream: rule.stream === true, cut: payload + len > pos };
            if (frame.stream) {
              handlers.enter?.(frame, path);
              path.push(frame);
            }
            stack.push(frame);
            pos = payload;
            break;
          }
        }
        break;
      }
      case WireType.SGROUP: {
        const depth = stack.length + 1;
        if (depth > limits.maxDepth) throw new LimitError("protobuf.maxDepth", depth, limits.maxDepth, `protobuf groups nested deeper than ${limits.maxDepth}`);
        stack.push({ schema: top.schema, value: {}, offset: pos, end: top.end, stream: false, group: field });
        break;
      }
      default:
        throw new MalformedError(`${top.schema.name}.${field}: invalid wire type ${wireType}`, tagPos);
    }
  }
  if (cutAt) throw new MalformedError(`${cutAt.what}: truncated, ${cutAt.missing} bytes missing`, cutAt.offset);
  return stats;
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Blob) && !Buffer.isBuffer(v);
}

function count(target: Decoded, rule: FieldRule): number {
  const cur = target[rule.key];
  return Array.isArray(cur) ? cur.length : 0;
}

function store(target: Decoded, rule: FieldRule, value: unknown, limits: Readonly<ProtobufLimits>): void {
  if (!rule.repeated) {
    target[rule.key] = value; // last one wins
    return;
  }
  const cur = target[rule.key];
  if (Array.isArray(cur)) {
    if (cur.length >= limits.maxItems) throw new LimitError("protobuf.maxItems", cur.length + 1, limits.maxItems, `more than ${limits.maxItems} items in repeated field ${rule.key}`);
    cur.push(value);
  } else target[rule.key] = [value];
}
