/** `modelgate check`: a policy evaluated over everything modelgate can establish about a model. */
export { check, policyLimits, type CheckOptions } from "./check.js";
export { gatherFacts, type GatherOptions } from "./gather.js";
export { loadPolicy, resolvePolicy, findPolicyFile, profilePolicy, policySchema, POLICY_FILE_NAMES, type LoadedPolicy, type CompiledRule, type PolicyMaterial, type ResolvePolicyOptions } from "../policy/load.js";
export { BUILTIN_PROFILES, PROFILE_NAMES } from "../policy/profiles.js";
export { BUILTIN_RULES } from "../policy/rules/index.js";
export { BUILTIN_RULE_CONTROLS, getControl, listControls, FRAMEWORK_TITLES, type ControlDefinition, type ControlFramework } from "../policy/controls.js";
export { evaluatePolicy, requiredSections, activeRuleIds } from "../policy/evaluate.js";
export { FORMAT_GROUPS, expandFormats } from "../policy/formats.js";
export { belowFloor, gateRelaxations, type Relaxation } from "../policy/relax.js";
export { CEL_BUDGET } from "../policy/cel-budget.js";
export { runCelRules, stopCelWorker, type CelRunResult } from "../policy/cel-worker.js";
export type { Facts, FactSection } from "../policy/facts.js";
export type { PolicyDocument, ProfileName } from "../policy/types.js";
export { CHECK_REPORT_SCHEMA_VERSION, type CheckReport, type CheckModelReport, type CheckResult, type CheckStatus, type CheckSuppression, type CheckRelaxation, type ControlOutcome } from "../core/check-report.js";
