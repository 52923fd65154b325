import type { VirtualFile } from "../../core/virtual-file.js";
import { zstdChunks, type ZstdInfo } from "../../walk/zstd.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { scanStreamContent, streamMemberName } from "./stream-member.js";

async function analyzeZstd(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const first: ZstdInfo = { frames: 0 };
  let pass = 0;
  const open = () => zstdChunks(file.source, pass++ === 0 ? first : { frames: 0 });
  await scanStreamContent(file, ctx, "zstd stream", streamMemberName(file.name), open);
  if (first.trailing) {
    ctx.report("archive/trailing-data", {
      message: `${first.trailing.length} bytes that are not a zstd frame follow the compressed data at offset ${first.trailing.offset}`,
      offset: first.trailing.offset,
    });
  }
}

/** Zstandard streams: pandas `compression="zstd"`, joblib `compress="zstd"` (.zst). */
export const zstdAnalyzer: Analyzer = {
  formats: ["zstd"],
  version: "1.0.0",
  analyze: analyzeZstd,
};
