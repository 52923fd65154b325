import { ModelgateError } from "../core/errors.js";
import type { FormatId } from "../core/format.js";
import type { Analyzer } from "./analyzer.js";

/**
 * One registry entry: the formats an analyzer handles and how to load it. The analyzer's module (and the
 * parsers it pulls in: h5wasm, 7z-wasm, the Jinja parser, protobuf walkers…) is imported only when a file
 * of one of these formats is found, so a scan pays start-up time only for the formats it meets.
 */
export interface AnalyzerEntry {
  /** Must equal the loaded analyzer's `formats` (registry.test.ts checks it). */
  readonly formats: readonly FormatId[];
  readonly load: () => Promise<Analyzer>;
}

/**
 * Every analyzer, in one explicit list. Formats with no analyzer here are reported by the scan:
 * `unknown` as a note, any other format as not verified.
 */
export const ANALYZERS: readonly AnalyzerEntry[] = [
  { formats: ["json", "text"], load: () => import("./hf/analyzer.js").then((m) => m.configAnalyzer) },
  {
    formats: ["tflite", "executorch", "flax-msgpack", "paddle", "coreml", "openvino", "rds", "llamafile", "executable"],
    load: () => import("./unsupported/analyzer.js").then((m) => m.unsupportedAnalyzer),
  },
  { formats: ["pickle", "pytorch-legacy"], load: () => import("./pickle/analyzer.js").then((m) => m.pickleAnalyzer) },
  { formats: ["numpy"], load: () => import("./numpy/analyzer.js").then((m) => m.numpyAnalyzer) },
  { formats: ["zip"], load: () => import("./archive/zip.js").then((m) => m.zipAnalyzer) },
  { formats: ["tar"], load: () => import("./archive/tar.js").then((m) => m.tarAnalyzer) },
  { formats: ["7z"], load: () => import("./archive/seven-zip.js").then((m) => m.sevenZipAnalyzer) },
  { formats: ["gzip"], load: () => import("./archive/gzip.js").then((m) => m.gzipAnalyzer) },
  { formats: ["xz"], load: () => import("./archive/xz.js").then((m) => m.xzAnalyzer) },
  { formats: ["bzip2"], load: () => import("./archive/bzip2.js").then((m) => m.bzip2Analyzer) },
  { formats: ["lzma"], load: () => import("./archive/lzma.js").then((m) => m.lzmaAnalyzer) },
  { formats: ["zlib"], load: () => import("./archive/zlib.js").then((m) => m.zlibAnalyzer) },
  { formats: ["zstd"], load: () => import("./archive/zstd.js").then((m) => m.zstdAnalyzer) },
  { formats: ["lz4"], load: () => import("./archive/lz4.js").then((m) => m.lz4Analyzer) },
  { formats: ["hdf5"], load: () => import("./hdf5/analyzer.js").then((m) => m.hdf5Analyzer) },
  { formats: ["tf-savedmodel"], load: () => import("./tensorflow/analyzer.js").then((m) => m.tensorflowAnalyzer) },
  { formats: ["onnx"], load: () => import("./onnx/analyzer.js").then((m) => m.onnxAnalyzer) },
  { formats: ["safetensors"], load: () => import("./safetensors/analyzer.js").then((m) => m.safetensorsAnalyzer) },
  { formats: ["gguf"], load: () => import("./gguf/analyzer.js").then((m) => m.ggufAnalyzer) },
];

export interface AnalyzerRegistry {
  /**
   * The analyzer for a format, loaded on first use; undefined when no analyzer handles the format.
   * Never rejects: an analyzer whose module cannot be loaded is replaced by one whose `analyze` throws,
   * so the scan records the file as not verified (scanner/analyzer-error) instead of passing it.
   */
  analyzerFor(format: FormatId): Promise<Analyzer | undefined>;
}

/** Stands in for an analyzer that could not be loaded: every file of its formats becomes a finding. */
function unloadableAnalyzer(entry: AnalyzerEntry, cause: unknown): Analyzer {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return {
    formats: entry.formats,
    version: "unloadable",
    analyze: () => Promise.reject(new ModelgateError("INTERNAL", `its parser could not be loaded (${reason}); the content was not verified`, { cause })),
  };
}

/** A registry over `entries`. Throws when two entries claim one format. */
export function createAnalyzerRegistry(entries: readonly AnalyzerEntry[]): AnalyzerRegistry {
  const byFormat = new Map<FormatId, AnalyzerEntry>();
  for (const entry of entries) {
    for (const f of entry.formats) {
      if (byFormat.has(f)) throw new Error(`two analyzers claim format ${f}`);
      byFormat.set(f, entry);
    }
  }
  const loaded = new Map<AnalyzerEntry, Promise<Analyzer>>();
  return {
    analyzerFor(format: FormatId): Promise<Analyzer | undefined> {
      const entry = byFormat.get(format);
      if (!entry) return Promise.resolve(undefined);
      let analyzer = loaded.get(entry);
      if (!analyzer) {
        analyzer = entry.load().then(
          (a) => a,
          (e: unknown) => unloadableAnalyzer(entry, e),
        );
        loaded.set(entry, analyzer);
      }
      return analyzer;
    },
  };
}

const REGISTRY = createAnalyzerRegistry(ANALYZERS);

/** The analyzer for a format (see AnalyzerRegistry.analyzerFor). */
export function analyzerFor(format: FormatId): Promise<Analyzer | undefined> {
  return REGISTRY.analyzerFor(format);
}
