/**
 * ONNX analyzer. Walks the ModelProto with the bounded protobuf walker: tensor payloads are never read, so an
 * ONNX file with gigabytes of embedded weights costs a few KiB of reads per tensor.
 *
 * Checks every tensor (initializers, sparse initializers, Constant and other attribute tensors, in the main
 * graph, in subgraphs of If/Loop/Scan attributes, in training graphs and in model-local functions): external
 * data locations (path traversal, URLs…), offset/length values, and whether the data size matches dims × type.
 * Checks every node's operator domain: standard ONNX and built-in ONNX Runtime domains pass, a domain that only
 * names model-local functions passes, anything else needs a custom op library (native code).
 * Limits: subgraph nesting (MAX_GRAPH_NESTING), plus the walker's depth, field and byte limits.
 */
import type { Analyzer, AnalyzerContext, FindingInput } from "../analyzer.js";
import { LimitError } from "../../core/errors.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { SourceCursor } from "../protobuf/cursor.js";
import { Blob, str, type Decoded } from "../protobuf/schema.js";
import { walkMessage, type WalkFrame } from "../protobuf/walker.js";
import { RUNTIME_DOMAINS, STANDARD_DOMAINS } from "./domains.js";
import { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, SparseTensorProto, TensorProto } from "./schema.js";
import { STANDARD_OPS_SOURCE } from "./standard-ops.js";
import { checkTensor } from "./tensor-check.js";

/** Graphs nested inside node attributes (If/Loop/Scan bodies) beyond this depth are not verified. */
export const MAX_GRAPH_NESTING = 16;
/** Findings of one rule reported one by one per file; the rest are counted in a summary. */
const MAX_PER_RULE = 20;

interface OpUse {
  count: number;
  node: string;
  offset: number;
  inFunction: boolean;
}

function name(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Blob) return `<${v.length}-byte name>`;
  return "";
}

/** Where a tensor sits, for messages: "initializer 'w'", "attribute 'value' of node 'c'"… */
function tensorWhere(t: Decoded, path: readonly WalkFrame[]): string {
  const tname = name(t.name);
  const parent = path[path.length - 1];
  const label = tname === "" ? "tensor" : `tensor '${tname}'`;
  if (!parent) return label;
  if (parent.schema === GraphProto) return tname === "" ? "initializer" : `initializer '${tname}'`;
  if (parent.schema === AttributeProto) {
    const node = path[path.length - 2];
    const n = node ? name(node.value.name) : "";
    return `${label} in attribute '${name(parent.value.name)}'${n ? ` of node '${n}'` : ""}`;
  }
  if (parent.schema === SparseTensorProto) return `sparse ${label}`;
  return label;
}

export const onnxAnalyzer: Analyzer = {
  formats: ["onnx"],
  version: "1",
  async analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
    const cursor = new SourceCursor(file.source);
    const perRule = new Map<string, number>();
    const report = (ruleId: string, input: FindingInput): void => {
      const n = (perRule.get(ruleId) ?? 0) + 1;
      perRule.set(ruleId, n);
      if (n <= MAX_PER_RULE) ctx.report(ruleId, input);
    };
    const seenLocations = new Set<string>();
    const externalFiles = new Map<string, number>();
    let externalTensors = 0;
    /** "domain\0op" → uses. */
    const ops = new Map<string, OpUse>();
    /** "domain\0name" of model-local functions, and their domains. */
    const localFunctions = new Set<string>();
    const functionDomains = new Set<string>();

    const onTensor = (t: Decoded, offset: number, path: readonly WalkFrame[]): void => {
      const check = checkTensor(t);
      const where = tensorWhere(t, path);
      if (check.external || check.refs.length > 0) externalTensors++;
      for (const ref of check.refs) {
        const loc = ref.location.length > 300 ? `${ref.location.slice(0, 300)}…` : ref.location;
        if (ref.verdict.kind === "inside") {
          if (externalFiles.size < 1000 || externalFiles.has(ref.verdict.normalized)) {
            externalFiles.set(ref.verdict.normalized, (externalFiles.get(ref.verdict.normalized) ?? 0) + 1);
          }
          continue;
        }
        const key = `${ref.verdict.kind}\u0000${ref.location}`;
        if (seenLocations.has(key)) continue;
        seenLocations.add(key);
        const ignored = check.external ? "" : " (data_location is not EXTERNAL, but tools that honour external_data would read it)";
        report(ref.verdict.kind === "escapes" ? "onnx/external-data-traversal" : "onnx/external-data-suspicious", {
          message: `${where} takes its data from '${loc}': ${ref.verdict.reason}${ignored}`,
          offset,
          evidence: { location: ref.location.slice(0, 1000), reason: ref.verdict.reason, tensor: name(t.name) },
        });
      }
      for (const s of check.suspicious) {
        report("onnx/external-data-suspicious", { message: `${where}: ${s}`, offset, evidence: { tensor: name(t.name) } });
      }
      for (const s of check.sizeProblems) {
        report("onnx/tensor-size-mismatch", { message: `${where}: ${s}`, offset, evidence: { tensor: name(t.name) } });
      }
    };

    const onNode = (n: Decoded, offset: number, path: readonly WalkFrame[]): void => {
      const domain = name(n.domain);
      const op = name(n.opType);
      const key = `${domain}\u0000${op}`;
      const use = ops.get(key);
      if (use) use.count++;
      else if (ops.size < 100_000) ops.set(key, { count: 1, node: name(n.name), offset, inFunction: path.some((f) => f.schema === FunctionProto) });
    };

    const opVerdicts = (partial: boolean): void => {
      const custom = new Map<string, { ops: Set<string>; count: number; first: OpUse }>();
      for (const [key, use] of ops) {
        const [domain = "", op = ""] = key.split("\u0000");
        if (localFunctions.has(key)) continue;
        const standard = STANDARD_DOMAINS.get(domain);
        if (standard) {
          if (!standard.has(op)) {
            report("onnx/unknown-operator", {
              message: `operator '${op}' of domain '${domain || "ai.onnx"}' is not defined by ${STANDARD_OPS_SOURCE} (${use.count} node${use.count === 1 ? "" : "s"}, first '${use.node}')`,
              offset: use.offset,
              evidence: { domain, op, count: use.count },
            });
          }
          continue;
        }
        if (RUNTIME_DOMAINS.has(domain)) continue;
        let c = custom.get(domain);
        if (!c) custom.set(domain, (c = { ops: new Set(), count: 0, first: use }));
        c.ops.add(op);
        c.count += use.count;
      }
      for (const [domain, c] of custom) {
        const opList = [...c.ops].slice(0, 10).join(", ");
        const note = functionDomains.has(domain) ? "; the model defines functions in this domain, but not these operators" : "";
        const tail = partial ? " (the file could not be read to the end, so model-local functions defined later were not seen)" : "";
        report("onnx/custom-domain", {
          message: `operator domain '${domain.slice(0, 200)}' is not a standard or built-in runtime domain: ${c.count} node${c.count === 1 ? "" : "s"} using ${opList}${c.ops.size > 10 ? ", …" : ""} need a custom operator library${note}${tail}`,
          offset: c.first.offset,
          evidence: { domain, ops: [...c.ops].slice(0, 50).join(", "), count: c.count, node: c.first.node },
        });
      }
    };

    const summaries = (): void => {
      if (externalTensors > 0 && externalFiles.size > 0) {
        const files = [...externalFiles.keys()];
        ctx.report("onnx/external-data", {
          message: `${externalTensors} tensor${externalTensors === 1 ? "" : "s"} keep their data in ${files.length} external file${files.length === 1 ? "" : "s"} beside the model: ${files.slice(0, 10).join(", ")}${files.length > 10 ? ", …" : ""}`,
          evidence: { tensors: externalTensors, files: files.length },
        });
      }
      for (const [ruleId, n] of perRule) {
        if (n > MAX_PER_RULE) {
          ctx.report(ruleId, { message: `${n - MAX_PER_RULE} more ${ruleId} findings in this file were not listed one by one` });
        }
      }
    };

    try {
      await walkMessage(cursor, ModelProto, 0, file.source.size, {
        tick: () => ctx.checkDeadline(),
        enter(frame, path) {
          if (frame.schema === GraphProto) {
            const depth = path.filter((f) => f.schema === GraphProto).length + 1;
            if (depth > MAX_GRAPH_NESTING) {
              throw new LimitError("onnx.maxGraphNesting", depth, MAX_GRAPH_NESTING, `ONNX subgraphs nested more than ${MAX_GRAPH_NESTING} deep`);
            }
          }
        },
        leave(frame, path) {
          if (frame.schema === TensorProto) onTensor(frame.value, frame.offset, path);
          else if (frame.schema === NodeProto) onNode(frame.value, frame.offset, path);
          else if (frame.schema === FunctionProto) {
            const domain = str(frame.value.domain) ?? "";
            const fname = str(frame.value.name);
            if (fname !== undefined) localFunctions.add(`${domain}\u0000${fname}`);
            functionDomains.add(domain);
          } else if (frame.schema === ModelProto) {
            opVerdicts(false);
          }
        },
      });
    } catch (e) {
      opVerdicts(true);
      summaries();
      throw e;
    }
    summaries();
  },
};
