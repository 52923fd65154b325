import type { AnalyzerContext, FindingInput } from "../analyzer.js";
import { createBufferSource } from "../../core/source.js";
import { createMemberFile, type VirtualFile } from "../../core/virtual-file.js";
import { analyzeChatTemplate } from "../jinja/chat-template.js";
import { JINJA_RULE } from "../jinja/issues.js";
import { inspectMetadataText, type MetadataConcernKind } from "./metadata-text.js";

/** Rule ids a format uses for metadata concerns (safetensors/…, gguf/…). */
export type MetadataRuleIds = Readonly<Record<MetadataConcernKind, string>>;

/** How many pickles hidden in one file's metadata are scanned as members. */
const MAX_PICKLES_PER_FILE = 16;

export interface MetadataReporter {
  /** Inspects one metadata value and reports what it hides. */
  check(key: string, value: string, offset: number | undefined): Promise<void>;
}

/**
 * Reports the concerns of free-text metadata values of one file: code and URLs as findings, Jinja
 * syntax through the chat-template check, and hidden pickles as findings plus member scans (so the
 * pickle analyzer shows what they would import).
 */
export function createMetadataReporter(
  file: VirtualFile,
  ctx: AnalyzerContext,
  rules: MetadataRuleIds,
  label: string,
  report: (ruleId: string, input: FindingInput) => void = (id, input) => void ctx.report(id, input),
): MetadataReporter {
  let pickles = 0;
  return {
    async check(key, value, offset) {
      const found = inspectMetadataText(key, value);
      const at = offset === undefined ? {} : { offset };
      for (const c of found.concerns) {
        const how = c.encoding ? ` (${c.encoding}-encoded)` : "";
        report(rules[c.kind], {
          message: `${label} "${key}": ${c.what}${how}: ${c.excerpt}`,
          evidence: { key, what: c.what, excerpt: c.excerpt, ...(c.encoding ? { encoding: c.encoding } : {}) },
          ...at,
        });
      }
      if (found.template) {
        // Metadata is not declared a template: a value that merely contains braces and does not parse is
        // not a finding, but a template-injection payload is.
        for (const issue of analyzeChatTemplate(value, `${label} "${key}"`)) {
          if (issue.ruleId === JINJA_RULE.unparseable || issue.ruleId === JINJA_RULE.tooLarge) continue;
          const { ruleId, ...input } = issue;
          report(ruleId, { ...input, ...at });
        }
      }
      for (const p of found.pickles) {
        if (pickles++ >= MAX_PICKLES_PER_FILE) break;
        ctx.chargeDecompressed(p.bytes.length);
        const name = `${label.replace(/\s+/g, "_")}/${key}${p.encoding === "raw" ? "" : `.${p.encoding.replace(/\W+/g, "")}`}.pkl`;
        await ctx.scanMember(createMemberFile(file, name, createBufferSource(p.bytes)));
      }
    },
  };
}
