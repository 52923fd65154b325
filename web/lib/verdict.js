/**
 * Reads a policy verdict (the CheckReport of `modelgate check`, stored per version) into one shape for display:
 * { passed, results: [{ rule, outcome, message, severity, suppressed, suppression, controls }] }. Unknown fields
 * are ignored, so a newer server's report still shows what this page understands.
 */
import { SEVERITIES } from "./dom.js";

function str(v) {
  return typeof v === "string" ? v : undefined;
}

function outcomeOf(r) {
  if (typeof r.outcome === "string") return r.outcome;
  if (typeof r.status === "string") return r.status;
  if (typeof r.result === "string") return r.result;
  if (typeof r.passed === "boolean") return r.passed ? "pass" : "fail";
  if (typeof r.pass === "boolean") return r.pass ? "pass" : "fail";
  return "unknown";
}

function passedOf(v) {
  if (typeof v.passed === "boolean") return v.passed;
  if (typeof v.pass === "boolean") return v.pass;
  for (const key of ["verdict", "outcome", "status", "result"]) {
    const value = v[key];
    if (typeof value === "string") return value === "pass" || value === "passed";
    if (value && typeof value === "object") return passedOf(value);
  }
  return undefined;
}

function normaliseResult(r) {
  if (!r || typeof r !== "object") return null;
  const suppression = r.suppression && typeof r.suppression === "object" ? r.suppression : undefined;
  return {
    rule: str(r.rule) ?? str(r.ruleId) ?? str(r.id) ?? "(unnamed rule)",
    outcome: outcomeOf(r),
    message: str(r.message) ?? str(r.reason) ?? (Array.isArray(r.reasons) ? r.reasons.filter((x) => typeof x === "string").join("; ") : undefined) ?? "",
    severity: str(r.severity),
    suppressed: r.suppressed === true || outcomeOf(r) === "suppressed" || suppression !== undefined,
    suppression: suppression ? { reason: str(suppression.reason), expires: str(suppression.expires), expired: suppression.expired === true } : undefined,
    path: str(r.path),
    finding: str(r.finding),
    controls: Array.isArray(r.controls) ? r.controls.map((c) => (typeof c === "string" ? c : str(c?.id) ?? JSON.stringify(c))) : [],
  };
}

export function normaliseVerdict(v) {
  if (!v || typeof v !== "object") return null;
  let list = [];
  if (Array.isArray(v.results)) list = v.results;
  else if (Array.isArray(v.rules)) list = v.rules;
  else if (Array.isArray(v.models)) list = v.models.flatMap((m) => (Array.isArray(m?.results) ? m.results : []));
  const results = list.map(normaliseResult).filter(Boolean);
  let passed = passedOf(v);
  if (passed === undefined && Array.isArray(v.models) && v.models.length) {
    const each = v.models.map((m) => (m && typeof m === "object" ? passedOf(m) : undefined));
    if (each.every((p) => typeof p === "boolean")) passed = each.every(Boolean);
  }
  const policy = v.policy && typeof v.policy === "object" ? v.policy : {};
  const controls = Array.isArray(v.models) ? v.models.flatMap((m) => (Array.isArray(m?.controls) ? m.controls : [])) : [];
  return {
    passed,
    results,
    profile: str(policy.profile) ?? str(v.profile),
    source: str(policy.source) ?? str(v.source),
    digest: str(policy.digest),
    note: str(v.note),
    controls: controls.filter((c) => c && typeof c === "object").map((c) => ({ id: String(c.id ?? ""), framework: String(c.framework ?? ""), title: str(c.title), status: String(c.status ?? "") })),
  };
}

/** The pass/fail of a version (or version summary) when it carries one. */
export function versionPassed(version) {
  if (!version || typeof version !== "object") return undefined;
  if (typeof version.verdictPassed === "boolean") return version.verdictPassed;
  if (typeof version.verdict === "string") return version.verdict === "pass";
  return normaliseVerdict(version.verdict)?.passed;
}

/**
 * The worst reason a version is held for, as the server works it out (`hold` in the version, its lists and the
 * quarantine queue): { maxSeverity, from: "findings" | "policy", rule, reasons, failing }. The most severe of the
 * scan findings and of the failing policy results, so a version quarantined for three critical dependency
 * advisories — and no scan finding — shows "critical", not "—".
 */
export function holdOf(version) {
  const h = version && typeof version === "object" ? version.hold : undefined;
  const reasons = Array.isArray(version?.reasons) ? version.reasons.length : 0;
  if (!h || typeof h !== "object") return { reasons, failing: 0 };
  return {
    maxSeverity: SEVERITIES.includes(h.maxSeverity) ? h.maxSeverity : undefined,
    from: str(h.from),
    rule: str(h.rule),
    reasons: typeof h.reasons === "number" ? h.reasons : reasons,
    failing: typeof h.failing === "number" ? h.failing : 0,
  };
}
