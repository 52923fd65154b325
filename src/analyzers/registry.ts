import type { FormatId } from "../core/format.js";
import type { Analyzer } from "./analyzer.js";
import { bzip2Analyzer } from "./archive/bzip2.js";
import { gzipAnalyzer } from "./archive/gzip.js";
import { lz4Analyzer } from "./archive/lz4.js";
import { lzmaAnalyzer } from "./archive/lzma.js";
import { sevenZipAnalyzer } from "./archive/seven-zip.js";
import { tarAnalyzer } from "./archive/tar.js";
import { xzAnalyzer } from "./archive/xz.js";
import { zipAnalyzer } from "./archive/zip.js";
import { zlibAnalyzer } from "./archive/zlib.js";
import { zstdAnalyzer } from "./archive/zstd.js";
import { configAnalyzer } from "./hf/analyzer.js";
import { hdf5Analyzer } from "./hdf5/analyzer.js";
import { numpyAnalyzer } from "./numpy/analyzer.js";
import { onnxAnalyzer } from "./onnx/analyzer.js";
import { pickleAnalyzer } from "./pickle/analyzer.js";
import { safetensorsAnalyzer } from "./safetensors/analyzer.js";
import { ggufAnalyzer } from "./gguf/analyzer.js";
import { tensorflowAnalyzer } from "./tensorflow/analyzer.js";
import { unsupportedAnalyzer } from "./unsupported/analyzer.js";

/**
 * Every analyzer, in one explicit list. Formats with no analyzer here are reported by the scan:
 * `unknown` as a note, any other format as not verified.
 */
export const ANALYZERS: readonly Analyzer[] = [configAnalyzer, unsupportedAnalyzer, pickleAnalyzer, numpyAnalyzer, zipAnalyzer, tarAnalyzer, sevenZipAnalyzer, gzipAnalyzer, xzAnalyzer, bzip2Analyzer, lzmaAnalyzer, zlibAnalyzer, zstdAnalyzer, lz4Analyzer, hdf5Analyzer, tensorflowAnalyzer, onnxAnalyzer, safetensorsAnalyzer, ggufAnalyzer];

const BY_FORMAT = new Map<FormatId, Analyzer>();
for (const a of ANALYZERS) {
  for (const f of a.formats) {
    if (BY_FORMAT.has(f)) throw new Error(`two analyzers claim format ${f}`);
    BY_FORMAT.set(f, a);
  }
}

export function analyzerFor(format: FormatId): Analyzer | undefined {
  return BY_FORMAT.get(format);
}
