/**
 * Checks free-text metadata of tensor files (safetensors `__metadata__`, GGUF string values) for content
 * that has no business there: Python or shell code, script tags, URLs a consumer is told to download or
 * call, and pickles — written plainly, base64-encoded or hidden behind \x escapes.
 * Weight-file metadata is descriptive (format, license, training arguments); nothing loads it as code,
 * so code found there is a payload waiting for a tool that will (an eval, a shell, a web page, pickle.loads).
 *
 * Reviewed data: every pattern names a construct that runs code or touches the system, not a sample
 * string, and every quantifier is bounded so matching stays linear on hostile input.
 */

export type MetadataConcernKind = "code" | "url" | "pickle";

export interface MetadataConcern {
  kind: MetadataConcernKind;
  /** What was found, e.g. "OS command call". */
  what: string;
  /** The matching text (shortened). */
  excerpt: string;
  /** How the content was hidden, when it was: "base64", "\\x escapes". */
  encoding?: string;
}

export interface MetadataInspection {
  concerns: MetadataConcern[];
  /** Bytes that are pickles (decoded from base64 or the raw string): the caller scans them as members. */
  pickles: Array<{ bytes: Buffer; encoding: string }>;
  /** True when the value holds Jinja syntax: the caller checks it as a template. */
  template: boolean;
}

/** Longest value inspected (characters); longer values are inspected up to this point. */
export const MAX_INSPECTED_CHARS = 1024 * 1024;
const MAX_EXCERPT = 120;
const MAX_URLS = 32;
const MAX_BLOBS = 64;
const MAX_DECODED_BYTES = 4 * 1024 * 1024;

const CODE_PATTERNS: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  { what: "Python dynamic import", pattern: /__import__\s{0,8}\(|importlib\s{0,8}\.\s{0,8}import_module\s{0,8}\(/ },
  { what: "Python exec/eval/compile call", pattern: /(?<![\w.])(?:exec|eval|execfile|compile)\s{0,8}\(/ },
  { what: "Python import of a module that runs commands or opens connections", pattern: /(?<![\w.])(?:import\s{1,8}(?:os|sys|subprocess|socket|pty|shutil|ctypes|pickle|marshal|importlib|builtins|runpy)(?![\w])|from\s{1,8}(?:os|subprocess|socket|pty|shutil|ctypes|pickle|marshal|importlib|builtins|runpy)\s{1,8}import\s)/ },
  { what: "OS command call", pattern: /(?<![\w])os\s{0,8}\.\s{0,8}(?:system|popen|spawn[lv]p?e?|exec[lv]p?e?|remove|unlink|rmdir|removedirs|kill|fork|chmod|chown|putenv)\s{0,8}\(/ },
  { what: "subprocess call", pattern: /(?<![\w])subprocess\s{0,8}\.\s{0,8}(?:call|run|Popen|check_output|check_call|getoutput|getstatusoutput)(?![\w])/ },
  { what: "unpickling call", pattern: /(?<![\w])(?:pickle|cPickle|_pickle|dill|marshal|shelve|joblib)\s{0,8}\.\s{0,8}loads?\s{0,8}\(/ },
  { what: "Python internals used by sandbox escapes", pattern: /__(?:globals|builtins|subclasses|mro|bases|getattribute|reduce|reduce_ex|code)__/ },
  { what: "socket connection", pattern: /(?<![\w])socket\s{0,8}\.\s{0,8}(?:socket|create_connection)\s{0,8}\(/ },
  // shell
  { what: "recursive forced delete (rm -rf)", pattern: /(?<![\w-])rm\s{1,8}(?:-{1,2}[\w-]{0,20}\s{1,8}){0,4}-[a-zA-Z]{0,6}(?:r[a-zA-Z]{0,6}f|f[a-zA-Z]{0,6}r)[a-zA-Z]{0,6}(?![\w-])/ },
  { what: "download piped into a shell", pattern: /(?<![\w-])(?:curl|wget)\s[^|\n;]{0,512}\|\s{0,8}(?:sudo\s{1,8})?(?:ba|z|k|da)?sh(?![\w-])/ },
  { what: "download command", pattern: /(?<![\w-])(?:curl|wget|Invoke-WebRequest|iwr)\s[^\n]{0,256}?(?:https?|ftp):\/\// },
  { what: "shell command string (sh -c)", pattern: /(?<![\w-])(?:ba|z|k|da)?sh\s{1,8}-c\s/ },
  { what: "path of a shell", pattern: /(?<![\w.-])\/bin\/(?:ba|z|k|da)?sh(?![\w-])/ },
  { what: "making a file executable or world-writable", pattern: /(?<![\w-])chmod\s{1,8}(?:-R\s{1,8})?(?:[ugoa]{0,3}\+[rwx]{0,2}x|[0-7]?[0-7][0-7][1357]|[0-7]?[0-7][0-7][2367])\s/ },
  { what: "reverse shell through /dev/tcp", pattern: /\/dev\/(?:tcp|udp)\/[\w.-]{1,253}\/\d{1,5}/ },
  { what: "netcat executing a program", pattern: /(?<![\w-])(?:nc|ncat|netcat)\s[^\n]{0,128}\s-[ec]\s/ },
  { what: "named pipe shell (mkfifo)", pattern: /(?<![\w-])mkfifo\s/ },
  { what: "encoded PowerShell command", pattern: /(?<![\w-])powershell(?:\.exe)?\s[^\n]{0,128}-(?:e|ec|enc|encodedcommand)\s/i },
  // markup that runs script where metadata is displayed (model hubs, notebooks, dashboards)
  { what: "HTML script tag", pattern: /<\s{0,8}script[\s>/]/i },
  { what: "HTML event handler", pattern: /<[a-z][^>]{0,256}\son(?:error|load|click|mouseover|focus)\s{0,8}=/i },
  { what: "javascript: URL", pattern: /(?:href|src|action)\s{0,8}=\s{0,8}["']?\s{0,8}javascript:/i },
];

/** Words of a metadata key that tell a consumer to fetch, call or run its value. */
const ACTION_KEY_WORDS = new Set([
  "callback",
  "webhook",
  "hook",
  "download",
  "install",
  "installer",
  "setup",
  "init",
  "bootstrap",
  "update",
  "updater",
  "fetch",
  "exec",
  "execute",
  "run",
  "script",
  "payload",
  "beacon",
  "telemetry",
  "upload",
  "exfil",
  "endpoint",
  "remote",
  "loader",
  "command",
  "cmd",
]);

/** Path endings of programs, scripts and pickle-based weights (which run code when loaded). */
const EXECUTABLE_PATH = /\.(?:sh|bash|zsh|ps1|psm1|bat|cmd|vbs|js|mjs|py|pyc|pyz|exe|dll|so|dylib|msi|jar|apk|deb|rpm|pkl|pickle|pt|pth|ckpt|joblib|bin)$/i;

/** Splits a key into lower-case words: "callback_url" → [callback, url], "downloadURL" → [download, url]. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function excerpt(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > MAX_EXCERPT ? `${one.slice(0, MAX_EXCERPT)}…` : one;
}

function findCode(text: string, encoding: string | undefined, out: MetadataConcern[]): void {
  for (const { what, pattern } of CODE_PATTERNS) {
    const m = pattern.exec(text);
    if (!m || (encoding !== undefined && out.some((c) => c.what === what))) continue;
    const at = Math.max(0, m.index - 20);
    const c: MetadataConcern = { kind: "code", what, excerpt: excerpt(text.slice(at, m.index + m[0].length + 40)) };
    if (encoding !== undefined) c.encoding = encoding;
    out.push(c);
  }
}

function findUrls(key: string, text: string, out: MetadataConcern[]): void {
  const actionKey = keyWords(key).some((w) => ACTION_KEY_WORDS.has(w));
  let count = 0;
  for (const m of text.matchAll(/\b(?:https?|ftp|file|data):[^\s"'<>]{1,2048}/gi)) {
    if (++count > MAX_URLS) break;
    const raw = m[0];
    const scheme = raw.slice(0, raw.indexOf(":")).toLowerCase();
    if (scheme === "data") {
      // Inline images (model thumbnails) are fine; inline documents and scripts are not.
      if (!/^data:image\/(?:png|jpeg|jpg|gif|webp|avif|bmp);/i.test(raw) && /^data:(?:text\/html|application\/(?:javascript|x-|octet-stream)|text\/javascript)/i.test(raw)) {
        out.push({ kind: "code", what: "inline document or script (data: URL)", excerpt: excerpt(raw) });
      }
      continue;
    }
    if (scheme === "file") {
      out.push({ kind: "url", what: "URL of a local file", excerpt: excerpt(raw) });
      continue;
    }
    let path = "";
    try {
      path = new URL(raw).pathname;
    } catch {
      continue;
    }
    if (EXECUTABLE_PATH.test(path)) out.push({ kind: "url", what: "URL of a program, script or pickle", excerpt: excerpt(raw) });
    else if (actionKey) out.push({ kind: "url", what: "URL under a key that tells consumers to fetch, call or run it", excerpt: excerpt(raw) });
  }
}

function looksLikePickleBytes(b: Buffer): boolean {
  if (b.length >= 3 && b[0] === 0x80 && b[1]! >= 2 && b[1]! <= 5) return b.includes(0x2e); // PROTO n … STOP
  return /^\(?c[A-Za-z_][\w.]{0,64}\n[A-Za-z_][\w.]{0,64}\n/.test(b.subarray(0, 160).toString("latin1"));
}

function mostlyPrintable(b: Buffer): boolean {
  if (b.length === 0) return false;
  let bad = 0;
  for (const c of b) if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) bad++;
  return bad / b.length < 0.02;
}

/** Inspects one metadata value. `key` gives context (an action key makes its URLs a concern). */
export function inspectMetadataText(key: string, value: string): MetadataInspection {
  const text = value.length > MAX_INSPECTED_CHARS ? value.slice(0, MAX_INSPECTED_CHARS) : value;
  const result: MetadataInspection = { concerns: [], pickles: [], template: /\{\{|\{%/.test(text) };
  findCode(text, undefined, result.concerns);
  findUrls(key, text, result.concerns);

  const raw = Buffer.from(text.slice(0, 4096), "latin1");
  if (looksLikePickleBytes(raw)) {
    result.concerns.push({ kind: "pickle", what: "pickle stream stored as text", excerpt: excerpt(text.slice(0, 60)) });
    result.pickles.push({ bytes: Buffer.from(text, "latin1"), encoding: "raw" });
  }

  let decodedTotal = 0;
  let blobs = 0;
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]{20,}={0,2}/g)) {
    if (++blobs > MAX_BLOBS || decodedTotal > MAX_DECODED_BYTES) break;
    const blob = m[0];
    const bytes = Buffer.from(blob, /[-_]/.test(blob) ? "base64url" : "base64");
    decodedTotal += bytes.length;
    if (looksLikePickleBytes(bytes)) {
      result.concerns.push({ kind: "pickle", what: "pickle stream", excerpt: excerpt(blob), encoding: "base64" });
      result.pickles.push({ bytes, encoding: "base64" });
    } else if (mostlyPrintable(bytes)) {
      findCode(bytes.toString("utf8"), "base64", result.concerns);
    }
  }
  // Text that spells characters as \xHH escapes (four or more): decode them all and look again.
  const escapes = text.match(/\\x[0-9a-fA-F]{2}/g);
  if (escapes && escapes.length >= 4) {
    const decoded = text.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    findCode(decoded, "\\x escapes", result.concerns);
    // A pickle starts with PROTO (0x80, protocol 2–5) or, in protocol 0, with a GLOBAL line ("cos\n…").
    let start = -1;
    for (let i = 0; i < decoded.length && start < 0; i++) {
      const c = decoded.charCodeAt(i);
      if ((c === 0x80 && decoded.charCodeAt(i + 1) >= 2 && decoded.charCodeAt(i + 1) <= 5) || (decoded[i] === "c" && /[A-Za-z_]/.test(decoded[i + 1] ?? "") && (i === 0 || decoded[i - 1] === "("))) start = i;
    }
    if (start >= 0 && looksLikePickleBytes(Buffer.from(decoded.slice(start), "latin1"))) {
      result.concerns.push({ kind: "pickle", what: "pickle stream", excerpt: excerpt(text.slice(0, 60)), encoding: "\\x escapes" });
      result.pickles.push({ bytes: Buffer.from(decoded.slice(start), "latin1"), encoding: "\\x escapes" });
    }
  }
  return result;
}
