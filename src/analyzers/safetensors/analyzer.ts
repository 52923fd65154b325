import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { LimitError, MalformedError } from "../../core/errors.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { createCappedReporter } from "../capped-report.js";
import { checkLayout, jsonNesting, MAX_JSON_NESTING, MAX_SAFETENSORS_HEADER_BYTES, validateHeader } from "./header.js";
import { scanUnaccountedRegions } from "./hidden-data.js";
import { createMetadataReporter } from "./metadata-report.js";

/** Rule ids of this analyzer (src/rules/catalog/safetensors.ts). */
export const SAFETENSORS_RULE = {
  invalidHeader: "safetensors/invalid-header",
  invalidTensor: "safetensors/invalid-tensor",
  overlap: "safetensors/overlapping-tensors",
  outOfBounds: "safetensors/data-out-of-bounds",
  unaccounted: "safetensors/unaccounted-bytes",
  metadataCode: "safetensors/metadata-code",
  metadataUrl: "safetensors/metadata-url",
  metadataPickle: "safetensors/metadata-pickle",
} as const;

const HEADER_START = 8;

async function readHeader(file: VirtualFile): Promise<{ header: Record<string, unknown>; length: number }> {
  const src = file.source;
  if (src.size < HEADER_START) throw new MalformedError(`file has ${src.size} bytes, fewer than the 8-byte header length`, 0);
  const n = (await src.read(0, HEADER_START)).readBigUInt64LE(0);
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    // The reference loader refuses such headers too (HeaderTooLarge).
    throw new LimitError("safetensorsHeaderBytes", Number(n), MAX_SAFETENSORS_HEADER_BYTES, `safetensors header declares ${n} bytes, more than the ${MAX_SAFETENSORS_HEADER_BYTES} any safetensors loader accepts`);
  }
  const length = Number(n);
  if (HEADER_START + length > src.size) {
    throw new MalformedError(`header length ${length} runs past the end of the file (${src.size} bytes): truncated or not safetensors`, 0);
  }
  const bytes = await src.read(HEADER_START, length);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedError("header is not valid UTF-8", HEADER_START);
  }
  const nesting = jsonNesting(text);
  if (nesting > MAX_JSON_NESTING) throw new MalformedError(`header JSON is nested ${nesting} deep; the reference parser stops at ${MAX_JSON_NESTING}`, HEADER_START);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MalformedError(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`, HEADER_START);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new MalformedError("header is not a JSON object", HEADER_START);
  return { header: parsed as Record<string, unknown>, length };
}

async function analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const { header, length } = await readHeader(file);
  const dataStart = HEADER_START + length;
  const dataSize = file.source.size - dataStart;
  const parsed = validateHeader(header);
  const out = createCappedReporter(ctx);

  for (const p of parsed.problems) {
    if (p.scope === "header") {
      out.report(SAFETENSORS_RULE.invalidHeader, { message: `${p.message}; the reference loader refuses this file, other readers may not`, offset: HEADER_START });
    } else {
      out.report(SAFETENSORS_RULE.invalidTensor, {
        message: `tensor "${p.tensor}": ${p.message}; the reference loader refuses this file, other readers may read it differently`,
        offset: HEADER_START,
        evidence: { tensor: p.tensor ?? "" },
      });
    }
  }

  const layout = checkLayout(parsed.tensors, dataSize);
  for (const o of layout.overlaps) {
    out.report(SAFETENSORS_RULE.overlap, {
      message: `tensors "${o.first}" and "${o.second}" share bytes (at data offset ${o.at}); no writer produces this, it is crafted to make readers disagree`,
      offset: o.at === Infinity ? undefined : dataStart + o.at,
      evidence: { first: o.first, second: o.second },
    });
  }
  for (const b of layout.outOfBounds) {
    out.report(SAFETENSORS_RULE.outOfBounds, {
      message: `tensor "${b.tensor}" ends at data offset ${b.end === Infinity ? "≥ 2^53" : b.end}, past the ${dataSize} bytes of data in the file: truncated or crafted`,
      evidence: { tensor: b.tensor, dataBytes: dataSize },
    });
  }
  for (const r of layout.unaccounted) {
    out.report(SAFETENSORS_RULE.unaccounted, {
      message: `${r.end - r.start} bytes at data offsets [${r.start}, ${r.end}) belong to no tensor${r.end === dataSize ? " (after the last tensor)" : ""}; the reference loader refuses such files and the bytes can carry a payload`,
      offset: dataStart + r.start,
      evidence: { start: dataStart + r.start, end: dataStart + r.end, bytes: r.end - r.start },
    });
  }

  const metadata = createMetadataReporter(
    file,
    ctx,
    { code: SAFETENSORS_RULE.metadataCode, url: SAFETENSORS_RULE.metadataUrl, pickle: SAFETENSORS_RULE.metadataPickle },
    "__metadata__",
    out.report,
  );
  for (const [key, value] of parsed.metadata) {
    ctx.checkDeadline();
    await metadata.check(key, value, HEADER_START);
  }
  out.flush();

  await scanUnaccountedRegions(
    file,
    ctx,
    layout.unaccounted.map((r) => ({ start: dataStart + r.start, end: dataStart + r.end })),
    (r) => `unaccounted-bytes-${r.start}-${r.end}`,
  );
}

/**
 * safetensors: an 8-byte little-endian header length, a JSON header, then raw tensor bytes.
 * Only the header is read: the tensor bytes cannot run code, and what matters about them (where they
 * are) is in the header.
 */
export const safetensorsAnalyzer: Analyzer = {
  formats: ["safetensors"],
  version: "1",
  analyze,
};
