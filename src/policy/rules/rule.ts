import type { Severity } from "../../core/severity.js";
import type { FactSection, Facts } from "../facts.js";
import type { LoadedPolicy } from "../load.js";
import type { PolicyDocument } from "../types.js";

/** What a built-in rule reads: the facts (gathered before), the policy, and what gathering could not do. */
export interface RuleContext {
  facts: Facts;
  policy: LoadedPolicy;
  /** Problems met while gathering facts that a rule must report as an error (e.g. unreadable metadata). */
  notes: GatherNotes;
}

export interface GatherNotes {
  metadataError?: string;
  scanError?: string;
}

/** One outcome of a rule before suppressions are applied. */
export interface RuleOutcome {
  status: "pass" | "fail" | "error" | "skipped";
  message: string;
  severity?: Severity;
  /** Path inside the model, for results about one file. */
  path?: string;
  /** sha256 of that file. */
  sha256?: string;
  /** The scan finding's rule id, or the vulnerability id. */
  finding?: string;
  /** Other ids of the vulnerability (suppressions may name them). */
  aliases?: string[];
}

export interface BuiltinRule {
  id: string;
  title: string;
  /** True when the policy configures this rule. */
  applies(doc: PolicyDocument): boolean;
  /** Fact sections it reads. */
  needs: readonly FactSection[];
  evaluate(ctx: RuleContext): RuleOutcome[];
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
