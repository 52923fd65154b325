import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { analyzeChatTemplate, MAX_TEMPLATE_CHARS } from "../jinja/chat-template.js";
import { JINJA_RULE } from "../jinja/issues.js";
import { createCappedReporter, type CappedReporter } from "../capped-report.js";
import { scanUnaccountedRegions } from "../safetensors/hidden-data.js";
import { createMetadataReporter } from "../safetensors/metadata-report.js";
import { DEFAULT_GGUF_LIMITS, parseGgufHeader, type GgufHeader, type GgufKeyValue, type KeepPolicy } from "./header.js";
import { GGML_MAX_DIMS, GGML_MAX_NAME, GGML_TYPES, GGUF_DEFAULT_ALIGNMENT, GGUF_VALUE, REMOVED_GGML_TYPES } from "./types.js";

/** Rule ids of this analyzer (src/rules/catalog/gguf.ts). */
export const GGUF_RULE = {
  invalidHeader: "gguf/invalid-header",
  invalidTensor: "gguf/invalid-tensor",
  unknownType: "gguf/unknown-tensor-type",
  overlap: "gguf/overlapping-tensors",
  outOfBounds: "gguf/data-out-of-bounds",
  unaccounted: "gguf/unaccounted-bytes",
  metadataCode: "gguf/metadata-code",
  metadataUrl: "gguf/metadata-url",
  metadataPickle: "gguf/metadata-pickle",
} as const;

/** `tokenizer.chat_template` and the named templates `tokenizer.chat_template.<name>`. */
const TEMPLATE_KEY = /^tokenizer\.chat_template(?:\.[^.].*)?$/;
/** Templates are kept up to this many bytes (over MAX_TEMPLATE_CHARS they are reported as too large). */
const MAX_TEMPLATE_BYTES = 16 * 1024 * 1024;

function keepPolicy(key: string): KeepPolicy {
  if (TEMPLATE_KEY.test(key)) return { maxString: MAX_TEMPLATE_BYTES, maxArrayStrings: 64 };
  // Vocabularies, merges and embedded tokenizer.json hold arbitrary text fragments (code tokens
  // included): they are skipped, not inspected.
  if (key.startsWith("tokenizer.")) return { maxString: 0, maxArrayStrings: 0 };
  return { maxString: 1024 * 1024, maxArrayStrings: 256 };
}

const alignUp = (n: bigint, a: bigint): bigint => ((n + a - 1n) / a) * a;

function alignmentOf(header: GgufHeader, out: CappedReporter): number {
  const kv = header.keyValues.find((k) => k.key === "general.alignment");
  if (!kv) return GGUF_DEFAULT_ALIGNMENT;
  const v = kv.scalar;
  if (kv.type !== GGUF_VALUE.UINT32 || typeof v !== "number") {
    out.report(GGUF_RULE.invalidHeader, { message: "general.alignment is not a uint32; the reference reader refuses the file", offset: kv.offset });
    return GGUF_DEFAULT_ALIGNMENT;
  }
  if (v === 0 || (v & (v - 1)) !== 0) {
    out.report(GGUF_RULE.invalidHeader, { message: `general.alignment ${v} is not a power of two; the reference reader refuses the file`, offset: kv.offset, evidence: { alignment: v } });
    return GGUF_DEFAULT_ALIGNMENT;
  }
  return v;
}

interface Extent {
  name: string;
  offset: bigint;
  bytes: bigint;
}

/** Tensor descriptions: the checks ggml's reader makes, then where each tensor's bytes are. */
function tensorExtents(header: GgufHeader, alignment: bigint, out: CappedReporter): { extents: Extent[]; unknownSizes: number } {
  const extents: Extent[] = [];
  const names = new Set<string>();
  let unknownSizes = 0;
  for (const t of header.tensors) {
    const bad = (message: string): void => {
      out.report(GGUF_RULE.invalidTensor, { message: `tensor "${t.name}": ${message}`, offset: t.infoOffset, evidence: { tensor: t.name } });
    };
    if (Buffer.byteLength(t.name) >= GGML_MAX_NAME) bad(`name is ${Buffer.byteLength(t.name)} bytes, readers accept at most ${GGML_MAX_NAME - 1}`);
    if (names.has(t.name)) bad("name appears twice; readers refuse the file or pick one of them");
    names.add(t.name);
    if (t.dims.length > GGML_MAX_DIMS) bad(`${t.dims.length} dimensions, readers accept at most ${GGML_MAX_DIMS}`);
    if (t.dims.some((d) => d >= 1n << 63n)) {
      bad("a dimension is negative as a signed 64-bit integer");
      continue;
    }
    if (t.offset % alignment !== 0n) bad(`data offset ${t.offset} is not a multiple of the alignment ${alignment}`);
    const type = GGML_TYPES.get(t.type);
    if (!type) {
      if (REMOVED_GGML_TYPES.has(t.type)) bad(`type ${t.type} was removed from ggml; readers refuse it`);
      else {
        out.report(GGUF_RULE.unknownType, {
          message: `tensor "${t.name}" has tensor type ${t.type}, unknown to this version of modelgate; its size and position could not be checked`,
          offset: t.infoOffset,
          evidence: { tensor: t.name, type: t.type },
        });
      }
      unknownSizes++;
      continue;
    }
    const elements = t.dims.reduce((a, d) => a * d, 1n);
    if ((t.dims[0] ?? 1n) % BigInt(type.block) !== 0n) {
      bad(`rows of ${t.dims[0]} elements are not a multiple of the ${type.name} block size ${type.block}`);
      unknownSizes++;
      continue;
    }
    extents.push({ name: t.name, offset: t.offset, bytes: (elements / BigInt(type.block)) * BigInt(type.bytes) });
  }
  return { extents, unknownSizes };
}

function checkLayout(
  header: GgufHeader,
  extents: Extent[],
  unknownSizes: number,
  alignment: bigint,
  fileSize: number,
  out: CappedReporter,
): Array<{ start: number; end: number }> {
  const size = BigInt(fileSize);
  const dataStart = header.tensorCount > 0 ? alignUp(BigInt(header.headerEnd), alignment) : BigInt(header.headerEnd);
  const unaccounted: Array<{ start: bigint; end: bigint }> = [];
  const sorted = [...extents].sort((a, b) => (a.offset === b.offset ? 0 : a.offset < b.offset ? -1 : 1));
  let cursor = 0n;
  let last: Extent | undefined;
  for (const t of sorted) {
    const end = t.offset + t.bytes;
    if (dataStart + end > size) {
      out.report(GGUF_RULE.outOfBounds, {
        message: `tensor "${t.name}" occupies file bytes [${dataStart + t.offset}, ${dataStart + end}), past the end of the ${fileSize}-byte file: truncated or crafted`,
        evidence: { tensor: t.name },
      });
    }
    if (last && t.offset < cursor && t.bytes > 0n) {
      out.report(GGUF_RULE.overlap, {
        message: `tensors "${last.name}" and "${t.name}" share bytes (from data offset ${t.offset}); no writer produces this`,
        evidence: { first: last.name, second: t.name },
      });
    } else if (t.offset > alignUp(cursor, alignment)) {
      unaccounted.push({ start: dataStart + cursor, end: dataStart + t.offset });
    }
    if (end > cursor) {
      cursor = end;
      last = t;
    }
  }
  // Writers pad after the last tensor (or after the header of a tensor-less file) to the alignment.
  if (unknownSizes === 0) {
    const used = dataStart + cursor;
    if (size > alignUp(used, alignment)) unaccounted.push({ start: used, end: size });
  }
  const regions = unaccounted.filter((r) => r.end > r.start && r.start < size).map((r) => ({ start: Number(r.start), end: Number(r.end > size ? size : r.end) }));
  for (const r of regions) {
    out.report(GGUF_RULE.unaccounted, {
      message: `${r.end - r.start} bytes at file offsets [${r.start}, ${r.end}) belong to no tensor and are more than alignment padding; they can carry a payload`,
      offset: r.start,
      evidence: { start: r.start, end: r.end, bytes: r.end - r.start },
    });
  }
  return regions;
}

function checkTemplates(kv: GgufKeyValue, ctx: AnalyzerContext): void {
  if (kv.skippedStrings > 0) {
    ctx.report(JINJA_RULE.tooLarge, {
      message: `${kv.key}: a chat template longer than ${MAX_TEMPLATE_BYTES} bytes was not read`,
      offset: kv.offset,
      evidence: { key: kv.key, limit: MAX_TEMPLATE_CHARS },
    });
  }
  for (const s of kv.strings) {
    ctx.checkDeadline();
    for (const issue of analyzeChatTemplate(s.value, kv.key)) {
      const { ruleId, ...input } = issue;
      ctx.report(ruleId, { ...input, offset: s.offset });
    }
  }
}

async function analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const header = await parseGgufHeader(file.source, { limits: DEFAULT_GGUF_LIMITS, keep: keepPolicy, tick: () => ctx.checkDeadline() });
  const out = createCappedReporter(ctx);
  for (const p of header.problems) out.report(GGUF_RULE.invalidHeader, { message: p.message, offset: p.offset });
  const alignment = BigInt(alignmentOf(header, out));
  const { extents, unknownSizes } = tensorExtents(header, alignment, out);
  const regions = checkLayout(header, extents, unknownSizes, alignment, file.source.size, out);

  const metadata = createMetadataReporter(file, ctx, { code: GGUF_RULE.metadataCode, url: GGUF_RULE.metadataUrl, pickle: GGUF_RULE.metadataPickle }, "metadata", out.report);
  for (const kv of header.keyValues) {
    if (TEMPLATE_KEY.test(kv.key)) checkTemplates(kv, ctx);
    else {
      for (const s of kv.strings) {
        ctx.checkDeadline();
        await metadata.check(kv.key, s.value, s.offset);
      }
    }
  }
  out.flush();
  await scanUnaccountedRegions(file, ctx, regions, (r) => `unaccounted-bytes-${r.start}-${r.end}`);
}

/**
 * GGUF (llama.cpp, ollama, LM Studio): header, metadata and tensor infos in v1–v3, little- or
 * big-endian, read in bounded chunks without touching tensor data. The chat template it carries is
 * rendered by Jinja2 in several runtimes (CVE-2024-34359), so it goes through the template check.
 */
export const ggufAnalyzer: Analyzer = {
  formats: ["gguf"],
  version: "1",
  analyze,
};
