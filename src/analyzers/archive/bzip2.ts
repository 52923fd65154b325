import type { Analyzer } from "../analyzer.js";
import { scanSevenZipStream } from "./seven-zip-stream.js";

/** bzip2 streams: .bz2, .tar.bz2, joblib files compressed with bz2. */
export const bzip2Analyzer: Analyzer = {
  formats: ["bzip2"],
  version: "1.0.0",
  analyze: (file, ctx) => scanSevenZipStream(file, ctx, "bzip2"),
};
