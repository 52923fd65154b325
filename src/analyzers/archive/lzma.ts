import type { Analyzer } from "../analyzer.js";
import { scanSevenZipStream } from "./seven-zip-stream.js";

/** LZMA "alone" streams (.lzma): joblib files compressed with lzma. */
export const lzmaAnalyzer: Analyzer = {
  formats: ["lzma"],
  version: "1.0.0",
  analyze: (file, ctx) => scanSevenZipStream(file, ctx, "lzma"),
};
