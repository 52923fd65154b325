import type { VirtualFile } from "../../core/virtual-file.js";
import { inflateChunks, type InflateResult } from "../../walk/inflate.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { scanStreamContent, streamMemberName } from "./stream-member.js";

async function analyzeZlib(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const src = file.source;
  const first: InflateResult = { consumed: 0 };
  let pass = 0;
  const open = () => inflateChunks(src, 0, src.size, "zlib", pass++ === 0 ? first : { consumed: 0 });
  await scanStreamContent(file, ctx, "zlib stream", streamMemberName(file.name), open);
  if (first.consumed > 0 && first.consumed < src.size) {
    const rest = await src.read(first.consumed, Math.min(src.size - first.consumed, 1 << 20));
    if (rest.some((b) => b !== 0)) {
      ctx.report("archive/trailing-data", { message: `${src.size - first.consumed} bytes follow the end of the zlib stream`, offset: first.consumed });
    }
  }
}

/** zlib streams (RFC 1950): joblib's default compression (`compress=3`, `.z`). */
export const zlibAnalyzer: Analyzer = {
  formats: ["zlib"],
  version: "1.0.0",
  analyze: analyzeZlib,
};
