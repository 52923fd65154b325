import type { AnalyzerContext, FindingInput, Issue } from "./analyzer.js";

/** Findings of one rule reported for one file before the rest are summed up in one finding. */
export const MAX_FINDINGS_PER_RULE = 25;

/**
 * Reports findings for a file, at most `perRule` per rule: an archive with 50,000 bad names or a
 * safetensors file with 100,000 broken tensors gives 25 findings and a count, not 100,000 findings.
 * `flush()` reports the counts.
 */
export interface CappedReporter {
  report(ruleId: string, input: FindingInput): void;
  issue(issue: Issue): void;
  flush(): void;
}

export function createCappedReporter(ctx: AnalyzerContext, perRule = MAX_FINDINGS_PER_RULE): CappedReporter {
  const counts = new Map<string, number>();
  const report = (ruleId: string, input: FindingInput): void => {
    const n = (counts.get(ruleId) ?? 0) + 1;
    counts.set(ruleId, n);
    if (n <= perRule) ctx.report(ruleId, input);
  };
  return {
    report,
    issue: ({ ruleId, ...input }) => report(ruleId, input),
    flush() {
      for (const [ruleId, n] of counts) {
        if (n > perRule) {
          ctx.report(ruleId, { message: `${n - perRule} more findings of this kind in this file were not listed (${n} in all)`, evidence: { count: n, omitted: n - perRule } });
        }
      }
      counts.clear();
    },
  };
}
