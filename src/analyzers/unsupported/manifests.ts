import type { Issue } from "../analyzer.js";

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** TorchServe's default handlers: names of modules inside the ts package, not files in the archive. */
const TORCHSERVE_BUILTIN_HANDLERS = new Set(["image_classifier", "object_detector", "text_classifier", "image_segmenter"]);

/**
 * JSON manifests of formats modelgate does not verify as a whole:
 * - TorchServe `MAR-INF/MANIFEST.json` ({runtime, model: {modelName, handler, serializedFile, modelFile}, archiverVersion}):
 *   the handler and model-definition .py files are imported by TorchServe;
 * - Core ML `.mlpackage` `Manifest.json` ({fileFormatVersion, itemInfoEntries, rootModelIdentifier}).
 */
export function analyzeFormatManifest(value: unknown, where: string): Issue[] {
  if (!isObject(value)) return [];
  const model = value["model"];
  if (isObject(model) && ("runtime" in value || "archiverVersion" in value) && ("modelName" in model || "handler" in model)) {
    const code: string[] = [];
    const handler = model["handler"];
    if (typeof handler === "string" && handler.length > 0) {
      const module = handler.split(":")[0]!;
      if (!TORCHSERVE_BUILTIN_HANDLERS.has(module)) code.push(`handler ${handler}`);
    }
    const modelFile = model["modelFile"];
    if (typeof modelFile === "string" && modelFile.length > 0) code.push(`model definition ${modelFile}`);
    if (code.length === 0) return [];
    return [
      {
        ruleId: "unsupported/torchserve-handler",
        message: `${where}: TorchServe imports ${code.join(" and ")} from the archive when the model is registered`,
        evidence: { where, handler: typeof handler === "string" ? handler.slice(0, 200) : "", modelFile: typeof modelFile === "string" ? modelFile.slice(0, 200) : "" },
      },
    ];
  }
  if (typeof value["fileFormatVersion"] === "string" && isObject(value["itemInfoEntries"])) {
    return [
      {
        ruleId: "scanner/unsupported-format",
        message: `${where}: Core ML package (.mlpackage) manifest; the package's model and weights are recognised but not verified by this version of modelgate`,
        evidence: { where, format: "coreml", fileFormatVersion: String(value["fileFormatVersion"]).slice(0, 32) },
      },
    ];
  }
  return [];
}
