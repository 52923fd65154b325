import type { VirtualFile } from "../../core/virtual-file.js";
import { lz4FrameChunks, type Lz4Info } from "../../walk/lz4.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { scanStreamContent, streamMemberName } from "./stream-member.js";

async function analyzeLz4(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const first: Lz4Info = { frames: 0 };
  let pass = 0;
  const open = () => lz4FrameChunks(file.source, pass++ === 0 ? first : { frames: 0 });
  await scanStreamContent(file, ctx, "LZ4 stream", streamMemberName(file.name), open);
  if (first.trailing) {
    ctx.report("archive/trailing-data", {
      message: `${first.trailing.length} bytes that are not an LZ4 frame follow the compressed data at offset ${first.trailing.offset}`,
      offset: first.trailing.offset,
    });
  }
}

/** LZ4 frame streams: joblib `compress="lz4"` (.lz4). */
export const lz4Analyzer: Analyzer = {
  formats: ["lz4"],
  version: "1.0.0",
  analyze: analyzeLz4,
};
