/**
 * Content that is not a model format but is ordinary in model folders (images in a model card, sentencepiece
 * tokenizers, UBJSON dumps), and Git LFS pointers that stand where weights should be. Detection reports these
 * as `unknown`; the scan uses the checks here to say what they are instead of "unknown binary content".
 */
import { readVarint } from "../analyzers/protobuf/wire.js";

/** Names a model loader opens: the extension may raise a finding's severity, never choose an analyzer. */
const LOADER_EXTENSION = /\.(?:pt|pth|bin|ckpt|pkl|pickle|joblib|jl|dill|npy|npz|h5|hdf5|keras|pb|onnx|safetensors|gguf|ggml|model|pdparams|msgpack|tflite|mlmodel|nemo|pte|sav)$/i;

export function hasLoaderExtension(name: string): boolean {
  return LOADER_EXTENSION.test(name);
}

function startsWith(h: Buffer, bytes: readonly number[], at = 0): boolean {
  if (h.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (h[at + i] !== bytes[i]) return false;
  return true;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** A protobuf varint as [value, next], or undefined (the shared protobuf reader). */
function varint(h: Buffer, at: number): [number, number] | undefined {
  const r = readVarint(h, at, h.length);
  return r.ok ? [r.value, r.next] : undefined;
}

/**
 * A sentencepiece ModelProto (tokenizer.model, spiece.model): field 1 is a repeated SentencePiece message
 * whose own field 1 is the piece (a string) followed by its score (field 2, float) or type (field 3). Checks
 * the first three pieces; the bytes are data for the tokenizer library, which parses them with protobuf.
 */
function isSentencepiece(h: Buffer): boolean {
  let at = 0;
  let pieces = 0;
  while (pieces < 3 && at < h.length) {
    if (h[at] !== 0x0a) return false;
    const outer = varint(h, at + 1);
    if (!outer) return false;
    const [len, start] = outer;
    const end = start + len;
    if (len < 2 || len > 4096) return false;
    if (h[start] !== 0x0a) return false;
    const inner = varint(h, start + 1);
    if (!inner) return false;
    const [plen, pstart] = inner;
    if (pstart + plen > end) return false;
    const after = h[pstart + plen];
    if (pstart + plen < end && after !== 0x15 && after !== 0x18) return false;
    pieces++;
    if (end > h.length) return pieces >= 1;
    at = end;
  }
  return pieces >= 1 && (pieces >= 3 || at >= h.length);
}

/** What well-known data a head of bytes is, or undefined. */
export function recogniseData(h: Buffer): string | undefined {
  if (startsWith(h, [0x89, ...ascii("PNG\r\n"), 0x1a, 0x0a])) return "PNG image";
  if (startsWith(h, [0xff, 0xd8, 0xff])) return "JPEG image";
  if (startsWith(h, ascii("GIF87a")) || startsWith(h, ascii("GIF89a"))) return "GIF image";
  if (startsWith(h, ascii("RIFF")) && startsWith(h, ascii("WEBP"), 8)) return "WebP image";
  if (startsWith(h, ascii("%PDF-"))) return "PDF document";
  if (isSentencepiece(h)) return "sentencepiece tokenizer model (protobuf)";
  // Universal Binary JSON (xgboost's .ubj): an object whose first key length has an integer type marker.
  if (h[0] === 0x7b && h.length > 2 && "iUIlL$#".includes(String.fromCharCode(h[1]!))) return "UBJSON data";
  return undefined;
}

export interface LfsPointer {
  oid: string;
  size: number;
}

/** A Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md): what a clone without git-lfs leaves. */
export function parseLfsPointer(h: Buffer, size: number): LfsPointer | undefined {
  if (size > 1024) return undefined;
  const text = h.subarray(0, size).toString("utf8");
  if (!text.startsWith("version https://git-lfs.github.com/spec/v1")) return undefined;
  const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(text);
  const bytes = /^size (\d+)$/m.exec(text);
  if (!oid || !bytes) return undefined;
  return { oid: oid[1]!, size: Number(bytes[1]) };
}
