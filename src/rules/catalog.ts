import { ModelgateError } from "../core/errors.js";
import type { RuleDefinition } from "./rule.js";
import { SCANNER_RULES } from "./catalog/scanner.js";
import { PICKLE_RULES } from "./catalog/pickle.js";
import { NUMPY_RULES } from "./catalog/numpy.js";
import { ARCHIVE_RULES } from "./catalog/archive.js";
import { HF_RULES } from "./catalog/hf.js";
import { UNSUPPORTED_RULES } from "./catalog/unsupported.js";
import { KERAS_RULES } from "./catalog/keras.js";
import { TENSORFLOW_RULES } from "./catalog/tensorflow.js";
import { ONNX_RULES } from "./catalog/onnx.js";
import { SAFETENSORS_RULES } from "./catalog/safetensors.js";
import { GGUF_RULES } from "./catalog/gguf.js";
import { JINJA_RULES } from "./catalog/jinja.js";

/** Every rule modelgate can report, in one explicit list (no registration by side effect). */
export const RULES: readonly RuleDefinition[] = [...SCANNER_RULES, ...PICKLE_RULES, ...NUMPY_RULES, ...ARCHIVE_RULES, ...HF_RULES, ...UNSUPPORTED_RULES, ...KERAS_RULES, ...TENSORFLOW_RULES, ...ONNX_RULES, ...SAFETENSORS_RULES, ...GGUF_RULES, ...JINJA_RULES];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));
if (BY_ID.size !== RULES.length) throw new ModelgateError("INTERNAL", "duplicate rule id in the catalog");

export function getRule(id: string): RuleDefinition {
  const rule = BY_ID.get(id);
  if (!rule) throw new ModelgateError("INTERNAL", `unknown rule id ${id}`);
  return rule;
}
