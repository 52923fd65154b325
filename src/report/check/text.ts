import type { CheckModelReport, CheckReport, CheckResult, CheckStatus, ControlOutcome } from "../../core/check-report.js";

export interface CheckTextOptions {
  color: boolean;
  /** Also list the controls each model passes or fails, grouped by framework, and which rule decided. */
  explain?: boolean;
  /** Also list passing and skipped results of failing models and the results of passing models. */
  verbose?: boolean;
  /** Display names of the frameworks (id → title). */
  frameworks?: Readonly<Record<string, string>>;
}

const MARK: Record<CheckStatus, string> = { pass: "✓", fail: "✗", error: "!", suppressed: "~", skipped: "-" };
const COLOR: Record<CheckStatus, string> = { pass: "32", fail: "31", error: "35", suppressed: "33", skipped: "90" };

/** Strips control characters so text from model files cannot drive the terminal. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?");
}

function paint(on: boolean, code: string, s: string): string {
  return on ? `\u001b[${code}m${s}\u001b[0m` : s;
}

function resultLine(r: CheckResult, color: boolean, width: number): string {
  return `  ${paint(color, COLOR[r.status], MARK[r.status])} ${r.ruleId.padEnd(width)}  ${clean(r.message)}`;
}

function controlsBlock(controls: ControlOutcome[], color: boolean, frameworks: Readonly<Record<string, string>>): string[] {
  const lines: string[] = [];
  const groups = new Map<string, ControlOutcome[]>();
  for (const c of controls) groups.set(c.framework, [...(groups.get(c.framework) ?? []), c]);
  for (const [fw, list] of groups) {
    const failed = list.filter((c) => c.status === "fail").length;
    const skipped = list.filter((c) => c.status === "skipped").length;
    lines.push(`  ${frameworks[fw] ?? fw}: ${list.length - failed - skipped} passed, ${failed} failed${skipped > 0 ? `, ${skipped} not assessed` : ""}`);
    for (const c of list) {
      const mark = paint(color, COLOR[c.status], MARK[c.status]);
      const by = c.rules.map((r) => `${r.ruleId} ${MARK[r.status]}`).join(", ");
      lines.push(`    ${mark} ${c.id}${c.title ? ` ${c.title}` : ""} — ${by}`);
    }
  }
  return lines;
}

function modelBlock(m: CheckModelReport, o: CheckTextOptions): string[] {
  const verdict = m.verdict === "pass" ? paint(o.color, "1;32", "PASS") : paint(o.color, "1;31", "FAIL");
  const lines = [`${verdict}  ${clean(m.path)}`];
  const shown = o.verbose ? m.results : m.results.filter((r) => r.status === "fail" || r.status === "error" || r.status === "suppressed" || (m.verdict === "pass" && r.status !== "skipped"));
  const width = Math.min(28, Math.max(0, ...shown.map((r) => r.ruleId.length)));
  for (const r of shown) lines.push(resultLine(r, o.color, width));
  const hidden = m.results.length - shown.length;
  if (hidden > 0) lines.push(`  (${hidden} passing or skipped result${hidden === 1 ? "" : "s"} not shown; --verbose shows them)`);
  if (o.explain) {
    lines.push("  Controls:");
    lines.push(...controlsBlock(m.controls, o.color, o.frameworks ?? {}).map((l) => `  ${l}`));
  }
  return lines;
}

/** The check report for a terminal: one verdict per model, with the reasons. */
export function formatCheckText(report: CheckReport, options: CheckTextOptions): string {
  const p = report.policy;
  const lines = [`modelgate check: policy ${p.source}${p.profile && !p.source.startsWith("profile:") ? ` (extends ${p.profile})` : ""}, sha256:${p.digest.slice(0, 12)}`];
  if (p.relaxations && p.relaxations.length > 0) {
    lines.push(`the policy relaxes the gate (${p.relaxations.length}):`);
    for (const r of p.relaxations) lines.push(`  ! ${r.setting}: ${r.value} — ${r.effect}; reason: ${r.reason}`);
  }
  lines.push("");
  for (const m of report.models) lines.push(...modelBlock(m, options), "");
  const s = report.summary;
  const extra = [s.errors > 0 ? `${s.errors} rule error${s.errors === 1 ? "" : "s"}` : "", s.suppressed > 0 ? `${s.suppressed} suppressed` : ""].filter(Boolean).join(", ");
  lines.push(`${s.models} model${s.models === 1 ? "" : "s"}: ${s.passed} passed, ${s.failed} failed${extra ? ` (${extra})` : ""}`);
  return `${lines.join("\n")}\n`;
}
