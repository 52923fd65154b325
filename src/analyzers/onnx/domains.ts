/**
 * Reviewed data: operator domains an ONNX model may use without anyone loading extra native code.
 * Anything else needs a custom operator library registered with the runtime (onnx/custom-domain, high).
 */
import { ONNX_ML_OPS, ONNX_OPS, ONNX_PREVIEW_OPS } from "./standard-ops.js";

/** Domains defined by the ONNX standard, with the operators they define (standard-ops.ts). */
export const STANDARD_DOMAINS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["", new Set(ONNX_OPS)],
  ["ai.onnx", new Set(ONNX_OPS)], // an alias of "" (onnx/common/constants.h)
  ["ai.onnx.ml", new Set(ONNX_ML_OPS)],
  ["ai.onnx.preview", new Set(ONNX_PREVIEW_OPS)],
  ["ai.onnx.preview.training", new Set(ONNX_PREVIEW_OPS)], // the preview domain's earlier name
  ["ai.onnx.training", new Set<string>()], // declared by ONNX, no operators yet
]);

/**
 * Domains whose operators are compiled into ONNX Runtime itself: using them loads no library the model author
 * chose. Not listed on purpose: "ai.onnx.contrib" (onnxruntime-extensions, a separate native library the user
 * must register) and "org.pytorch.aten" (runs arbitrary ATen operators by name through PyTorch, including
 * file-reading ones such as aten::from_file).
 */
export const RUNTIME_DOMAINS: ReadonlyMap<string, string> = new Map([
  ["com.microsoft", "ONNX Runtime contrib operators, built into onnxruntime"],
  ["com.microsoft.nchwc", "ONNX Runtime NCHWc layout operators inserted by its own graph optimizer"],
  ["com.microsoft.experimental", "ONNX Runtime experimental operators, built into onnxruntime"],
  ["com.ms.internal.nhwc", "ONNX Runtime internal NHWC layout operators inserted by its own graph optimizer"],
  ["com.microsoft.dml", "DirectML execution provider operators, built into onnxruntime-directml"],
]);
