/**
 * Field tables the wire walker decodes by. A schema lists only the fields an analyzer needs; every other field
 * is skipped by wire type without being read (as a protobuf parser keeps unknown fields).
 */

/** A length-delimited payload that was not read: where it is and how long it is. */
export class Blob {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {}
}

interface RuleBase {
  /** Property name in the decoded object. */
  key: string;
  /** Repeated fields decode to arrays. */
  repeated?: boolean;
  /** Repeated fields only: keep the first `keep` items; later ones are skipped unread. */
  keep?: number;
}

export interface StringRule extends RuleBase {
  kind: "string";
  /** Longer values decode to a Blob instead of a string (default DEFAULT_MAX_STRING_BYTES). */
  maxBytes?: number;
}

export interface BytesRule extends RuleBase {
  kind: "bytes";
  maxBytes?: number;
}

/** A length-delimited payload recorded as a Blob, never read (tensor contents). */
export interface BlobRule extends RuleBase {
  kind: "blob";
}

/** varint int32/int64/enum/bool, decoded as int64 into a number (±Infinity outside the safe range). */
export interface IntRule extends RuleBase {
  kind: "int";
}

export interface MessageRule extends RuleBase {
  kind: "message";
  /** A thunk, so schemas can refer to each other (graphs inside attributes inside graphs). */
  schema: () => MessageSchema;
  /**
   * Streamed messages are handed to the walk handlers (enter/leave) and not stored in their parent, so a
   * graph with a million nodes is never held in memory at once.
   */
  stream?: boolean;
}

export type FieldRule = StringRule | BytesRule | BlobRule | IntRule | MessageRule;

export interface MessageSchema {
  readonly name: string;
  readonly fields: ReadonlyMap<number, FieldRule>;
}

export const DEFAULT_MAX_STRING_BYTES = 64 * 1024;

export function defineMessage(name: string, fields: Record<number, FieldRule>): MessageSchema {
  const map = new Map<number, FieldRule>();
  const keys = new Set<string>();
  for (const [num, rule] of Object.entries(fields)) {
    if (keys.has(rule.key)) throw new Error(`schema ${name}: duplicate key ${rule.key}`);
    keys.add(rule.key);
    map.set(Number(num), rule);
  }
  return { name, fields: map };
}

/** A decoded message: the keys of its schema's rules, absent when the field was not on the wire. */
export type Decoded = Record<string, unknown>;

/** Typed reads of decoded values (the walker fills only what the schema says, but callers stay defensive). */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function msg(v: unknown): Decoded | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Blob) && !Buffer.isBuffer(v) ? (v as Decoded) : undefined;
}
