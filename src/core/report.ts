import type { Finding } from "./finding.js";
import type { FormatId } from "./format.js";
import type { ScanLimits } from "./limits.js";
import type { Severity } from "./severity.js";

export const REPORT_SCHEMA_VERSION = "1.0.0";

export interface FileReport {
  /** Virtual path: the path on disk, then container members joined with "!/". */
  path: string;
  format: FormatId;
  /** Size in bytes (decompressed size for members of compressed containers). */
  size: number;
  /** SHA-256 of the file's bytes; null for members and when digests were turned off. */
  sha256: string | null;
  /** Virtual path of the container this file was found in, when it is a member. */
  container?: string;
  findings: Finding[];
}

/** What a folder argument is as a whole (e.g. a Hugging Face model folder) and which files a loader reads. */
export interface FolderReport {
  path: string;
  kind: "huggingface" | "unknown";
  /** Files a loader would read, relative to the folder. */
  loaderFiles: string[];
}

export interface ReportSummary {
  files: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  /** Most severe finding, or null when there are none. */
  highestSeverity: Severity | null;
  /** The gate the exit code is computed against. */
  failOn: Severity;
  /** True when at least one finding is at or above `failOn`. */
  failed: boolean;
  /** Bytes read from disk by the analyzers (digests excluded). */
  bytesRead: number;
  /**
   * Files (top-level or container members) recognised as a model or container format, i.e. not only text,
   * JSON, data or unknown content. 0 means the scan verified no model at all (an empty folder, a wrong path):
   * the CLI then exits 2 and `check` fails the model. Absent in reports made before this field existed.
   */
  verifiedModelFiles?: number;
  durationMs: number;
}

/**
 * A setting that let a high or critical finding pass this scan (the gate `--fail-on critical`), where it came
 * from and why. Shown in every report format.
 */
export interface GateRelaxation {
  /** "--fail-on", "MODELGATE_FAIL_ON" or "defaults.fail_on" (modelgate.yaml). */
  setting: string;
  value: string;
  /** What passes because of it. */
  effect: string;
  /** The policy's `allow:` reason; for a flag or variable, that it was given there. */
  reason: string;
}

export interface Report {
  schemaVersion: string;
  tool: { name: string; version: string };
  createdAt: string;
  targets: string[];
  limits: ScanLimits;
  summary: ReportSummary;
  /** Where the gate was relaxed below its default (fail on high), with the reason; absent when it was not. */
  relaxations?: GateRelaxation[];
  files: FileReport[];
  folders: FolderReport[];
}
