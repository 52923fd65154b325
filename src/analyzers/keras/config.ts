import type { Evidence } from "../../core/finding.js";
import type { Issue } from "../analyzer.js";
import { summarizeMarshalledCode } from "./marshal.js";
import {
  DANGEROUS_BUILTINS,
  DANGEROUS_FUNCTIONS,
  DANGEROUS_MODULES,
  DANGEROUS_TF_RAW_OP_PARTS,
  DANGEROUS_TF_SYMBOLS,
  KERAS_PACKAGES,
  UNSAFE_KERAS_FUNCTIONS,
  VOCABULARY_LAYERS,
} from "./modules.js";

/**
 * Pure checks of Keras model configs: the config.json of a Keras v3 `.keras` archive, the
 * `model_config`/`training_config` attributes of a Keras 2 HDF5 file, a `model.to_json()` dump.
 * The config is walked as data; nothing in it is resolved or imported.
 */

/** Walk bounds: a config larger than this is reported as not fully verified. */
const MAX_NODES = 2_000_000;
const MAX_DEPTH = 256;
/** Findings of one rule listed individually before the rest are summed up. */
const MAX_PER_RULE = 50;
const PREVIEW_CHARS = 200;
/** Largest Lambda bytecode (base64 text) decoded for the summary. */
const MAX_CODE_CHARS = 4 * 1024 * 1024;

type Json = unknown;
type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function clip(s: string, max = PREVIEW_CHARS): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** True when a parsed JSON value looks like a Keras model/layer config (class_name + config, layers…). */
export function isKerasConfig(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (typeof value.class_name !== "string" || value.class_name.length === 0) return false;
  const config = value.config;
  if (isObject(config)) return true;
  // Keras 3 objects always carry `module`; Keras 2 model JSON carries keras_version/backend.
  return (config === null || typeof config === "string") && ("module" in value || "keras_version" in value);
}

/** True when a parsed JSON value looks like the metadata.json of a `.keras` archive. */
export function isKerasMetadata(value: unknown): boolean {
  return isObject(value) && typeof value.keras_version === "string" && !("class_name" in value);
}

/** Notes the Keras version recorded in a `.keras` archive's metadata.json. */
export function analyzeKerasMetadata(metadata: unknown, where: string): Issue[] {
  if (!isKerasMetadata(metadata)) return [];
  const m = metadata as JsonObject;
  const version = clip(String(m.keras_version), 64);
  const evidence: Evidence = { where, keras_version: version };
  const saved = str(m.date_saved);
  if (saved !== undefined) evidence.date_saved = clip(saved, 64);
  return [{ ruleId: "keras/version", message: `${where}: saved with Keras ${version}`, evidence }];
}

// ---------------------------------------------------------------------------------------------------
// Name classification

function kerasNamespace(module: string): boolean {
  for (const pkg of KERAS_PACKAGES) if (module === pkg || module.startsWith(`${pkg}.`)) return true;
  return false;
}

function topPackage(module: string): string {
  const dot = module.indexOf(".");
  return dot < 0 ? module : module.slice(0, dot);
}

/** Is this TensorFlow API name (as TFOpLambda stores it, without "tf.") one with side effects? */
export function isDangerousTfSymbol(symbol: string): boolean {
  let s = symbol.startsWith("tf.") ? symbol.slice(3) : symbol;
  s = s.replace(/^compat\.v[12]\./, "");
  if (s.startsWith("raw_ops.")) {
    const op = s.slice("raw_ops.".length);
    return DANGEROUS_TF_RAW_OP_PARTS.some((part) => op.includes(part));
  }
  return DANGEROUS_TF_SYMBOLS.some((entry) => (entry.endsWith(".") ? s.startsWith(entry) : s === entry || s.startsWith(`${entry}.`)));
}

type RefVerdict =
  | { kind: "ok" }
  | { kind: "injection"; reason: string }
  | { kind: "unsafe-keras"; reason: string }
  | { kind: "tf-op"; reason: string }
  | { kind: "custom"; reason: string }
  | { kind: "untrusted"; reason: string };

/**
 * Judges a (module, name) pair a config makes Keras resolve. `registered` is the registered name when
 * there is one ("Package>Name" for objects registered with register_keras_serializable).
 */
function classifyReference(module: string | null | undefined, name: string, registered: string | null | undefined): RefVerdict {
  const qualified = module ? `${module}.${name}` : name;
  if (module) {
    const top = topPackage(module);
    if (kerasNamespace(module)) {
      if (UNSAFE_KERAS_FUNCTIONS.has(name)) return { kind: "unsafe-keras", reason: `${qualified} has side effects outside the model` };
      return { kind: "ok" };
    }
    if (top === "builtins" || top === "__builtin__") {
      // Keras 3 resolves "builtins" function names against its own activations, losses… first; Keras
      // before 3.9 then fell back to Python's builtins module.
      if (DANGEROUS_BUILTINS.has(name)) return { kind: "injection", reason: `builtins.${name} evaluates code or reaches outside the model` };
      return top === "__builtin__" ? { kind: "injection", reason: `module ${module}` } : { kind: "ok" };
    }
    if (DANGEROUS_MODULES.has(top)) return { kind: "injection", reason: `module ${module} can run commands, load code or touch files and the network` };
    if (DANGEROUS_FUNCTIONS.get(top)?.has(name)) return { kind: "injection", reason: `${qualified} deserializes or reads arbitrary files` };
    if (top === "tensorflow") {
      const rest = module.slice("tensorflow".length).replace(/^\./, "");
      if (isDangerousTfSymbol(name) || isDangerousTfSymbol(rest ? `${rest}.${name}` : name) || isDangerousTfSymbol(`raw_ops.${name}`)) {
        return { kind: "tf-op", reason: `${qualified} reads or writes files, runs Python or loads native code` };
      }
      return { kind: "ok" };
    }
    if (registered && registered.includes(">")) {
      return { kind: "custom", reason: `custom object ${registered} from module ${module}` };
    }
    return { kind: "untrusted", reason: `${qualified} comes from module ${module}, which Keras would import` };
  }
  if (registered) return { kind: "custom", reason: `custom object ${registered}` };
  return { kind: "ok" };
}

// ---------------------------------------------------------------------------------------------------
// Lambda code

interface CodeHint {
  form: string;
  evidence: Evidence;
  text: string;
}

function decodeBase64Strict(s: string): Buffer | undefined {
  const compact = s.replace(/\s+/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

/** Describes what a serialized Python function holds: bytecode (with the names it uses) or source text. */
function describeCode(code: unknown): CodeHint {
  if (typeof code !== "string") return { form: "a serialized function", evidence: {}, text: "" };
  if (code.length > MAX_CODE_CHARS) {
    return { form: `${code.length} characters of serialized code (too large to decode)`, evidence: { code_chars: code.length }, text: "" };
  }
  const candidates: Buffer[] = [];
  const b64 = decodeBase64Strict(code);
  if (b64) candidates.push(b64);
  // Keras 1 stored marshal bytes as a raw_unicode_escape string.
  const first = code.charCodeAt(0);
  if ((first === 0x63 || first === 0xe3) && [...code].every((ch) => ch.charCodeAt(0) <= 0xff)) candidates.push(Buffer.from(code, "latin1"));
  for (const bytes of candidates) {
    const summary = summarizeMarshalledCode(bytes);
    if (!summary) continue;
    const names = summary.names.join(", ");
    const strings = summary.strings.map((s) => JSON.stringify(s)).join(", ");
    const evidence: Evidence = { code_form: "marshal", code_layout: summary.layout, code_bytes: bytes.length };
    if (names) evidence.code_names = clip(names, 500);
    if (strings) evidence.code_strings = clip(strings, 500);
    const parts = [`Python ${summary.layout} bytecode`];
    if (names) parts.push(`using ${clip(names, 160)}`);
    if (strings) parts.push(`with strings ${clip(strings, 160)}`);
    return { form: "marshalled bytecode", evidence, text: parts.join(" ") };
  }
  if (b64) {
    return { form: "base64 data that is not a known bytecode layout", evidence: { code_form: "base64", code_bytes: b64.length }, text: `${b64.length} bytes of undecodable bytecode` };
  }
  const preview = clip(code.replace(/\s+/g, " ").trim());
  return { form: "source text", evidence: { code_form: "source", preview }, text: `source ${JSON.stringify(preview)}` };
}

// ---------------------------------------------------------------------------------------------------
// Walk

class IssueSink {
  readonly issues: Issue[] = [];
  private readonly counts = new Map<string, number>();

  add(issue: Issue): void {
    const n = (this.counts.get(issue.ruleId) ?? 0) + 1;
    this.counts.set(issue.ruleId, n);
    if (n <= MAX_PER_RULE) this.issues.push(issue);
  }

  finish(where: string): Issue[] {
    for (const [ruleId, n] of this.counts) {
      if (n > MAX_PER_RULE) {
        const sample = this.issues.find((i) => i.ruleId === ruleId);
        this.issues.push({
          ruleId,
          message: `${where}: ${n - MAX_PER_RULE} more findings of this kind not listed (${n} in total)`,
          evidence: { where, total: n },
          ...(sample?.severity !== undefined ? { severity: sample.severity } : {}),
        });
      }
    }
    return this.issues;
  }
}

function layerName(node: JsonObject): string | undefined {
  const cfg = node.config;
  return str(isObject(cfg) ? cfg.name : undefined) ?? str(node.name);
}

function describeLayer(node: JsonObject, cls: string): string {
  const name = layerName(node);
  return name !== undefined ? `${cls} layer ${JSON.stringify(clip(name, 80))}` : `${cls} layer`;
}

const SPECIAL_CLASSES = new Set(["__numpy__", "__tensor__", "__bytes__", "__keras_tensor__", "__ellipsis__", "__slice__"]);

/** Pure check of a Keras model config (from .keras config.json or an HDF5 model_config attribute). */
export function analyzeKerasConfig(config: unknown, where: string): Issue[] {
  const sink = new IssueSink();
  const handled = new Set<unknown>();
  const tfOps = new Map<string, number>();
  let nodes = 0;

  const at = (path: string): string => (path ? `${where} at ${path}` : where);

  const reportLambda = (owner: string, code: unknown, path: string, keras3: boolean): void => {
    const hint = describeCode(code);
    const loadNote = keras3
      ? "Keras 3 refuses it under safe_mode=True (the default); loading with safe_mode=False runs this code"
      : "Keras 2 runs it whenever the model is loaded; newer Keras refuses it only when safe_mode is on and honoured (Keras 3 up to 3.11.2 ignored safe_mode for .h5 files)";
    sink.add({
      ruleId: "keras/lambda-layer",
      message: `${at(path)}: ${owner} carries Python code (${hint.text || hint.form}); ${loadNote}`,
      evidence: { where, path, format: keras3 ? "keras3" : "keras2", ...hint.evidence },
    });
  };

  const reportReference = (verdict: RefVerdict, path: string, subject: string, evidence: Evidence): void => {
    const ev: Evidence = { where, path, ...evidence };
    switch (verdict.kind) {
      case "ok":
        return;
      case "injection":
        sink.add({ ruleId: "keras/module-injection", message: `${at(path)}: ${subject} names ${verdict.reason}`, evidence: ev });
        return;
      case "unsafe-keras":
        sink.add({ ruleId: "keras/unsafe-keras-api", message: `${at(path)}: ${subject} calls ${verdict.reason}`, evidence: ev });
        return;
      case "tf-op":
        sink.add({ ruleId: "keras/dangerous-tf-op", message: `${at(path)}: ${subject} calls ${verdict.reason}`, evidence: ev });
        return;
      case "custom":
        sink.add({ ruleId: "keras/custom-object", message: `${at(path)}: ${subject} is a ${verdict.reason}; its code must be installed and cannot be verified from the file`, evidence: ev });
        return;
      case "untrusted":
        sink.add({ ruleId: "keras/untrusted-module", message: `${at(path)}: ${subject}: ${verdict.reason}`, evidence: ev });
        return;
    }
  };

  const checkLambdaLayer = (node: JsonObject, cfg: JsonObject, path: string, cls: string): void => {
    const owner = describeLayer(node, cls);
    for (const [key, typeKey, moduleKey] of [
      ["function", "function_type", "module"],
      ["output_shape", "output_shape_type", "output_shape_module"],
    ] as const) {
      const fn = cfg[key];
      const fnPath = path ? `${path}.config.${key}` : `config.${key}`;
      if (isObject(fn) && fn.class_name === "__lambda__") {
        handled.add(fn);
        const inner = isObject(fn.config) ? fn.config : {};
        reportLambda(owner, inner.code ?? inner.value, fnPath, true);
      } else if (Array.isArray(fn) && (key === "function" || cfg[typeKey] === "lambda")) {
        // Keras 2: [base64 bytecode, defaults, closure].
        reportLambda(owner, fn[0], fnPath, false);
      } else if (typeof fn === "string") {
        const type = cfg[typeKey];
        if (type === "function") {
          const module = str(cfg[moduleKey]);
          const verdict = classifyReference(module === "__main__" ? null : module, fn, module === "__main__" || module === undefined ? fn : null);
          reportReference(verdict, fnPath, `${owner} ${key} ${module ? `${module}.` : ""}${fn}`, { module: module ?? "", name: fn });
        } else if (key === "function" || type === "lambda") {
          reportLambda(owner, fn, fnPath, false);
        }
      }
    }
  };

  const checkObject = (node: JsonObject, path: string): void => {
    const cls = str(node.class_name);
    const cfg = isObject(node.config) ? node.config : undefined;

    if (cls === "__lambda__") {
      if (!handled.has(node)) {
        const inner = cfg ?? {};
        reportLambda("a serialized Python lambda", inner.value ?? inner.code, path, true);
      }
      return;
    }
    if (cls === undefined || SPECIAL_CLASSES.has(cls)) return;

    const bare = cls.includes(">") ? cls : cls.slice(cls.lastIndexOf(".") + 1);
    if (bare === "Lambda" && cfg) checkLambdaLayer(node, cfg, path, cls);

    if ((bare === "TFOpLambda" || bare === "SlicingOpLambda") && cfg) {
      const symbol = str(cfg.function);
      if (symbol !== undefined) {
        if (isDangerousTfSymbol(symbol)) {
          sink.add({
            ruleId: "keras/dangerous-tf-op",
            message: `${at(path)}: ${describeLayer(node, cls)} calls tf.${clip(symbol, 120)}, which reads or writes files, runs Python, loads native code or reaches other hosts`,
            evidence: { where, path, symbol: clip(symbol, 200) },
          });
        } else {
          tfOps.set(symbol, (tfOps.get(symbol) ?? 0) + 1);
        }
      }
    }

    if (VOCABULARY_LAYERS.has(bare) && cfg && typeof cfg.vocabulary === "string" && cfg.vocabulary.length > 0) {
      sink.add({
        ruleId: "keras/external-resource",
        message: `${at(path)}: ${describeLayer(node, cls)} loads its vocabulary from ${JSON.stringify(clip(cfg.vocabulary, 200))} while the model is rebuilt`,
        evidence: { where, path, vocabulary: clip(cfg.vocabulary, 500) },
      });
    }

    const hasModule = "module" in node;
    const hasRegistered = "registered_name" in node;
    if (hasModule || hasRegistered) {
      // Keras 3 serialization: {module, class_name, config, registered_name}.
      const module = node.module === null ? null : str(node.module);
      const registered = node.registered_name === null ? null : str(node.registered_name);
      let name = cls;
      if (cls === "function" && typeof node.config === "string") name = node.config;
      else if (cls === "__typespec__") name = str(node.spec_name) ?? cls;
      const verdict = classifyReference(module, name, registered);
      const subject = `object ${module ? `${module}.` : ""}${clip(name, 120)}`;
      const evidence: Evidence = { module: clip(module ?? "", 200), name: clip(name, 200) };
      if (registered) evidence.registered_name = clip(registered, 200);
      reportReference(verdict, path, subject, evidence);
    } else if (cls.includes(">")) {
      // Keras 2 spells registered custom objects as their class_name.
      reportReference({ kind: "custom", reason: `custom object ${clip(cls, 120)}` }, path, `object ${clip(cls, 120)}`, { name: clip(cls, 200) });
    }
  };

  const stack: Array<{ v: Json; path: string; depth: number }> = [{ v: config, path: "", depth: 0 }];
  let truncated = false;
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) {
      truncated = true;
      break;
    }
    if (Array.isArray(v)) {
      for (let k = v.length - 1; k >= 0; k--) stack.push({ v: v[k], path: `${path}[${k}]`, depth: depth + 1 });
    } else if (isObject(v)) {
      checkObject(v, path);
      const keys = Object.keys(v);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k]!;
        const child = v[key];
        if (typeof child === "object" && child !== null) {
          stack.push({ v: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
        }
      }
    }
  }

  if (tfOps.size > 0) {
    const list = [...tfOps.keys()].slice(0, 40).map((s) => `tf.${clip(s, 80)}`);
    const more = tfOps.size > 40 ? ` and ${tfOps.size - 40} more` : "";
    sink.add({
      ruleId: "keras/tf-op-lambda",
      message: `${where}: TFOpLambda layers call ${list.join(", ")}${more}`,
      evidence: { where, operations: tfOps.size, list: clip(list.join(", "), 1000) },
    });
  }
  if (truncated) {
    sink.add({
      ruleId: "scanner/limit-exceeded",
      message: `${where}: the Keras config is larger than ${MAX_NODES} values or nested deeper than ${MAX_DEPTH} levels; the rest was not verified`,
      evidence: { where, limit: "kerasConfigNodes", max: MAX_NODES },
    });
  }
  return sink.finish(where);
}
