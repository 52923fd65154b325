import type { FormatId } from "../../core/format.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { SNIFF_HEAD_BYTES } from "../../detect/sniff.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { sniffUnsupported } from "./sniff.js";

/** What each recognised-but-unverified format can carry, for the finding's message. */
const RISK: Partial<Record<FormatId, string>> = {
  tflite: "custom operators and Flex (TensorFlow Select) ops run native or TensorFlow code chosen by the model",
  executorch: "delegate payloads and custom kernels are executed natively by the runtime",
  "flax-msgpack": "its msgpack records are decoded into arrays by the loader without a check by modelgate",
  paddle: "PaddlePaddle programs can name arbitrary operators, and .pdparams siblings are pickles",
  coreml: "Core ML models can reference custom layers and embedded compiled programs",
  openvino: "the IR can name custom operations implemented by extension libraries, and its .bin weights are unchecked",
  rds: "R serialization can carry closures, environments and language objects that run when the object is used",
};

const EXECUTABLE_FORMATS: ReadonlySet<FormatId> = new Set(["llamafile", "executable"]);

/**
 * Formats modelgate recognises but does not parse: reported as not verified (high), or as an
 * executable program. Never passes them as clean.
 */
export const unsupportedAnalyzer: Analyzer = {
  formats: ["tflite", "executorch", "flax-msgpack", "paddle", "coreml", "openvino", "rds", "llamafile", "executable"],
  version: "1",
  async analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
    const head = await file.source.read(0, SNIFF_HEAD_BYTES);
    const match = sniffUnsupported({ head, size: file.source.size });
    if (!match) {
      // Detection said so, but the bytes no longer match (the source changed?): still not verified.
      ctx.report("scanner/unsupported-format", { message: "content recognised as a model format modelgate does not verify" });
      return;
    }
    ctx.setFormat(match.format);
    const evidence = { format: match.format, signature: match.signature };
    if (EXECUTABLE_FORMATS.has(match.format)) {
      const extra =
        match.format === "llamafile"
          ? "; it is a program that embeds its weights (the embedded files were not extracted or verified)"
          : "";
      ctx.report("unsupported/executable", { message: `${match.name} (${match.signature}): running it runs native code${extra}`, evidence });
      return;
    }
    const risk = RISK[match.format];
    ctx.report("scanner/unsupported-format", {
      message: `${match.name} (${match.signature}) is recognised but not verified by this version of modelgate${risk ? `: ${risk}` : ""}`,
      evidence,
    });
  },
};
