import { resolve } from "node:path";
import type { ScanOptions } from "../config/scan-options.js";
import { parseSize } from "../config/size.js";
import { CHECK_REPORT_SCHEMA_VERSION, type CheckModelReport, type CheckReport } from "../core/check-report.js";
import { ModelgateError } from "../core/errors.js";
import type { ScanLimits } from "../core/limits.js";
import type { Report } from "../core/report.js";
import type { AuditReport } from "../deps/audit-report.js";
import { TOOL_NAME, TOOL_VERSION } from "../core/version.js";
import { evaluatePolicy, requiredSections } from "../policy/evaluate.js";
import { runCelRules } from "../policy/cel-worker.js";
import { resolvePolicy, type LoadedPolicy } from "../policy/load.js";
import { gatherFacts } from "./gather.js";

export interface CheckOptions {
  /** A loaded policy (the server passes one), or a policy file path. */
  policy?: LoadedPolicy | string;
  /** A built-in profile (strict, default, permissive); not together with `policy`. */
  profile?: string;
  /** Where modelgate.yaml is searched from when neither is given. Default process.cwd(). */
  cwd?: string;
  /** The time suppressions' expiry dates are compared with. Default now. */
  now?: Date;
  /** Vulnerability database folder (default: the policy's defaults.db, else $MODELGATE_DB, else the user cache). */
  db?: string;
  /** Query OSV online instead of the offline database. */
  online?: boolean;
  /** Scan limits and concurrency (limits default to the policy's defaults.limits). */
  scanOptions?: ScanOptions;
  /** A scan report already made of the one model checked (the gate server scans first): not scanned again. */
  scanReport?: Report;
  /** Likewise a dependency audit of the one model checked, made with the same database. */
  auditReport?: AuditReport;
  /** Time one custom rule may take (default CEL_BUDGET.timeoutMs); past it the rule is an error and the model fails. */
  celTimeoutMs?: number;
}

/** The policy's defaults.limits as scan limits. */
export function policyLimits(policy: LoadedPolicy): Partial<ScanLimits> {
  const out: Partial<ScanLimits> = {};
  for (const [k, v] of Object.entries(policy.document.defaults?.limits ?? {})) {
    const n = parseSize(v);
    if (n !== undefined) out[k as keyof ScanLimits] = n;
  }
  return out;
}

/**
 * Evaluates a policy over models: gathers the facts each needs (scan, signature, provenance, SBOM,
 * dependency audit) and gives one verdict per model with its reasons. Throws ModelgateError for a policy
 * with mistakes (POLICY_INVALID) and for model paths that do not exist; everything about the models
 * themselves is in the report.
 */
export async function check(paths: readonly string[], options: CheckOptions = {}): Promise<CheckReport> {
  if (paths.length === 0) throw new ModelgateError("USAGE", "no model to check");
  if ((options.scanReport !== undefined || options.auditReport !== undefined) && paths.length !== 1) {
    throw new ModelgateError("USAGE", "a scan or audit report can be reused when one model is checked");
  }
  const policy = await resolvePolicy({
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  const now = options.now ?? new Date();
  const sections = requiredSections(policy);
  const policyDb = policy.document.defaults?.db;
  const db = options.db ?? (policyDb !== undefined ? resolve(policy.baseDir, policyDb) : undefined);
  const scanOptions: ScanOptions = { ...options.scanOptions, limits: { ...policyLimits(policy), ...options.scanOptions?.limits } };
  const models: CheckModelReport[] = [];
  for (const path of paths) {
    const { facts, notes } = await gatherFacts(path, sections, policy, {
      scanOptions,
      ...(options.scanReport !== undefined ? { scanReport: options.scanReport } : {}),
      ...(options.auditReport !== undefined ? { auditReport: options.auditReport } : {}),
      ...(db !== undefined ? { db } : {}),
      ...(options.online !== undefined ? { online: options.online } : {}),
    });
    // Custom rules run in a worker with a deadline per rule, off this thread (the gate server's request path).
    const celResults = policy.rules.length > 0 ? await runCelRules(policy.rules.map((r) => r.expression), facts, options.celTimeoutMs !== undefined ? { timeoutMs: options.celTimeoutMs } : {}) : undefined;
    models.push(evaluatePolicy(policy, facts, notes, now, celResults));
  }
  const results = models.flatMap((m) => m.results);
  return {
    schemaVersion: CHECK_REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    createdAt: now.toISOString(),
    policy: {
      source: policy.source,
      ...(policy.profile ? { profile: policy.profile } : {}),
      digest: policy.digest,
      ...((policy.relaxations ?? []).length > 0 ? { relaxations: policy.relaxations.map((r) => ({ setting: r.setting, value: r.value, effect: r.effect, reason: r.reason })) } : {}),
    },
    models,
    summary: {
      models: models.length,
      passed: models.filter((m) => m.verdict === "pass").length,
      failed: models.filter((m) => m.verdict === "fail").length,
      errors: results.filter((r) => r.status === "error").length,
      suppressed: results.filter((r) => r.status === "suppressed").length,
    },
  };
}
