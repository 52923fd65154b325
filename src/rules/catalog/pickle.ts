import type { RuleDefinition } from "../rule.js";

/** Pickle rules. Filled in by the pickle analyzer work. */
export const PICKLE_RULES: readonly RuleDefinition[] = [];
