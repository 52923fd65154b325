import type { VirtualFile } from "../../core/virtual-file.js";
import { gunzipChunks, gzipStoredName, type GzipInfo } from "../../walk/inflate.js";
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { checkMemberPath } from "./member-path.js";
import { scanStreamContent, streamMemberName } from "./stream-member.js";

async function analyzeGzip(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
  const stored = await gzipStoredName(file.source);
  if (stored !== undefined) {
    for (const { ruleId, ...issue } of checkMemberPath(stored, "gzip")) ctx.report(ruleId, { ...issue, message: `${issue.message} (the original name gzip -N restores)` });
  }
  const first: GzipInfo = { members: 0, badTrailers: [] };
  let pass = 0;
  const open = () => gunzipChunks(file.source, pass++ === 0 ? first : { members: 0, badTrailers: [] });
  await scanStreamContent(file, ctx, "gzip stream", streamMemberName(file.name, stored), open);
  if (first.badTrailers.length > 0) {
    ctx.report("archive/stream-corrupt", {
      message: `gzip member${first.badTrailers.length > 1 ? "s" : ""} ${first.badTrailers.join(", ")}: CRC-32 or length in the trailer does not match the data`,
      evidence: { members: first.badTrailers.join(",") },
    });
  }
  if (first.trailing) {
    ctx.report("archive/trailing-data", {
      message: `${first.trailing.length} bytes that are not a gzip member follow the compressed data at offset ${first.trailing.offset}`,
      offset: first.trailing.offset,
    });
  }
}

/** gzip files: .gz, .tar.gz / .nemo, joblib files compressed with gzip. */
export const gzipAnalyzer: Analyzer = {
  formats: ["gzip"],
  version: "1.0.0",
  analyze: analyzeGzip,
};
