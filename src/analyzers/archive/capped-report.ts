import type { AnalyzerContext, FindingInput, Issue } from "../analyzer.js";

/** Findings of one rule reported for one container before the rest are summed up in one finding. */
export const MAX_FINDINGS_PER_RULE = 25;

/**
 * Reports findings for a container, at most MAX_FINDINGS_PER_RULE per rule: an archive with 50,000 bad names
 * gives 25 findings and a count, not 50,000 findings. `flush()` reports the counts.
 */
export interface CappedReporter {
  report(ruleId: string, input: FindingInput): void;
  issue(issue: Issue): void;
  flush(): void;
}

export function createCappedReporter(ctx: AnalyzerContext): CappedReporter {
  const counts = new Map<string, number>();
  const report = (ruleId: string, input: FindingInput): void => {
    const n = (counts.get(ruleId) ?? 0) + 1;
    counts.set(ruleId, n);
    if (n <= MAX_FINDINGS_PER_RULE) ctx.report(ruleId, input);
  };
  return {
    report,
    issue: ({ ruleId, ...input }) => report(ruleId, input),
    flush() {
      for (const [ruleId, n] of counts) {
        if (n > MAX_FINDINGS_PER_RULE) {
          ctx.report(ruleId, { message: `${n - MAX_FINDINGS_PER_RULE} more findings of this kind in this archive were not listed (${n} in all)`, evidence: { count: n } });
        }
      }
      counts.clear();
    },
  };
}
