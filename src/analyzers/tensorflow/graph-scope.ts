/**
 * What the analyzer remembers about one TensorFlow graph (a MetaGraphDef, or the root GraphDef of a frozen
 * graph) while its nodes stream past, and the verdicts drawn once the graph is complete: the function library
 * and the saver are only known at the end (they follow the nodes on the wire).
 */
import type { Issue } from "../analyzer.js";
import { classifyLocation } from "../onnx/location.js";
import { isStandardOp, RISKY_TF_OPS, type OpCategory, type RiskyOp } from "./ops.js";
import { STANDARD_OPS_SOURCE } from "./standard-ops.js";

/** A node (or a function named in a node's attribute) whose op needs a verdict once the graph is complete. */
export interface OpUse {
  op: string;
  node: string;
  /** Container id: 0 for the graph's own nodes, else the id of the FunctionDef holding the node. */
  container: number;
  offset: number;
  inputs: string[];
  /** String attributes that matter for the verdict (output_stream, debug_urls, memory_region_name…). */
  attrs: Map<string, string[]>;
  /** Set when the op was named in an attribute (`f`, `then_branch`…) rather than as the node's op. */
  viaAttr?: string;
}

export interface SaverInfo {
  filenameTensorName?: string;
  saveTensorName?: string;
  restoreOpName?: string;
}

export type GraphKind = "saved-model" | "meta-graph" | "graph-def";

const RULE_BY_CATEGORY: Record<OpCategory, string> = {
  python: "tf/python-op",
  "file-write": "tf/file-write-op",
  "file-read": "tf/file-read-op",
  network: "tf/network-op",
  debug: "tf/debug-op",
};

/** Op uses kept with full context; beyond this they are only counted (and all reported). */
const MAX_TRACKED_USES = 20_000;
const MAX_EXAMPLES = 5;

/** "node:1", "^node", "node:output:0" → "node". */
export function inputNode(input: string): string {
  const s = input.startsWith("^") ? input.slice(1) : input;
  const i = s.indexOf(":");
  return i === -1 ? s : s.slice(0, i);
}

export class GraphScope {
  readonly kind: GraphKind;
  /** Library function names → container id. */
  private readonly functions = new Map<string, number>();
  private readonly functionNames = new Map<number, string>();
  /** Container id → names its nodes call (ops and functions named as ops or in attributes). */
  private readonly callees = new Map<number, Set<string>>();
  /** "container\0node" → value of a scalar string Const. */
  private readonly consts = new Map<string, string>();
  /** Top-level node name → function names in its attributes (to find the saver's functions). */
  private readonly callNodes = new Map<string, string[]>();
  private readonly uses: OpUse[] = [];
  /** Uses beyond MAX_TRACKED_USES: op → count (reported without saver exemption). */
  private readonly overflow = new Map<string, number>();
  private nextContainer = 1;
  saver: SaverInfo | undefined;
  /** Asset files named by the MetaGraphDef (`tooLong`: a name longer than the decoder keeps). */
  assets: Array<{ filename: string; tensor?: string; offset: number; tooLong?: number }> = [];

  constructor(kind: GraphKind) {
    this.kind = kind;
  }

  newContainer(): number {
    return this.nextContainer++;
  }

  nameFunction(container: number, name: string): void {
    if (!this.functions.has(name)) this.functions.set(name, container);
    this.functionNames.set(container, name);
  }

  addCallee(container: number, name: string): void {
    let set = this.callees.get(container);
    if (!set) this.callees.set(container, (set = new Set()));
    if (set.size < 100_000) set.add(name);
  }

  addConst(container: number, node: string, value: string): void {
    if (this.consts.size < 200_000) this.consts.set(`${container}\u0000${node}`, value);
  }

  addCallNode(node: string, funcs: string[]): void {
    if (this.callNodes.size < 200_000) this.callNodes.set(node, funcs);
  }

  /** Records a node op (or a function named in an attribute) that is risky or outside the standard set. */
  addUse(use: OpUse): void {
    if (isStandardOp(use.op) && !RISKY_TF_OPS.has(use.op)) return;
    if (this.uses.length < MAX_TRACKED_USES) this.uses.push(use);
    else this.overflow.set(use.op, (this.overflow.get(use.op) ?? 0) + 1);
  }

  private constValue(container: number, input: string | undefined): string | undefined {
    if (input === undefined) return undefined;
    return this.consts.get(`${container}\u0000${inputNode(input)}`);
  }

  private where(use: OpUse): string {
    const fn = use.container === 0 ? undefined : this.functionNames.get(use.container);
    return fn === undefined ? (use.container === 0 ? "the graph" : "a library function") : `function '${fn}'`;
  }

  /** Functions reachable from the saver's save and restore nodes (TF2 `__inference__traced_save_…`). */
  private saverFunctions(): Set<number> {
    const out = new Set<number>();
    if (!this.saver) return out;
    const todo: string[] = [];
    for (const t of [this.saver.saveTensorName, this.saver.restoreOpName]) {
      if (t === undefined) continue;
      for (const f of this.callNodes.get(inputNode(t)) ?? []) todo.push(f);
    }
    while (todo.length > 0 && out.size < 10_000) {
      const name = todo.pop()!;
      const id = this.functions.get(name);
      if (id === undefined || out.has(id)) continue;
      out.add(id);
      for (const c of this.callees.get(id) ?? []) if (this.functions.has(c)) todo.push(c);
    }
    return out;
  }

  /** TF1 savers put their ops under one name scope ("save/", "save_1/"), named by the SaverDef. */
  private saverScope(): string | undefined {
    const names = [this.saver?.restoreOpName, this.saver?.saveTensorName, this.saver?.filenameTensorName];
    for (const n of names) {
      if (n === undefined) continue;
      const node = inputNode(n);
      const i = node.lastIndexOf("/");
      if (i > 0) return node.slice(0, i + 1);
    }
    return undefined;
  }

  private pathOf(use: OpUse, index: number): string | undefined {
    return this.constValue(use.container, use.inputs[index]);
  }

  /** True when a checkpoint op is the SavedModel's own saver writing/reading its variables/ checkpoint. */
  private isOwnSaver(use: OpUse, scope: string | undefined, fns: Set<number>): boolean {
    if (this.kind === "graph-def" || !this.saver || use.viaAttr !== undefined) return false;
    const inSaver = use.container === 0 ? scope !== undefined && use.node.startsWith(scope) : fns.has(use.container);
    if (!inSaver) return false;
    // The checkpoint prefix comes from the loader; a constant prefix pointing elsewhere is not the saver's job.
    const prefix = this.pathOf(use, 0);
    return prefix === undefined || classifyLocation(prefix).kind === "inside";
  }

  /** Whether a conditional op (see RiskyOp.condition) does the risky thing here. */
  private conditionHolds(use: OpUse, risky: RiskyOp): boolean {
    switch (risky.condition) {
      case "cache-filename":
        return this.pathOf(use, 1) !== "";
      case "print-to-file":
        return (use.attrs.get("output_stream") ?? []).some((s) => s.startsWith("file://"));
      case "proto-descriptor-file": {
        const src = use.attrs.get("descriptor_source");
        if (!src || src.length === 0) return false;
        return src.some((s) => s !== "local://" && !s.startsWith("bytes://"));
      }
      default:
        return true;
    }
  }

  private isPackagedAsset(use: OpUse): boolean {
    if (this.kind === "graph-def" || this.assets.length === 0) return false;
    const file = this.pathOf(use, 1);
    return file === undefined || classifyLocation(file).kind === "inside";
  }

  /**
   * The findings for this graph, once its nodes, library, saver and assets are known. `partial` (the walk
   * stopped on an error): only verdicts that need neither the library nor the saver — custom ops, checkpoint
   * and asset ops are left to the error finding, since what would have excused them was never read.
   */
  verdicts(partial = false): Issue[] {
    const issues: Issue[] = [];
    const scope = this.saverScope();
    const fns = this.saverFunctions();
    interface Group {
      ruleId: string;
      op: string;
      risky: RiskyOp | undefined;
      uses: OpUse[];
      count: number;
    }
    const groups = new Map<string, Group>();
    const add = (ruleId: string, op: string, risky: RiskyOp | undefined, use: OpUse | undefined, n = 1): void => {
      const key = `${ruleId}\u0000${op}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ruleId, op, risky, uses: [], count: 0 }));
      g.count += n;
      if (use && g.uses.length < MAX_EXAMPLES) g.uses.push(use);
    };

    for (const use of this.uses) {
      if (use.viaAttr !== undefined && this.functions.has(use.op)) continue;
      const risky = RISKY_TF_OPS.get(use.op);
      if (partial && (!risky || risky.checkpoint || risky.asset)) continue;
      if (risky) {
        if (!this.conditionHolds(use, risky)) continue;
        if (risky.checkpoint && this.isOwnSaver(use, scope, fns)) continue;
        if (risky.asset && this.isPackagedAsset(use)) continue;
        add(RULE_BY_CATEGORY[risky.category], use.op, risky, use);
        continue;
      }
      if (this.functions.has(use.op)) continue; // a call of a library function
      add("tf/custom-op", use.op, undefined, use);
    }
    for (const [op, n] of this.overflow) {
      const risky = RISKY_TF_OPS.get(op);
      if (partial && (!risky || risky.checkpoint || risky.asset)) continue;
      if (risky) add(RULE_BY_CATEGORY[risky.category], op, risky, undefined, n);
      else if (!this.functions.has(op)) add("tf/custom-op", op, undefined, undefined, n);
    }

    for (const g of groups.values()) {
      const first = g.uses[0];
      const examples = g.uses.map((u) => `'${u.node}' in ${this.where(u)}${u.viaAttr ? ` (attribute ${u.viaAttr})` : ""}`).join(", ");
      const more = g.count > g.uses.length ? ` and ${g.count - g.uses.length} more` : "";
      const evidence: Record<string, string | number | boolean> = { op: g.op, count: g.count };
      if (first) {
        evidence.node = first.node;
        const fn = this.functionNames.get(first.container);
        if (fn !== undefined) evidence.function = fn;
        const path = this.pathOf(first, 0);
        if (path !== undefined) evidence.input = path;
        for (const key of ["output_stream", "debug_urls", "dump_root", "memory_region_name", "descriptor_source", "file_pattern", "token"]) {
          const v = first.attrs.get(key);
          if (v && v.length > 0) evidence[key] = v.join(", ");
        }
      }
      const opText = g.op.length > 200 ? `${g.op.slice(0, 200)}…` : g.op;
      const message =
        g.ruleId === "tf/custom-op"
          ? `op '${opText}' is not a ${STANDARD_OPS_SOURCE} op; loading the graph needs a custom op library (native code): ${examples}${more}`
          : `op '${opText}' ${g.risky!.reason}${g.risky!.checkpoint && this.kind !== "graph-def" ? " (outside the SavedModel's own saver)" : ""}: ${examples}${more}`;
      const issue: Issue = { ruleId: g.ruleId, message, evidence };
      if (first) issue.offset = first.offset;
      issues.push(issue);
    }

    for (const a of partial ? [] : this.assets) {
      const v = a.tooLong !== undefined ? ({ kind: "suspicious", reason: `${a.tooLong}-byte file name` } as const) : classifyLocation(a.filename);
      if (v.kind === "inside") continue;
      issues.push({
        ruleId: "tf/asset-path-traversal",
        message: `asset file name '${a.filename.slice(0, 300)}' ${v.kind === "escapes" ? "leaves the SavedModel's assets folder" : "is not a plain relative file name"} (${v.reason}); the loader hands the resolved path to the graph`,
        offset: a.offset,
        evidence: { filename: a.filename.slice(0, 1000), reason: v.reason, ...(a.tensor ? { tensor: a.tensor } : {}) },
        ...(v.kind === "suspicious" ? { severity: "high" as const } : {}),
      });
    }
    return issues;
  }
}
