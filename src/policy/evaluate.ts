import type { CheckModelReport, CheckResult, CheckStatus, ControlOutcome } from "../core/check-report.js";
import { celContext } from "./cel.js";
import { BUILTIN_RULE_CONTROLS, classifyControl } from "./controls.js";
import type { FactSection, Facts } from "./facts.js";
import type { CelRunResult } from "./cel-worker.js";
import type { LoadedPolicy } from "./load.js";
import { BUILTIN_RULES, type GatherNotes, type RuleOutcome } from "./rules/index.js";
import { findSuppression } from "./suppressions.js";

/** What the policy needs gathered: the fact sections read by its built-in and custom rules. */
export function requiredSections(policy: LoadedPolicy): Set<FactSection> {
  const out = new Set<FactSection>();
  for (const rule of BUILTIN_RULES) if (rule.applies(policy.document)) for (const s of rule.needs) out.add(s);
  for (const rule of policy.rules) for (const s of rule.sections) out.add(s);
  return out;
}

/** Ids of the rules the policy turns on (built-in, then custom). */
export function activeRuleIds(policy: LoadedPolicy): string[] {
  return [...BUILTIN_RULES.filter((r) => r.applies(policy.document)).map((r) => r.id), ...policy.rules.map((r) => r.id)];
}

function celOutcomes(policy: LoadedPolicy, facts: Facts, precomputed?: readonly CelRunResult[]): { id: string; controls: string[]; outcome: RuleOutcome }[] {
  if (policy.rules.length === 0) return [];
  const ctx = precomputed ? undefined : celContext(facts);
  return policy.rules.map((rule, i) => {
    let outcome: RuleOutcome;
    try {
      const run = precomputed?.[i];
      if (precomputed && !run) throw new Error("no result from the rule worker");
      if (run && !run.ok) {
        outcome = { status: "error", severity: rule.severity, message: `could not be evaluated: ${run.message}${run.budget ? "" : " (use has() for fields that may be absent)"}` };
        return { id: rule.id, controls: rule.controls, outcome };
      }
      const held = run ? run.value : rule.program(ctx!);
      outcome = held
        ? { status: "pass", severity: rule.severity, message: rule.description ?? `holds: ${rule.expression}` }
        : { status: "fail", severity: rule.severity, message: rule.message ?? `${rule.description ? `${rule.description}: ` : ""}expression is false: ${rule.expression}` };
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      outcome = { status: "error", severity: rule.severity, message: `could not be evaluated: ${msg} (use has() for fields that may be absent)` };
    }
    return { id: rule.id, controls: rule.controls, outcome };
  });
}

/** A model-level digest for suppressions naming one: the signed manifest's, or a single file's sha256. */
function modelDigest(facts: Facts): string | undefined {
  if (facts.signature.digest) return facts.signature.digest;
  return facts.model.files.length === 1 ? facts.model.files[0]!.sha256 || undefined : undefined;
}

/** Applies suppressions to one outcome. */
function toResult(ruleId: string, controls: string[], o: RuleOutcome, policy: LoadedPolicy, facts: Facts, now: Date): CheckResult {
  const result: CheckResult = { ruleId, status: o.status, message: o.message, controls };
  if (o.severity) result.severity = o.severity;
  if (o.path !== undefined) result.path = o.path;
  if (o.finding !== undefined) result.finding = o.finding;
  if (o.status !== "fail" && o.status !== "error") return result;
  const top = o.path?.split("!/")[0];
  const sha256 = o.sha256 ?? (top !== undefined ? facts.model.files.find((f) => f.path === top)?.sha256 : modelDigest(facts));
  const match = findSuppression(policy.document.suppressions ?? [], { ruleId, ...(o.finding ? { finding: o.finding } : {}), ...(o.aliases ? { aliases: o.aliases } : {}), ...(o.path !== undefined ? { path: o.path } : {}), ...(sha256 ? { sha256 } : {}) }, now);
  if (!match) return result;
  const s = match.spec;
  result.suppression = {
    rule: s.rule,
    reason: s.reason,
    ...(s.expires ? { expires: s.expires } : {}),
    ...(s.path ? { path: s.path } : {}),
    ...(s.digest ? { digest: s.digest } : {}),
  };
  if (match.expired) {
    result.suppression.expired = true;
    result.message += ` (suppression expired on ${s.expires}: ${s.reason})`;
  } else {
    result.status = "suppressed";
    result.message += ` (suppressed: ${s.reason}${s.expires ? `, until ${s.expires}` : ""})`;
  }
  return result;
}

function controlOutcomes(results: CheckResult[]): ControlOutcome[] {
  const byId = new Map<string, ControlOutcome>();
  for (const r of results) {
    for (const id of r.controls) {
      let c = byId.get(id);
      if (!c) {
        const k = classifyControl(id);
        c = { id, framework: "error" in k ? "custom" : k.framework, ...("title" in k && k.title ? { title: k.title } : {}), status: "pass", rules: [] };
        byId.set(id, c);
      }
      const existing = c.rules.find((x) => x.ruleId === r.ruleId);
      const worse = (a: CheckStatus, b: CheckStatus) => (rank(a) >= rank(b) ? a : b);
      if (existing) existing.status = worse(existing.status, r.status);
      else c.rules.push({ ruleId: r.ruleId, status: r.status });
    }
  }
  for (const c of byId.values()) {
    c.status = c.rules.some((r) => r.status === "fail" || r.status === "error") ? "fail" : c.rules.every((r) => r.status === "skipped") ? "skipped" : "pass";
  }
  return [...byId.values()];
}

function rank(s: CheckStatus): number {
  return { skipped: 0, pass: 1, suppressed: 2, fail: 3, error: 4 }[s];
}

/**
 * Evaluates the policy over one model's facts: built-in rules the policy configures, then its CEL rules;
 * suppressions applied (kept, marked); the verdict fails when any result fails or could not be evaluated.
 * `celResults` are the custom rules' values computed off this thread (runCelRules, as check() does, with a
 * deadline per rule); without them the rules run here, bounded only by the load-time budget.
 */
export function evaluatePolicy(policy: LoadedPolicy, facts: Facts, notes: GatherNotes, now: Date, celResults?: readonly CelRunResult[]): CheckModelReport {
  const results: CheckResult[] = [];
  for (const rule of BUILTIN_RULES) {
    if (!rule.applies(policy.document)) continue;
    const controls = [...(BUILTIN_RULE_CONTROLS[rule.id] ?? [])];
    let outcomes: RuleOutcome[];
    try {
      outcomes = rule.evaluate({ facts, policy, notes });
    } catch (e) {
      outcomes = [{ status: "error", message: `internal error: ${(e as Error).message}` }];
    }
    for (const o of outcomes) results.push(toResult(rule.id, controls, o, policy, facts, now));
  }
  for (const { id, controls, outcome } of celOutcomes(policy, facts, celResults)) results.push(toResult(id, controls, outcome, policy, facts, now));
  const failing = results.filter((r) => r.status === "fail" || r.status === "error");
  return {
    path: facts.model.path,
    verdict: failing.length > 0 ? "fail" : "pass",
    reasons: failing.map((r) => `${r.ruleId}: ${r.message}`),
    results,
    controls: controlOutcomes(results),
    facts: facts as unknown as Record<string, unknown>,
  };
}
