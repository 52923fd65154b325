import { availableParallelism } from "node:os";
import { ModelgateError } from "../core/errors.js";
import { DEFAULT_LIMITS, type ScanLimits } from "../core/limits.js";
import { isSeverity, type Severity } from "../core/severity.js";

export interface ScanProgress {
  /** Top-level paths finished so far, and how many there are. */
  done: number;
  total: number;
  /** The path just finished. */
  path: string;
}

export interface ScanOptions {
  /** Severity at which `summary.failed` becomes true (the CLI's exit 1). Default `high`. */
  failOn?: Severity;
  /** Overrides of the parser limits. */
  limits?: Partial<ScanLimits>;
  /** Compute the SHA-256 of every file on disk (one extra read of each file). Default true. */
  digest?: boolean;
  /** Files scanned at once. Default: the number of cores, at most 8. */
  concurrency?: number;
  onProgress?: (p: ScanProgress) => void;
}

export interface ResolvedScanOptions {
  failOn: Severity;
  limits: ScanLimits;
  digest: boolean;
  concurrency: number;
  onProgress: ((p: ScanProgress) => void) | undefined;
}

export function resolveScanOptions(options: ScanOptions = {}): ResolvedScanOptions {
  const failOn = options.failOn ?? "high";
  if (!isSeverity(failOn)) throw new ModelgateError("INVALID_OPTION", `failOn must be a severity, got ${String(failOn)}`);
  const limits: ScanLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) throw new ModelgateError("INVALID_OPTION", `unknown limit "${key}"`);
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new ModelgateError("INVALID_OPTION", `limit ${key} must be a positive number, got ${String(value)}`);
    }
    limits[key as keyof ScanLimits] = value;
  }
  const concurrency = options.concurrency ?? Math.min(8, availableParallelism());
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ModelgateError("INVALID_OPTION", `concurrency must be a positive integer, got ${String(concurrency)}`);
  }
  return { failOn, limits, digest: options.digest ?? true, concurrency, onProgress: options.onProgress };
}
