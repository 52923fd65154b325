import { Environment, type ASTNode } from "@marcbachmann/cel-js";
import { overBudget } from "./cel-budget.js";
import { FACT_SECTIONS, type FactSection, type Facts } from "./facts.js";

/**
 * Custom rules are CEL expressions (as Kubernetes admission policies use) evaluated with
 * @marcbachmann/cel-js over the facts document. The environment declares every field of the facts, so a
 * misspelt field is a compile error; fields that may be absent are tested with has(). CEL has no unbounded
 * loops; the AST size and depth are capped and the lists in the facts are capped (FACT_LIMITS).
 */

/** CEL declarations of the facts document: must match the Facts interface in facts.ts. */
export const TYPES: readonly [string, Record<string, string>][] = [
  ["ModelFile", { path: "string", size: "int", sha256: "string", format: "string" }],
  [
    "Model",
    {
      path: "string",
      name: "string",
      org: "string",
      revision: "string",
      license: "string",
      datasets: "list<string>",
      baseModels: "list<string>",
      pipelineTag: "string",
      architecture: "string",
      files: "list<ModelFile>",
      totalSize: "int",
      truncated: "bool",
    },
  ],
  ["Finding", { ruleId: "string", severity: "string", path: "string", message: "string" }],
  ["ScannedFile", { path: "string", format: "string", size: "int", container: "string" }],
  [
    "Scan",
    { ran: "bool", verdict: "string", maxSeverity: "string", findings: "list<Finding>", files: "list<ScannedFile>", incomplete: "bool", truncated: "bool" },
  ],
  [
    "Signature",
    {
      checked: "bool",
      present: "bool",
      verified: "bool",
      method: "string",
      path: "string",
      identity: "string",
      issuer: "string",
      keyId: "string",
      digest: "string",
      error: "string",
    },
  ],
  ["ProvenanceSource", { kind: "string", org: "string", repository: "string", url: "string", revision: "string" }],
  ["Provenance", { checked: "bool", present: "bool", verified: "bool", path: "string", source: "ProvenanceSource", downloadedAt: "string", error: "string" }],
  [
    "SbomFields",
    {
      name: "bool",
      license: "bool",
      datasets: "bool",
      base_model: "bool",
      revision: "bool",
      model_card: "bool",
      pipeline_tag: "bool",
      architecture: "bool",
      languages: "bool",
      metrics: "bool",
      dependencies: "bool",
    },
  ],
  ["Sbom", { checked: "bool", fields: "SbomFields", present: "bool", file: "string", format: "string", error: "string" }],
  [
    "Vulnerability",
    { id: "string", aliases: "list<string>", package: "string", version: "string", severity: "string", fixed: "list<string>", file: "string", line: "int" },
  ],
  [
    "Dependencies",
    {
      audited: "bool",
      maxSeverity: "string",
      vulnerabilities: "list<Vulnerability>",
      files: "list<string>",
      databaseAgeDays: "int",
      incomplete: "bool",
      error: "string",
    },
  ],
];

export const VARIABLES: Readonly<Record<FactSection, string>> = {
  model: "Model",
  scan: "Scan",
  signature: "Signature",
  provenance: "Provenance",
  sbom: "Sbom",
  dependencies: "Dependencies",
};

export const CEL_LIMITS = Object.freeze({ maxAstNodes: 2000, maxDepth: 48, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 });

let shared: Environment | undefined;

/** The CEL environment for custom rules (built once). */
export function celEnvironment(): Environment {
  if (shared) return shared;
  const env = new Environment({ limits: CEL_LIMITS, homogeneousAggregateLiterals: false });
  for (const [name, fields] of TYPES) env.registerType(name, { fields });
  for (const section of FACT_SECTIONS) env.registerVariable(section, VARIABLES[section]);
  shared = env;
  return env;
}

/** Facts converted for CEL once per model (celContext), then handed to each program. */
export type CelContext = { readonly __cel: true } & Record<string, unknown>;
export type CelProgram = (context: CelContext) => boolean;

export function celContext(facts: Facts): CelContext {
  return toCelValue(facts) as CelContext;
}

export type CompileResult =
  | { ok: true; program: CelProgram; sections: Set<FactSection> }
  | { ok: false; message: string; /** index into the expression */ index: number };

function errorIndex(e: unknown): number {
  const range = (e as { range?: { start?: number } }).range;
  return typeof range?.start === "number" ? range.start : 0;
}

function errorMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0]!.trim();
}

const MACROS: ReadonlySet<string> = new Set(["all", "exists", "exists_one", "map", "filter"]);

/**
 * Top-level fact sections an expression reads: its free identifiers that name a section. A macro's bound
 * variable (`files.exists(scan, …)`) hides the section of the same name inside the macro.
 */
function sectionsOf(ast: ASTNode, out: Set<FactSection>, bound: ReadonlySet<string> = new Set()): void {
  const node = ast as unknown as { op?: string; args?: unknown };
  const visit = (v: unknown, scope: ReadonlySet<string>): void => {
    if (Array.isArray(v)) v.forEach((x) => visit(x, scope));
    else if (typeof v === "object" && v !== null && "op" in v) sectionsOf(v as ASTNode, out, scope);
  };
  if (node.op === "id" && typeof node.args === "string") {
    if (!bound.has(node.args) && (FACT_SECTIONS as readonly string[]).includes(node.args)) out.add(node.args as FactSection);
    return;
  }
  if (node.op === "rcall" && Array.isArray(node.args) && MACROS.has(node.args[0] as string) && Array.isArray(node.args[2])) {
    const [, receiver, macroArgs] = node.args as [string, unknown, unknown[]];
    visit(receiver, bound);
    const first = macroArgs[0] as { op?: string; args?: unknown } | undefined;
    const scope = first?.op === "id" && typeof first.args === "string" ? new Set([...bound, first.args]) : bound;
    visit(macroArgs.slice(1), scope);
    return;
  }
  visit(node.args, bound);
}

/** Converts the facts to CEL values: integers become CEL ints (BigInt). */
export function toCelValue(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCelValue);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toCelValue(x);
    return out;
  }
  return v;
}

/** Parses and type-checks an expression; it must be a bool over the facts. */
export function compileCel(expression: string): CompileResult {
  const env = celEnvironment();
  let parsed;
  try {
    parsed = env.parse(expression);
  } catch (e) {
    return { ok: false, message: `invalid CEL: ${errorMessage(e)}`, index: errorIndex(e) };
  }
  const checked = env.check(expression);
  if (!checked.valid) {
    return { ok: false, message: `invalid CEL: ${errorMessage(checked.error)}`, index: errorIndex(checked.error) };
  }
  if (checked.type !== "bool" && checked.type !== "dyn") {
    return { ok: false, message: `the expression must be true or false, but it gives ${checked.type}`, index: 0 };
  }
  const budget = overBudget(parsed.ast);
  if (budget) return { ok: false, message: `over the evaluation budget: ${budget}`, index: 0 };
  const sections = new Set<FactSection>();
  sectionsOf(parsed.ast, sections);
  const program: CelProgram = (context) => {
    const result: unknown = parsed(context);
    if (typeof result !== "boolean") throw new Error(`the expression gave ${typeof result}, not true or false`);
    return result;
  };
  return { ok: true, program, sections };
}
