import { LimitError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import type { EmbeddedBlob } from "../keras/torch-module.js";
import type { Analyzer, AnalyzerContext, Issue } from "../analyzer.js";
import { inspectConfigText } from "./inspect.js";
import { startsLikeTemplate, TEMPLATE_FILE_NAME } from "./templates.js";

/**
 * Largest JSON or template read whole. Big enough for the largest tokenizer.json files in use
 * (Gemma's is ~34 MB); configuration and templates are far smaller.
 */
export const MAX_CONFIG_BYTES = 48 * 1024 * 1024;
/** Largest other text file read whole (vocabularies, merges, scripts). */
export const MAX_TEXT_BYTES = 16 * 1024 * 1024;
/** How much of a larger plain text file is checked. */
const TEXT_HEAD_BYTES = 1024 * 1024;

function decode(buf: Buffer): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(buf);
}

function isStructured(head: string, name: string): boolean {
  const t = head.charCodeAt(0) === 0xfeff ? head.slice(1).trimStart() : head.trimStart();
  return t.startsWith("{") || t.startsWith("[") || startsLikeTemplate(t) || TEMPLATE_FILE_NAME.test(name) || /\.(?:json|ya?ml)$/i.test(name);
}

/** Blobs the config makes a loader deserialise: each is reported and scanned as a member of the config. */
async function scanEmbedded(file: VirtualFile, ctx: AnalyzerContext, blobs: EmbeddedBlob[]): Promise<void> {
  for (const blob of blobs) {
    ctx.report("keras/torch-module", {
      message: blob.bytes
        ? `${file.name}: ${blob.path} is a torch.save blob (${blob.bytes.length} bytes) that Keras's TorchModuleWrapper hands to torch.load(weights_only=False); it was decoded and scanned as ${JSON.stringify(blob.member)}`
        : `${file.name}: ${blob.path} is handed to torch.load(weights_only=False) by Keras's TorchModuleWrapper, but ${blob.problem ?? "it could not be decoded"}; it was not verified`,
      evidence: { where: file.name, path: blob.path, ...(blob.bytes ? { bytes: blob.bytes.length } : {}) },
    });
    if (blob.bytes) await ctx.scanMember(createMemberFile(file, blob.member, createBufferSource(blob.bytes)));
  }
}

/**
 * JSON, YAML and text: Hugging Face configs (auto_map, chat templates), Keras model configs,
 * standalone Jinja templates, instantiate targets, credentials, shell commands and endpoints.
 */
export const configAnalyzer: Analyzer = {
  formats: ["json", "text"],
  version: "1",
  async analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
    const size = file.source.size;
    const sink = (issue: Issue): void => {
      ctx.report(issue.ruleId, issue);
    };
    const blobs: EmbeddedBlob[] = [];
    const options = { checkDeadline: () => ctx.checkDeadline(), embedded: (b: EmbeddedBlob) => void blobs.push(b), maxEmbeddedBytes: ctx.limits.maxMemberBytes };
    const configLimit = Math.min(MAX_CONFIG_BYTES, ctx.limits.maxMemberBytes);
    const textLimit = Math.min(MAX_TEXT_BYTES, configLimit);
    if (size > textLimit) {
      const head = decode(await file.source.read(0, 4096));
      if (isStructured(head, file.name)) {
        if (size > configLimit) {
          throw new LimitError("maxConfigBytes", size, configLimit, `configuration or template of ${size} bytes is larger than the ${configLimit}-byte inspection limit`);
        }
      } else {
        const text = decode(await file.source.read(0, TEXT_HEAD_BYTES));
        ctx.report("hf/large-text", {
          message: `${file.name}: text of ${size} bytes; only the first ${TEXT_HEAD_BYTES} bytes were checked for credentials`,
          evidence: { size, checked: TEXT_HEAD_BYTES },
        });
        inspectConfigText(text, `${file.name}.head`, sink, options);
        return;
      }
    }
    const text = decode(await file.source.read(0, size));
    ctx.checkDeadline();
    try {
      inspectConfigText(text, file.name, sink, options);
    } finally {
      await scanEmbedded(file, ctx, blobs);
    }
  },
};
