import type { AnalyzerContext, FindingInput } from "../analyzer.js";

/** Findings of one rule reported per file before the rest are summed up in one more finding. */
export const FINDINGS_PER_RULE = 20;

export interface CappedReporter {
  report(ruleId: string, input: FindingInput): void;
  /** Reports one summary finding per rule that went over the cap. */
  flush(): void;
}

/**
 * A file with 100 000 broken tensors should produce a readable report, not 100 000 findings:
 * the first FINDINGS_PER_RULE of each rule are reported, then one finding says how many more there were.
 */
export function createCappedReporter(ctx: AnalyzerContext, perRule = FINDINGS_PER_RULE): CappedReporter {
  const counts = new Map<string, number>();
  return {
    report(ruleId, input) {
      const n = (counts.get(ruleId) ?? 0) + 1;
      counts.set(ruleId, n);
      if (n <= perRule) ctx.report(ruleId, input);
    },
    flush() {
      for (const [ruleId, n] of counts) {
        if (n > perRule) ctx.report(ruleId, { message: `${n - perRule} more findings of this kind in this file were not listed`, evidence: { omitted: n - perRule } });
      }
    },
  };
}
