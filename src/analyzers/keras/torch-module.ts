/**
 * Keras 3 `TorchModuleWrapper` layers carry the wrapped `torch.nn.Module` in their config: `config.module` is a
 * base64 string of a `torch.save` blob (Keras ≥ 3.6; earlier versions a `__bytes__` object), which
 * `TorchModuleWrapper.from_config` hands to `torch.load(weights_only=False)` (CVE-2025-49655: before Keras
 * 3.11 even in safe mode). The blob is a PyTorch zip or legacy pickle; the caller scans it as a member.
 */

/** An embedded blob a loader decodes and deserialises. */
export interface EmbeddedBlob {
  /** Where in the config, e.g. `config.layers[1].config.module`. */
  path: string;
  /** Member name the blob is scanned under. */
  member: string;
  /** Decoded bytes, or undefined when the value could not be decoded (then `problem` says why). */
  bytes?: Buffer;
  problem?: string;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

const MAX_NODES = 2_000_000;
const MAX_DEPTH = 256;

function decodeModule(value: unknown, maxBytes: number): { bytes?: Buffer; problem?: string } {
  let text: string | undefined;
  let latin1 = false;
  if (typeof value === "string") text = value;
  else if (isObject(value) && value.class_name === "__bytes__" && isObject(value.config) && typeof value.config.value === "string") {
    text = value.config.value;
    latin1 = true;
  }
  if (text === undefined) return { problem: "config.module is neither a base64 string nor a bytes object" };
  if (latin1) {
    if (text.length > maxBytes) return { problem: `the ${text.length}-character module is larger than the ${maxBytes}-byte limit` };
    return { bytes: Buffer.from(text, "latin1") };
  }
  const compact = text.replace(/\s+/g, "");
  if ((compact.length / 4) * 3 > maxBytes) return { problem: `the ${compact.length}-character base64 module is larger than the ${maxBytes}-byte limit` };
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    return { problem: "config.module is not valid base64 (Python's base64.b64decode may still decode a lenient form)" };
  }
  return { bytes: Buffer.from(compact, "base64") };
}

/** Every TorchModuleWrapper module blob in a Keras config (walked iteratively, bounded). */
export function findTorchModuleBlobs(config: unknown, maxBytes: number): EmbeddedBlob[] {
  const out: EmbeddedBlob[] = [];
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: config, path: "", depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) break;
    if (Array.isArray(v)) {
      for (let k = v.length - 1; k >= 0; k--) if (typeof v[k] === "object" && v[k] !== null) stack.push({ v: v[k], path: `${path}[${k}]`, depth: depth + 1 });
      continue;
    }
    if (!isObject(v)) continue;
    const cls = typeof v.class_name === "string" ? v.class_name : "";
    const bare = cls.slice(Math.max(cls.lastIndexOf("."), cls.lastIndexOf(">")) + 1);
    if (bare === "TorchModuleWrapper" && isObject(v.config) && "module" in v.config) {
      const at = path ? `${path}.config.module` : "config.module";
      out.push({ path: at, member: `${at} (torch.save blob)`, ...decodeModule(v.config.module, maxBytes) });
    }
    const keys = Object.keys(v);
    for (let k = keys.length - 1; k >= 0; k--) {
      const child = v[keys[k]!];
      if (typeof child === "object" && child !== null) stack.push({ v: child, path: path ? `${path}.${keys[k]}` : keys[k]!, depth: depth + 1 });
    }
  }
  return out;
}
