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

/**
 * Bidirectional controls (U+202A–U+202E, U+2066–U+2069, LRM/RLM/ALM), zero-width and other invisible characters
 * (ZWSP, ZWNJ, ZWJ, word joiner, invisible operators, BOM, soft hyphen, variation selectors, Hangul fillers,
 * interlinear annotation marks): a name containing one can display as a different name.
 */
// eslint-disable-next-line no-misleading-character-class -- a class of single invisible code points, on purpose
const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/u;
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
  if (/\p{Cs}/u.test(value)) bad("unpaired UTF-16 surrogate");
  const invisible = INVISIBLE.exec(value);
  if (invisible) bad(`invisible or direction-changing character U+${invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} (bidi controls and zero-width characters make one name look like another)`);
  if (value.startsWith("/") || /^[A-Za-z]:/.test(value)) bad("absolute path");
  for (const seg of value.split("/")) {
    if (seg === "") bad("empty path segment");
    if (seg === "." || seg === "..") bad(`"${seg}" segment`);
    if (Buffer.byteLength(seg, "utf8") > MAX_SEGMENT_BYTES) bad(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return value;
}

/** How file systems may conflate two names: Unicode normalisation (NFC ≡ NFD) and case. */
const fold = (path: string): string => path.normalize("NFC").toLowerCase();

/**
 * The file paths of one version, each valid (checkFilePath), must also be distinct as every file system that
 * could hold them sees them: not the same name in two Unicode spellings (NFC/NFD) or differing only in case, and
 * no path that is both a file and a folder (`a` and `a/b`). Throws INVALID_OPTION naming the two declared paths.
 */
export function checkFileSet(paths: readonly string[]): void {
  const shown = (p: string): string => JSON.stringify(p.slice(0, 200));
  const files = new Map<string, string>();
  for (const p of paths) {
    const key = fold(p);
    const other = files.get(key);
    if (other !== undefined && other !== p) {
      const why = other.normalize("NFC") === p.normalize("NFC") ? "the same name in two Unicode spellings (NFC/NFD)" : "names that differ only in case";
      throw new ModelgateError("INVALID_OPTION", `file paths ${shown(other)} and ${shown(p)} are ${why}: a file system may store them as one file`);
    }
    if (other === undefined) files.set(key, p);
  }
  const folders = new Map<string, string>();
  for (const p of paths) {
    const segs = p.split("/");
    for (let i = 1; i < segs.length; i++) {
      const dir = segs.slice(0, i).join("/");
      if (!folders.has(fold(dir))) folders.set(fold(dir), p);
    }
  }
  for (const [key, p] of files) {
    const inside = folders.get(key);
    if (inside !== undefined) throw new ModelgateError("INVALID_OPTION", `file path ${shown(p)} is also a folder of ${shown(inside)}: a path cannot be both a file and a folder`);
  }
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
