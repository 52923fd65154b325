/**
 * Audit log entries and the exact bytes each one contributes to the Merkle tree. The server (when appending)
 * and the verifier (when re-deriving every leaf from what the API serves) both call {@link entryLeafHash}, so a
 * change to any field of a stored entry changes its leaf hash.
 *
 * Leaf data = UTF-8 of the canonical JSON of {actor, data, index, project, subject, time, type}: keys sorted by
 * UTF-16 code units at every level, no whitespace, strings and numbers as JSON.stringify writes them — the
 * RFC 8785 (JCS) form for the values an audit event holds. Absent project/subject are null, absent data {}.
 */
import { ModelgateError } from "../../core/errors.js";
import { leafHash } from "./merkle.js";

export interface AuditEvent {
  type: string;
  actor: string;
  project?: string;
  subject?: string;
  data?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEvent {
  index: number;
  /** ISO 8601 time the server appended it. */
  time: string;
  /** Hex SHA-256 leaf hash (RFC 9162: SHA-256(0x00 || leaf data)). */
  leafHash: string;
}

/** The largest canonical `data` an event may carry. */
export const MAX_EVENT_DATA_BYTES = 256 * 1024;

/** Canonical JSON: sorted keys, no whitespace. Values that JSON cannot hold are refused. */
export function canonicalJson(value: unknown): string {
  return serialize(value, 0);
}

function serialize(value: unknown, depth: number): string {
  if (depth > 64) throw new ModelgateError("LIMIT_EXCEEDED", "audit event data is nested more than 64 levels deep");
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new ModelgateError("INVALID_OPTION", `audit event data holds a number JSON cannot represent (${value})`);
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : serialize(v, depth + 1))).join(",")}]`;
      const json = (value as { toJSON?: () => unknown }).toJSON;
      if (typeof json === "function") return serialize(json.call(value), depth + 1);
      const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${serialize((value as Record<string, unknown>)[k], depth + 1)}`).join(",")}}`;
    }
    default:
      throw new ModelgateError("INVALID_OPTION", `audit event data holds a ${typeof value}, which JSON cannot represent`);
  }
}

/** The leaf data of an entry (what is hashed into the tree). */
export function entryLeafData(e: Pick<AuditEntry, "index" | "time" | "type" | "actor" | "project" | "subject" | "data">): string {
  return canonicalJson({
    actor: e.actor,
    data: e.data ?? {},
    index: e.index,
    project: e.project ?? null,
    subject: e.subject ?? null,
    time: e.time,
    type: e.type,
  });
}

/** Hex leaf hash of an entry, recomputed from its content. */
export function entryLeafHash(e: Pick<AuditEntry, "index" | "time" | "type" | "actor" | "project" | "subject" | "data">): string {
  return leafHash(Buffer.from(entryLeafData(e), "utf8")).toString("hex");
}

/** Checks an event before it is appended; returns its canonical data. */
export function checkEvent(event: AuditEvent): string {
  const str = (name: string, v: unknown, optional: boolean): void => {
    if (optional && v === undefined) return;
    if (typeof v !== "string" || v.length === 0 || v.length > 1024) {
      throw new ModelgateError("INVALID_OPTION", `audit event ${name} must be a non-empty string of at most 1024 characters`);
    }
  };
  str("type", event.type, false);
  str("actor", event.actor, false);
  str("project", event.project, true);
  str("subject", event.subject, true);
  if (event.data !== undefined && (event.data === null || typeof event.data !== "object" || Array.isArray(event.data))) {
    throw new ModelgateError("INVALID_OPTION", "audit event data must be an object");
  }
  const data = canonicalJson(event.data ?? {});
  if (Buffer.byteLength(data, "utf8") > MAX_EVENT_DATA_BYTES) {
    throw new ModelgateError("LIMIT_EXCEEDED", `audit event data is larger than ${MAX_EVENT_DATA_BYTES} bytes`);
  }
  return data;
}
