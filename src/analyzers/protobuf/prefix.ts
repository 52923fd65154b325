/**
 * Synchronous field iteration over an in-memory buffer, for content sniffing: detection sees only the first
 * 64 KiB of a file, so the last field may be cut off. Protobuf has no magic number; a sniffer recognises a
 * message by walking its fields and checking their numbers and wire types against the schema it expects.
 */
import { WireType, fixedWidth, readVarint, splitTag } from "./wire.js";

export interface RawField {
  field: number;
  wireType: number;
  /** Offset of the tag. */
  tagStart: number;
  /** VARINT: the value. */
  value?: number;
  /** LEN: payload range; `end` may lie beyond the buffer when `cut` is set. */
  start: number;
  end: number;
  /** The payload continues past the end of the buffer (only possible for the last field). */
  cut: boolean;
}

export type PrefixStatus =
  /** Every field up to `end` parsed. */
  | "complete"
  /** Parsed up to the end of the buffer, where a field is cut off (`cutAt` says where it started). */
  | "cut"
  /** Not a protobuf message: bad tag, wire type 6/7, groups, or a length past `limit`. */
  | "invalid";

export interface PrefixResult {
  status: PrefixStatus;
  fields: RawField[];
}

/**
 * Parses the fields of the message [start, end) of `buf`. `limit` is where the message really ends in the file
 * (≥ end): a varint or fixed-width value cut by `end` is only "cut" when the message goes on past it. A length
 * that runs past `end` (or even past `limit`, in a truncated file) makes the last field "cut".
 * Groups are rejected: no schema modelgate sniffs uses them. At most `maxFields` fields are returned.
 */
export function parsePrefix(buf: Uint8Array, start: number, end: number, limit: number, maxFields = 10_000): PrefixResult {
  const fields: RawField[] = [];
  let pos = start;
  while (pos < end) {
    if (fields.length >= maxFields) return { status: "cut", fields };
    const t = readVarint(buf, pos, end);
    if (!t.ok) return { status: t.reason === "truncated" && end < limit ? "cut" : "invalid", fields };
    const tag = splitTag(t.value);
    if (!tag) return { status: "invalid", fields };
    const { field, wireType } = tag;
    const tagStart = pos;
    pos = t.next;
    if (wireType === WireType.VARINT) {
      const v = readVarint(buf, pos, end);
      if (!v.ok) return { status: v.reason === "truncated" && end < limit ? "cut" : "invalid", fields };
      fields.push({ field, wireType, tagStart, value: v.value, start: pos, end: v.next, cut: false });
      pos = v.next;
    } else if (wireType === WireType.LEN) {
      const l = readVarint(buf, pos, end);
      if (!l.ok) return { status: l.reason === "truncated" && end < limit ? "cut" : "invalid", fields };
      const len = l.value;
      // A length past `limit` is a truncated (or lying) file: reported as cut, so a sniffer can still recognise
      // the format from what is there and the analyzer reports the truncation.
      if (!Number.isSafeInteger(len) || len < 0) return { status: "invalid", fields };
      const fEnd = l.next + len;
      const cut = fEnd > end;
      fields.push({ field, wireType, tagStart, start: l.next, end: fEnd, cut });
      if (cut) return { status: "cut", fields };
      pos = fEnd;
    } else {
      const w = fixedWidth(wireType);
      if (w === undefined) return { status: "invalid", fields };
      if (pos + w > limit) return { status: "invalid", fields };
      if (pos + w > end) {
        fields.push({ field, wireType, tagStart, start: pos, end: pos + w, cut: true });
        return { status: "cut", fields };
      }
      fields.push({ field, wireType, tagStart, start: pos, end: pos + w, cut: false });
      pos += w;
    }
  }
  return { status: pos === end ? "complete" : "invalid", fields };
}

/** Expected wire type per field number; a sniffer rejects fields that are not listed. */
export type FieldTable = ReadonlyMap<number, number>;

export function fieldTable(entries: Record<number, number>): FieldTable {
  return new Map(Object.entries(entries).map(([k, v]) => [Number(k), v]));
}

/** True when every field is listed in `table` with the wire type the table gives (packed ints may be LEN). */
export function fieldsMatch(fields: readonly RawField[], table: FieldTable, packable: ReadonlySet<number> = new Set()): boolean {
  for (const f of fields) {
    const want = table.get(f.field);
    if (want === undefined) return false;
    if (f.wireType !== want && !(packable.has(f.field) && f.wireType === WireType.LEN)) return false;
  }
  return true;
}
