/**
 * Facts from the weight files' own headers, read with the scanner's parsers and limits: safetensors
 * (`__metadata__`, tensor shapes) and GGUF (general.* keys, tensor infos). Tensor data is never read.
 */
import { parseGgufHeader, type GgufHeader, type KeepPolicy } from "../analyzers/gguf/header.js";
import { jsonNesting, MAX_JSON_NESTING, validateHeader } from "../analyzers/safetensors/header.js";
import { isModelgateError } from "../core/errors.js";
import { openFileSource } from "../core/source.js";
import type { MetadataIssue, WeightFacts } from "./types.js";

/**
 * Largest safetensors header read for an SBOM. Real headers are kilobytes to a few megabytes (one entry
 * per tensor); the scanner itself accepts up to the loaders' 100 MB.
 */
export const MAX_SBOM_SAFETENSORS_HEADER = 32 * 1024 * 1024;
/** Metadata entries kept per kind, and the length each value is cut to. */
export const MAX_KEPT_ENTRIES = 64;
export const MAX_KEPT_VALUE_CHARS = 256;

function cut(s: string): string {
  return s.length > MAX_KEPT_VALUE_CHARS ? `${s.slice(0, MAX_KEPT_VALUE_CHARS - 1)}…` : s;
}

/** Elements of a shape; Infinity-safe as a Number (parameter counts of real models fit in 2^53). */
function elements(dims: ReadonlyArray<number | bigint>): bigint {
  let n = 1n;
  for (const d of dims) n *= BigInt(d);
  return n;
}

interface SafetensorsRead {
  tensors: number;
  parameters: bigint;
  metadata: Array<[string, string]>;
}

async function readSafetensors(abs: string, display: string, issues: MetadataIssue[]): Promise<SafetensorsRead | undefined> {
  const src = await openFileSource(abs);
  try {
    if (src.size < 8) {
      issues.push({ file: display, message: `${src.size} bytes: too short for a safetensors header` });
      return undefined;
    }
    const n = (await src.read(0, 8)).readBigUInt64LE(0);
    if (n > BigInt(MAX_SBOM_SAFETENSORS_HEADER)) {
      issues.push({ file: display, message: `safetensors header of ${n} bytes is larger than the ${MAX_SBOM_SAFETENSORS_HEADER} read for an SBOM; not read` });
      return undefined;
    }
    if (8 + Number(n) > src.size) {
      issues.push({ file: display, message: `safetensors header length ${n} runs past the end of the file (truncated)` });
      return undefined;
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(await src.read(8, Number(n)));
    } catch {
      issues.push({ file: display, message: "safetensors header is not valid UTF-8" });
      return undefined;
    }
    if (jsonNesting(text) > MAX_JSON_NESTING) {
      issues.push({ file: display, message: `safetensors header JSON is nested more than ${MAX_JSON_NESTING} deep` });
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      issues.push({ file: display, message: `safetensors header is not valid JSON: ${(e as Error).message}` });
      return undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      issues.push({ file: display, message: "safetensors header is not a JSON object" });
      return undefined;
    }
    const header = validateHeader(parsed as Record<string, unknown>);
    if (header.problems.length > 0) {
      const p = header.problems[0]!;
      issues.push({ file: display, message: `safetensors header: ${p.tensor ? `tensor "${p.tensor}": ` : ""}${p.message}${header.problems.length > 1 ? ` (and ${header.problems.length - 1} more problems)` : ""}` });
    }
    let parameters = 0n;
    for (const t of header.tensors) parameters += elements(t.shape);
    return { tensors: header.tensors.length, parameters, metadata: header.metadata };
  } finally {
    await src.close();
  }
}

/** Keep general.* strings (short) and nothing of the vocabulary or the chat template. */
function ggufKeep(key: string): KeepPolicy {
  return key.startsWith("general.") ? { maxString: 4096, maxArrayStrings: 16 } : { maxString: 0, maxArrayStrings: 0 };
}

function ggufGeneral(header: GgufHeader): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  let kept = 0;
  for (const kv of header.keyValues) {
    if (!kv.key.startsWith("general.") || kept >= MAX_KEPT_ENTRIES) continue;
    const key = kv.key.slice("general.".length);
    if (kv.strings.length > 0) out[key] = cut(kv.strings.map((s) => s.value).join(", "));
    else if (typeof kv.scalar === "bigint") out[key] = Number(kv.scalar);
    else if (kv.scalar !== undefined) out[key] = kv.scalar;
    else continue;
    kept++;
  }
  return out;
}

async function readGguf(abs: string, display: string, issues: MetadataIssue[]): Promise<{ header: GgufHeader; parameters: bigint } | undefined> {
  const src = await openFileSource(abs);
  try {
    const header = await parseGgufHeader(src, { keep: ggufKeep });
    let parameters = 0n;
    for (const t of header.tensors) parameters += elements(t.dims);
    if (header.problems.length > 0) issues.push({ file: display, message: `GGUF header: ${header.problems[0]!.message}` });
    return { header, parameters };
  } catch (e) {
    if (isModelgateError(e)) {
      issues.push({ file: display, message: `GGUF header could not be read: ${e.message}` });
      return undefined;
    }
    throw e;
  } finally {
    await src.close();
  }
}

/** Reads the headers of the folder's safetensors and GGUF files (by detected format). */
export async function readWeightFacts(files: ReadonlyArray<{ path: string; abs: string; format: string }>, issues: MetadataIssue[]): Promise<{ facts: WeightFacts; parameters?: number }> {
  const facts: WeightFacts = {};
  for (const f of files) {
    if (f.format === "safetensors") {
      const r = await readSafetensors(f.abs, f.path, issues).catch((e: unknown) => {
        issues.push({ file: f.path, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
        return undefined;
      });
      if (!r) continue;
      const s = (facts.safetensors ??= { files: 0, tensors: 0, parameters: 0, metadata: {} });
      s.files++;
      s.tensors += r.tensors;
      s.parameters += Number(r.parameters);
      for (const [k, v] of r.metadata) {
        if (Object.keys(s.metadata).length >= MAX_KEPT_ENTRIES) break;
        if (!(k in s.metadata)) s.metadata[cut(k)] = cut(v);
      }
    } else if (f.format === "gguf") {
      const r = await readGguf(f.abs, f.path, issues).catch((e: unknown) => {
        issues.push({ file: f.path, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
        return undefined;
      });
      if (!r) continue;
      const g = (facts.gguf ??= { files: 0, tensors: 0, parameters: 0, general: {} });
      g.files++;
      g.tensors += r.header.tensors.length;
      // Several GGUF files are usually quantisations of one model (count the largest), unless they are the
      // parts of a split model (split.count), whose tensors add up.
      const split = r.header.keyValues.some((kv) => kv.key === "split.count");
      g.parameters = split ? g.parameters + Number(r.parameters) : Math.max(g.parameters, Number(r.parameters));
      for (const [k, v] of Object.entries(ggufGeneral(r.header))) if (!(k in g.general)) g.general[k] = v;
    }
  }
  // A folder with both formats holds one model in two encodings: the safetensors count wins.
  const parameters = facts.safetensors?.parameters ?? facts.gguf?.parameters;
  return parameters === undefined ? { facts } : { facts, parameters };
}
