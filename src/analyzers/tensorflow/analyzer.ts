/**
 * TensorFlow protobuf analyzer: SavedModel (saved_model.pb), TF1 MetaGraphDef (.meta) and frozen GraphDef (.pb).
 *
 * Every NodeDef is checked — the graph's own nodes and the nodes of every library function — and so is every
 * function named in a node attribute (a call op's `f`, `then_branch`…, which may also name a primitive op).
 * Findings: ops that run Python, write or read files, open network connections or dump tensors (ops.ts), ops
 * outside the TensorFlow op registry (custom ops need native code), and asset paths that leave the folder
 * (MetaGraphDef.asset_file_def, and TF1's "saved_model_assets" collection).
 * Checkpoint ops are expected inside a SavedModel's own saver (the SaverDef's name scope for TF1, the functions
 * its save/restore nodes call for TF2) and reported anywhere else.
 *
 * variables/ beside saved_model.pb holds checkpoint data (an SSTable index and raw tensor shards): data the
 * graph's restore ops read, nothing executable; it is not parsed here.
 */
import type { Analyzer, AnalyzerContext } from "../analyzer.js";
import { createBufferSource } from "../../core/source.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { SourceCursor } from "../protobuf/cursor.js";
import { Blob, list, msg, num, str, type Decoded, type MessageSchema } from "../protobuf/schema.js";
import { walkMessage, type WalkFrame } from "../protobuf/walker.js";
import { SNIFF_HEAD_BYTES } from "../../detect/sniff.js";
import { GraphScope, type GraphKind, type OpUse } from "./graph-scope.js";
import { AssetFileDef, DT_STRING, FunctionDef, GraphDef, MAX_ASSET_DEF_BYTES, MetaGraphDef, NodeDef, SavedModel } from "./schema.js";
import { classifyTensorflow } from "./sniff.js";

/** Attribute values kept for verdicts (strings only; everything else is irrelevant to them). */
const KEPT_ATTRS = new Set(["output_stream", "debug_urls", "dump_root", "memory_region_name", "descriptor_source", "file_pattern", "token", "debug_ops_spec"]);

const ROOTS: Record<GraphKind, MessageSchema> = { "saved-model": SavedModel, "meta-graph": MetaGraphDef, "graph-def": GraphDef };

function describeName(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Blob) return `<${v.length}-byte name>`;
  return "";
}

/** Function names in an AttrValue (func, list.func), recursively through their own attributes. */
function collectFuncs(value: Decoded | undefined, out: Array<{ name: string; attr: string }>, attr: string, depth = 0): void {
  if (!value || depth > 32 || out.length > 10_000) return;
  const fromList = (nal: Decoded | undefined): void => {
    if (!nal) return;
    const name = describeName(nal.name);
    if (name !== "") out.push({ name, attr });
    for (const e of list(nal.attr)) {
      const entry = msg(e);
      collectFuncs(msg(entry?.value), out, attr, depth + 1);
    }
  };
  fromList(msg(value.func));
  const l = msg(value.list);
  if (l) for (const f of list(l.func)) fromList(msg(f));
}

function attrStrings(value: Decoded | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  const s = str(value.s);
  if (s !== undefined) out.push(s);
  const l = msg(value.list);
  if (l) for (const x of list(l.s)) if (typeof x === "string") out.push(x);
  return out;
}

export const tensorflowAnalyzer: Analyzer = {
  formats: ["tf-savedmodel"],
  version: "1",
  async analyze(file: VirtualFile, ctx: AnalyzerContext): Promise<void> {
    const head = await file.source.read(0, SNIFF_HEAD_BYTES);
    const kind = classifyTensorflow(head, file.source.size, file.name) ?? "saved-model";
    const cursor = new SourceCursor(file.source);

    const scopes = new Map<Decoded, GraphScope>();
    const containers = new Map<Decoded, number>();
    let rootScope: GraphScope | undefined;

    const scopeOf = (path: readonly WalkFrame[]): GraphScope | undefined => {
      for (let i = path.length - 1; i >= 0; i--) {
        const s = scopes.get(path[i]!.value);
        if (s) return s;
      }
      return rootScope;
    };
    const containerOf = (path: readonly WalkFrame[]): number => {
      for (let i = path.length - 1; i >= 0; i--) {
        const f = path[i]!;
        if (f.schema === FunctionDef) return containers.get(f.value) ?? 0;
        if (f.schema === GraphDef) return 0;
      }
      return 0;
    };
    const report = (scope: GraphScope, partial = false): void => {
      for (const issue of scope.verdicts(partial)) {
        const { ruleId, ...input } = issue;
        ctx.report(ruleId, input);
      }
    };

    /** Graphs whose walk is complete, reported once the whole file is read (their asset lists decoded). */
    const finished: Array<{ scope: GraphScope; pending: Blob[]; offset: number }> = [];
    const addAsset = (scope: GraphScope, asset: Decoded | undefined, offset: number): void => {
      const filename = asset?.filename;
      const tensor = str(msg(asset?.tensorInfo)?.name);
      const extra = tensor !== undefined ? { tensor } : {};
      if (filename instanceof Blob) scope.assets.push({ filename: "", tooLong: filename.length, offset, ...extra });
      else if (typeof filename === "string") scope.assets.push({ filename, offset, ...extra });
    };

    const onNode = (frame: WalkFrame, path: readonly WalkFrame[]): void => {
      const scope = scopeOf(path);
      if (!scope) return;
      const container = containerOf(path);
      const v = frame.value;
      const node = describeName(v.name);
      const op = describeName(v.op);
      const inputs = list(v.input).filter((x): x is string => typeof x === "string");
      const attrs = new Map<string, string[]>();
      const funcs: Array<{ name: string; attr: string }> = [];
      let constString: string | undefined;
      for (const e of list(v.attr)) {
        const entry = msg(e);
        const key = str(entry?.key);
        const value = msg(entry?.value);
        if (key === undefined || !value) continue;
        if (KEPT_ATTRS.has(key)) attrs.set(key, attrStrings(value));
        collectFuncs(value, funcs, key);
        if (key === "value" && op === "Const") {
          const t = msg(value.tensor);
          const sv = list(t?.stringVal);
          if (num(t?.dtype) === DT_STRING && typeof sv[0] === "string") constString = sv[0];
        }
      }
      if (op !== "") scope.addCallee(container, op);
      if (constString !== undefined) scope.addConst(container, node, constString);
      if (container === 0 && funcs.length > 0) scope.addCallNode(node, funcs.map((f) => f.name));
      scope.addUse({ op: op === "" ? "<empty op>" : op, node, container, offset: frame.offset, inputs, attrs });
      for (const f of funcs) {
        scope.addCallee(container, f.name);
        const use: OpUse = { op: f.name, node, container, offset: frame.offset, inputs: [], attrs: new Map(), viaAttr: f.attr };
        scope.addUse(use);
      }
    };

    try {
      await walkMessage(
        cursor,
        ROOTS[kind],
        0,
        file.source.size,
        {
          tick: () => ctx.checkDeadline(),
          enter(frame, path) {
            if (frame.schema === MetaGraphDef) scopes.set(frame.value, new GraphScope(kind === "saved-model" ? "saved-model" : "meta-graph"));
            else if (frame.schema === GraphDef && path.length === 0) rootScope = new GraphScope("graph-def");
            else if (frame.schema === FunctionDef) {
              const scope = scopeOf(path);
              if (scope) containers.set(frame.value, scope.newContainer());
            }
          },
          leave(frame, path) {
            if (frame.schema === NodeDef) onNode(frame, path);
            else if (frame.schema === FunctionDef) {
              const scope = scopeOf(path);
              const id = containers.get(frame.value);
              const name = describeName(msg(frame.value.signature)?.name);
              if (scope && id !== undefined && name !== "") scope.nameFunction(id, name);
              containers.delete(frame.value);
            } else if (frame.schema === MetaGraphDef) {
              const scope = scopes.get(frame.value);
              if (!scope) return;
              const saver = msg(frame.value.saverDef);
              if (saver) {
                scope.saver = {};
                const f = str(saver.filenameTensorName);
                const s = str(saver.saveTensorName);
                const r = str(saver.restoreOpName);
                if (f !== undefined) scope.saver.filenameTensorName = f;
                if (s !== undefined) scope.saver.saveTensorName = s;
                if (r !== undefined) scope.saver.restoreOpName = r;
              }
              for (const a of list(frame.value.assetFileDef)) addAsset(scope, msg(a), frame.offset);
              const pending: Blob[] = [];
              for (const c of list(frame.value.collectionDef)) {
                const entry = msg(c);
                if (str(entry?.key) !== "saved_model_assets") continue;
                for (const a of list(msg(msg(entry?.value)?.anyList)?.value)) {
                  const any = msg(a);
                  if (str(any?.typeUrl)?.endsWith("tensorflow.AssetFileDef") && any?.value instanceof Blob) pending.push(any.value);
                }
              }
              scopes.delete(frame.value);
              finished.push({ scope, pending, offset: frame.offset });
            } else if (frame.schema === GraphDef && path.length === 0 && rootScope) {
              finished.push({ scope: rootScope, pending: [], offset: frame.offset });
              rootScope = undefined;
            }
          },
        },
      );
      // TF1 asset lists are serialised AssetFileDefs inside google.protobuf.Any values: decode them now.
      for (const f of finished) {
        for (const blob of f.pending) {
          if (blob.length > MAX_ASSET_DEF_BYTES) {
            f.scope.assets.push({ filename: "", tooLong: blob.length, offset: blob.offset });
            continue;
          }
          const bytes = await file.source.read(blob.offset, blob.length);
          await walkMessage(new SourceCursor(createBufferSource(bytes)), AssetFileDef, 0, bytes.length, {
            leave: (frame, path) => {
              if (path.length === 0) addAsset(f.scope, frame.value, blob.offset);
            },
          });
        }
        f.pending = [];
      }
    } catch (e) {
      // Keep what was found before the error: complete graphs in full, open ones with the verdicts that need no
      // library or saver context.
      for (const f of finished) report(f.scope);
      for (const scope of scopes.values()) report(scope, true);
      if (rootScope) report(rootScope, true);
      throw e;
    }
    for (const f of finished) report(f.scope);
  },
};
