import type { Evidence, Finding } from "../core/finding.js";
import type { FormatId } from "../core/format.js";
import type { ScanLimits } from "../core/limits.js";
import type { Severity } from "../core/severity.js";
import type { VirtualFile } from "../core/virtual-file.js";

export interface FindingInput {
  message: string;
  /** Byte offset in the file being analyzed. */
  offset?: number;
  evidence?: Evidence;
  /** Only for rules whose catalog entry says the severity depends on context. */
  severity?: Severity;
}

/** What the scan gives each analyzer. Analyzers never see the CLI or the report writers. */
export interface AnalyzerContext {
  readonly limits: Readonly<ScanLimits>;
  /** Records a finding against the file being analyzed (path and member filled in). */
  report(ruleId: string, input: FindingInput): Finding;
  /** Scans a member of this container: detection, analysis and recursion, with depth limits. */
  scanMember(file: VirtualFile): Promise<void>;
  /** Refines the format of the file being analyzed (a zip that is a PyTorch checkpoint…). */
  setFormat(format: FormatId): void;
  /**
   * Accounts for `bytes` of decompressed data produced under this top-level path.
   * Throws LimitError when the total budget is spent.
   */
  chargeDecompressed(bytes: number): void;
  /** Throws LimitError when the time budget for this top-level path is spent. */
  checkDeadline(): void;
}

/**
 * One analyzer per format. `analyze` must not throw for malformed input it can describe as a
 * finding; anything it does throw is turned into a finding by the scan (never a silent skip),
 * and findings reported before the throw are kept.
 */
export interface Analyzer {
  /** The formats this analyzer handles (as detected by `detect/`). */
  readonly formats: readonly FormatId[];
  /** Bumped whenever what the analyzer reports changes. */
  readonly version: string;
  analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void>;
}

/**
 * A finding not yet tied to a file: what pure checks shared by several analyzers return
 * (a chat template found in GGUF metadata and in tokenizer_config.json, a Keras config found in .keras and .h5).
 * The caller hands it to ctx.report(issue.ruleId, issue).
 */
export interface Issue extends FindingInput {
  ruleId: string;
}
