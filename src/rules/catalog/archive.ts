import type { RuleDefinition } from "../rule.js";

/** Container (zip, tar, 7z, compressed stream) rules. Filled in by the container work. */
export const ARCHIVE_RULES: readonly RuleDefinition[] = [];
