import type { ASTNode } from "@marcbachmann/cel-js";
import { FACT_LIMITS } from "./facts.js";

/**
 * The evaluation budget of a custom rule. CEL has no loops, but its comprehensions (`all`, `exists`,
 * `exists_one`, `map`, `filter`) range over lists, and nested ones multiply: `scan.findings.all(f,
 * model.files.exists(…))` over the capped lists is 200 million steps. So a rule's cost is estimated when the
 * policy is loaded — each comprehension costs the largest length its list can have, times the cost of its
 * body — and a rule over the budget, or nesting comprehensions deeper than allowed, is a policy error. At run
 * time the rules are evaluated in a worker thread with a deadline (cel-worker.ts).
 */
export const CEL_BUDGET = Object.freeze({
  /** Comprehensions inside comprehensions (1: no nesting is allowed at all… 2: one level of nesting). */
  maxComprehensionDepth: 2,
  /** Estimated evaluation steps per rule, with every list of the facts at its cap. */
  maxEstimatedSteps: 2_000_000,
  /** Wall-clock time for one rule at run time (the worker is terminated past it). */
  timeoutMs: 2_000,
});

const MACROS: ReadonlySet<string> = new Set(["all", "exists", "exists_one", "map", "filter"]);

/** The longest each list of the facts can be (FACT_LIMITS; other lists are small, bounded by their source). */
const LIST_BOUNDS: Readonly<Record<string, number>> = {
  "model.files": FACT_LIMITS.files,
  "scan.files": FACT_LIMITS.files,
  "scan.findings": FACT_LIMITS.findings,
  "dependencies.vulnerabilities": FACT_LIMITS.vulnerabilities,
  "dependencies.files": 1_000,
  "model.datasets": 1_000,
  "model.baseModels": 1_000,
};
/** Lists inside list elements (a vulnerability's aliases and fixed versions). */
const FIELD_BOUNDS: Readonly<Record<string, number>> = { aliases: 100, fixed: 100 };
/** A list the estimate cannot place (a function's result, a variable): as long as a list literal may be. */
const UNKNOWN_BOUND = 1_000;

type Node = { op?: string; args?: unknown };

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && "op" in v;
}

/** The most elements the list `node` evaluates to. */
function listBound(node: Node): number {
  if (node.op === "list" && Array.isArray(node.args)) return node.args.length;
  if (node.op === "." && Array.isArray(node.args)) {
    const [obj, field] = node.args as [Node, string];
    if (obj?.op === "id" && typeof obj.args === "string") return LIST_BOUNDS[`${obj.args}.${field}`] ?? FIELD_BOUNDS[field] ?? UNKNOWN_BOUND;
    return FIELD_BOUNDS[field] ?? UNKNOWN_BOUND;
  }
  // filter and map give at most as many elements as their list.
  if (node.op === "rcall" && Array.isArray(node.args) && (node.args[0] === "filter" || node.args[0] === "map") && isNode(node.args[1])) return listBound(node.args[1]);
  return UNKNOWN_BOUND;
}

export interface CelCost {
  steps: number;
  depth: number;
}

/** Estimated steps and comprehension nesting of an expression. */
export function estimateCost(ast: ASTNode): CelCost {
  let depth = 0;
  const walk = (v: unknown, level: number): number => {
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + walk(x, level), 0);
    if (!isNode(v)) return 0;
    if (v.op === "rcall" && Array.isArray(v.args) && MACROS.has(v.args[0] as string) && Array.isArray(v.args[2]) && isNode(v.args[1])) {
      const [, receiver, macroArgs] = v.args as [string, Node, unknown[]];
      depth = Math.max(depth, level + 1);
      const n = listBound(receiver);
      return walk(receiver, level) + n * (1 + walk(macroArgs.slice(1), level + 1));
    }
    return 1 + walk(v.args, level);
  };
  const steps = walk(ast, 0);
  return { steps, depth };
}

/** Why an expression is over the budget, or undefined. */
export function overBudget(ast: ASTNode): string | undefined {
  const c = estimateCost(ast);
  if (c.depth > CEL_BUDGET.maxComprehensionDepth) {
    return `comprehensions (all, exists, exists_one, map, filter) are nested ${c.depth} deep; at most ${CEL_BUDGET.maxComprehensionDepth} are allowed`;
  }
  if (c.steps > CEL_BUDGET.maxEstimatedSteps) {
    return `the expression could take about ${c.steps.toLocaleString("en-US")} evaluation steps over the largest facts (at most ${CEL_BUDGET.maxEstimatedSteps.toLocaleString("en-US")} allowed): avoid comprehensions inside comprehensions over the model's files, findings or vulnerabilities`;
  }
  return undefined;
}
