import { availableParallelism } from "node:os";
import { ModelgateError } from "../core/errors.js";
import { DEFAULT_LIMITS, type ScanLimits } from "../core/limits.js";
import { isSeverity, type Severity } from "../core/severity.js";

/** What is being done to one large file: analysed (bytes the analyzers have read) or digested (bytes hashed). */
export type FileProgressPhase = "scan" | "digest";

export interface ScanProgress {
  /** Top-level paths finished so far, and how many there are. */
  done: number;
  total: number;
  /** The path just finished; with `file`, the path in progress. */
  path: string;
  /**
   * Set on the events of a file still in progress (only files of at least 16 MiB send them, a few times a
   * second): its phase and how many of its bytes are done. Each phase ends with bytesDone === bytesTotal.
   * Absent on the event that says `path` is finished.
   */
  file?: { phase: FileProgressPhase; bytesDone: number; bytesTotal: number };
}

export interface ScanOptions {
  /** Severity at which `summary.failed` becomes true (the CLI's exit 1). Default `high`. */
  failOn?: Severity;
  /** Overrides of the parser limits. */
  limits?: Partial<ScanLimits>;
  /** Compute the SHA-256 of every file on disk (one extra read of each file). Default true. */
  digest?: boolean;
  /**
   * Threads scanning files at once: the calling thread plus worker threads, used only when the work pays for
   * their start (many files, or large ones). Default: the number of cores, at most 8; 1 scans on the calling
   * thread only. The report is the same whatever the number.
   */
  jobs?: number;
  /** Former name of `jobs`, still accepted (`jobs` wins when both are given). */
  concurrency?: number;
  onProgress?: (p: ScanProgress) => void;
}

export interface ResolvedScanOptions {
  failOn: Severity;
  limits: ScanLimits;
  digest: boolean;
  jobs: number;
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
  const jobs = options.jobs ?? options.concurrency ?? Math.min(8, availableParallelism());
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new ModelgateError("INVALID_OPTION", `jobs must be a positive integer, got ${String(jobs)}`);
  }
  return { failOn, limits, digest: options.digest ?? true, jobs, onProgress: options.onProgress };
}
