import { ModelgateError } from "../../core/errors.js";

/** Project, model and version names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 128. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Throws INVALID_OPTION (400) unless `value` is a valid name. `..` cannot match (it starts with a dot). */
export function checkName(what: string, value: unknown): string {
  if (typeof value !== "string" || !NAME_PATTERN.test(value)) {
    throw new ModelgateError("INVALID_OPTION", `${what} must match ${NAME_PATTERN.source}, got ${JSON.stringify(String(value).slice(0, 140))}`);
  }
  return value;
}

const MAX_PATH = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * A file path inside a model: relative, `/`-separated. Refused (400): empty, absolute (`/x`, `C:…`), `.` or `..`
 * segments, empty segments (`a//b`, trailing `/`), backslashes, NUL and other control characters, longer than 1024
 * characters or a segment over 255 bytes.
 */
export function checkFilePath(value: unknown): string {
  const bad = (why: string): never => {
    throw new ModelgateError("INVALID_OPTION", `file path ${JSON.stringify(String(value).slice(0, 200))} is not allowed: ${why}`);
  };
  if (typeof value !== "string" || value.length === 0) return bad("empty");
  if (value.length > MAX_PATH) bad(`longer than ${MAX_PATH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) bad("control character");
  if (value.includes("\\")) bad("backslash");
  if (value.startsWith("/") || /^[A-Za-z]:/.test(value)) bad("absolute path");
  for (const seg of value.split("/")) {
    if (seg === "") bad("empty path segment");
    if (seg === "." || seg === "..") bad(`"${seg}" segment`);
    if (Buffer.byteLength(seg, "utf8") > MAX_SEGMENT_BYTES) bad(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return value;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
