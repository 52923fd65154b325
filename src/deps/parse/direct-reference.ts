/**
 * Direct references in pip's format: URLs (`https://…/x.whl`, `git+https://…#egg=name`) and local paths
 * (`./pkg`, `dist/x-1.0-py3-none-any.whl`). What package and version they name, when the text tells.
 */
import { isValidPackageName } from "./name.js";

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const VCS_PREFIXES = ["git+", "hg+", "svn+", "bzr+"];
const ARCHIVE_SUFFIXES = [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".tar.lz"];

/** `scheme:` URLs pip follows (http(s), file, ftp, VCS `git+…`); a Windows drive `C:` is not a URL. */
export function looksLikeUrl(text: string): boolean {
  const m = SCHEME.exec(text);
  if (!m) return false;
  const scheme = m[1]!.toLowerCase();
  if (scheme.length === 1) return false;
  return ["http", "https", "file", "ftp"].includes(scheme) || VCS_PREFIXES.some((p) => scheme.startsWith(p));
}

export function isVcsUrl(text: string): boolean {
  const lower = text.toLowerCase();
  return VCS_PREFIXES.some((p) => lower.startsWith(p));
}

/** A local path as pip recognises one on a requirement line: starts with `.`, `/` or `~`, has a separator, or is an archive. */
export function looksLikePath(text: string): boolean {
  if (/^[.~/\\]/.test(text) || /^[A-Za-z]:[\\/]/.test(text)) return true;
  if (text.includes("/") || text.includes("\\")) return true;
  const lower = text.toLowerCase();
  return ARCHIVE_SUFFIXES.some((s) => lower.endsWith(s));
}

export interface ReferenceIdentity {
  /** Package name as written in the reference (egg fragment or wheel file name). */
  name?: string;
  /** Version from a wheel file name. */
  version?: string;
  extras: string[];
}

/** The name (and for wheels the version) a URL or path names: `#egg=name[extras]`, or `name-ver-…-….whl`. */
export function identifyReference(ref: string): ReferenceIdentity {
  const hashAt = ref.indexOf("#");
  const fragment = hashAt >= 0 ? ref.slice(hashAt + 1) : "";
  const withoutFragment = hashAt >= 0 ? ref.slice(0, hashAt) : ref;
  for (const part of fragment.split("&")) {
    if (!part.startsWith("egg=")) continue;
    const egg = decodeSafe(part.slice(4));
    const m = /^([^[\]]+)(?:\[([^\]]*)\])?$/.exec(egg);
    if (m && isValidPackageName(m[1]!)) {
      const extras = (m[2] ?? "")
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e.length > 0);
      return { name: m[1]!, extras };
    }
  }
  const lastSegment = decodeSafe(withoutFragment.replace(/[?].*$/, "").split(/[\\/]/).pop() ?? "");
  const wheel = parseWheelFileName(lastSegment);
  if (wheel) return { name: wheel.name, version: wheel.version, extras: [] };
  return { extras: [] };
}

/** `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl` (PEP 427 / binary distribution format). */
export function parseWheelFileName(fileName: string): { name: string; version: string } | undefined {
  if (!fileName.toLowerCase().endsWith(".whl")) return undefined;
  const parts = fileName.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts;
  if (!name || !version || !isValidPackageName(name) || !/^\d/.test(version)) return undefined;
  return { name, version };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Hides credentials in a URL's user-info (`https://user:TOKEN@host` → `https://user:***@host`; a lone token as
 * user name → `***@`), so reports and SBOMs do not leak them. `${VAR}` placeholders are kept: they hold no secret.
 */
export function redactUrlCredentials(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#@]*)@/.exec(url);
  if (!m) return url;
  const userinfo = m[2]!;
  const [user, ...rest] = userinfo.split(":");
  const isPlaceholder = (s: string): boolean => /^\$\{[A-Za-z0-9_]+\}$/.test(s);
  let redacted: string;
  if (rest.length > 0) {
    const password = rest.join(":");
    redacted = `${user}:${isPlaceholder(password) ? password : "***"}`;
  } else if (isPlaceholder(user!) || /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/.test(user!)) {
    redacted = user!;
  } else {
    redacted = "***";
  }
  return m[1]! + redacted + "@" + url.slice(m[0].length);
}
