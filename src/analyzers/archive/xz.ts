import type { Analyzer } from "../analyzer.js";
import { scanSevenZipStream } from "./seven-zip-stream.js";

/** xz streams: .xz, .tar.xz, joblib files compressed with xz. */
export const xzAnalyzer: Analyzer = {
  formats: ["xz"],
  version: "1.0.0",
  analyze: (file, ctx) => scanSevenZipStream(file, ctx, "xz"),
};
