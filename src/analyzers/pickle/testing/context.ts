/**
 * Test helper: an AnalyzerContext that records findings in memory, as the scan would (same rule
 * catalog, same severity override), without files or a report.
 */
import { LimitError } from "../../../core/errors.js";
import type { Finding } from "../../../core/finding.js";
import type { FormatId } from "../../../core/format.js";
import { DEFAULT_LIMITS, type ScanLimits } from "../../../core/limits.js";
import type { VirtualFile } from "../../../core/virtual-file.js";
import { createFinding } from "../../../scan/scan.js";
import type { AnalyzerContext } from "../../analyzer.js";

export interface TestContext {
  ctx: AnalyzerContext;
  findings: Finding[];
  members: VirtualFile[];
  format: FormatId | undefined;
}

export function createTestContext(limits: Partial<ScanLimits> = {}): TestContext {
  const t: TestContext = { ctx: undefined as unknown as AnalyzerContext, findings: [], members: [], format: undefined };
  const resolved: ScanLimits = { ...DEFAULT_LIMITS, ...limits };
  let charged = 0;
  t.ctx = {
    limits: resolved,
    report: (ruleId, input) => {
      const f = createFinding(ruleId, "test.pkl", undefined, input);
      t.findings.push(f);
      return f;
    },
    scanMember: async (file) => {
      t.members.push(file);
    },
    setFormat: (format) => {
      t.format = format;
    },
    chargeDecompressed: (bytes) => {
      charged += bytes;
      if (charged > resolved.maxTotalBytes) throw new LimitError("maxTotalBytes", charged, resolved.maxTotalBytes);
    },
    checkDeadline: () => {},
  };
  return t;
}
