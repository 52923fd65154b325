import { ModelgateError } from "../core/errors.js";
import type { RuleDefinition } from "./rule.js";
import { SCANNER_RULES } from "./catalog/scanner.js";
import { PICKLE_RULES } from "./catalog/pickle.js";
import { ARCHIVE_RULES } from "./catalog/archive.js";

/** Every rule modelgate can report, in one explicit list (no registration by side effect). */
export const RULES: readonly RuleDefinition[] = [...SCANNER_RULES, ...PICKLE_RULES, ...ARCHIVE_RULES];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));
if (BY_ID.size !== RULES.length) throw new ModelgateError("INTERNAL", "duplicate rule id in the catalog");

export function getRule(id: string): RuleDefinition {
  const rule = BY_ID.get(id);
  if (!rule) throw new ModelgateError("INTERNAL", `unknown rule id ${id}`);
  return rule;
}
