/**
 * CycloneDX 1.6 JSON ML-BOM: the model as metadata.component (type machine-learning-model, with its model
 * card, licence, base models as pedigree ancestors and the scan verdict as properties), its files, datasets
 * and Python libraries as components, and a dependency graph from the model to its files and libraries.
 */
import { TOOL_NAME, TOOL_VERSION } from "../core/version.js";
import { datasetsOf, modelUrl } from "./datasets.js";
import { huggingFaceRefPurl } from "./identity.js";
import { librariesOf } from "./libraries.js";
import { modelLicense } from "./license.js";
import { taskInfo } from "./tasks.js";
import type { DocumentContext, ModelMetadata, SbomScanVerdict } from "./types.js";

type Json = Record<string, unknown>;
type Property = { name: string; value: string };

const MODEL_REF = "model";

function prop(name: string, value: string | number | boolean): Property {
  return { name, value: String(value) };
}

/** Properties of the model component: scan verdict, tool version, and facts the model card schema has no field for. */
function modelProperties(meta: ModelMetadata, verdict: SbomScanVerdict | undefined): Property[] {
  const p: Property[] = [];
  if (verdict) {
    p.push(prop("modelgate:scan:verdict", verdict.verdict));
    p.push(prop("modelgate:scan:max-severity", verdict.maxSeverity));
    p.push(prop("modelgate:scan:findings", verdict.findings));
    p.push(prop("modelgate:scan:fail-on", verdict.failOn));
  }
  p.push(prop("modelgate:version", TOOL_VERSION));
  p.push(prop("modelgate:identity-source", meta.identitySource));
  if (meta.pipelineTag) p.push(prop("modelgate:hf:pipeline_tag", meta.pipelineTag));
  if (meta.libraryName) p.push(prop("modelgate:hf:library_name", meta.libraryName));
  for (const l of meta.languages) p.push(prop("modelgate:hf:language", l));
  for (const m of meta.metrics) p.push(prop("modelgate:hf:metric", m));
  if (meta.parameters !== undefined) p.push(prop("modelgate:parameters", meta.parameters));
  for (const f of meta.formats) p.push(prop("modelgate:format", f));
  const c = meta.config;
  if (c?.torchDtype) p.push(prop("modelgate:config:torch_dtype", c.torchDtype));
  if (c?.vocabSize) p.push(prop("modelgate:config:vocab_size", c.vocabSize));
  if (c?.contextLength) p.push(prop("modelgate:config:context_length", c.contextLength));
  if (c?.hiddenSize) p.push(prop("modelgate:config:hidden_size", c.hiddenSize));
  if (c?.layers) p.push(prop("modelgate:config:layers", c.layers));
  if (c?.transformersVersion) p.push(prop("modelgate:config:transformers_version", c.transformersVersion));
  if (meta.tokenizer) {
    p.push(prop("modelgate:tokenizer:chat_template", meta.tokenizer.chatTemplate));
    if (meta.tokenizer.modelMaxLength) p.push(prop("modelgate:tokenizer:model_max_length", meta.tokenizer.modelMaxLength));
    if (meta.tokenizer.tokenizerClass) p.push(prop("modelgate:tokenizer:class", meta.tokenizer.tokenizerClass));
  }
  for (const [k, v] of Object.entries(meta.generation ?? {})) p.push(prop(`modelgate:generation:${k}`, v));
  for (const [k, v] of Object.entries(meta.weights.safetensors?.metadata ?? {})) p.push(prop(`modelgate:safetensors:metadata:${k}`, v));
  if (meta.weights.safetensors) p.push(prop("modelgate:safetensors:tensors", meta.weights.safetensors.tensors));
  for (const [k, v] of Object.entries(meta.weights.gguf?.general ?? {})) p.push(prop(`modelgate:gguf:general.${k}`, v));
  if (meta.weights.gguf) p.push(prop("modelgate:gguf:tensors", meta.weights.gguf.tensors));
  for (const i of meta.issues) p.push(prop("modelgate:metadata-issue", `${i.file}${i.line === undefined ? "" : `:${i.line}`}: ${i.message}`));
  return p;
}

function licenses(meta: ModelMetadata): Json[] | undefined {
  const l = modelLicense(meta);
  if (!l) return undefined;
  if (l.kind === "spdx") return [{ license: { id: l.id } }];
  return [{ license: { name: l.name, ...(l.url ? { url: l.url } : {}) } }];
}

function modelCard(meta: ModelMetadata, datasetRefs: Array<{ ref: string }>): Json {
  const params: Json = {};
  if (meta.pipelineTag) params.task = meta.pipelineTag;
  if (meta.modelType) params.architectureFamily = meta.modelType;
  if (meta.architecture) params.modelArchitecture = meta.architecture;
  if (datasetRefs.length > 0) params.datasets = datasetRefs;
  const task = taskInfo(meta.pipelineTag);
  if (task && task.inputs.length > 0) params.inputs = task.inputs.map((format) => ({ format }));
  if (task && task.outputs.length > 0) params.outputs = task.outputs.map((format) => ({ format }));
  const card: Json = { "bom-ref": "model-card" };
  if (Object.keys(params).length > 0) card.modelParameters = params;
  if (meta.results.length > 0) {
    card.quantitativeAnalysis = {
      performanceMetrics: meta.results.map((r) => {
        const slice = [r.dataset, r.split].filter((s) => s !== undefined).join(" ");
        return { type: r.metric, value: String(r.value), ...(slice ? { slice } : {}) };
      }),
    };
  }
  const considerations: Json = {};
  const useCases = meta.considerations.filter((c) => c.kind === "use-case").map((c) => c.text);
  const limits = meta.considerations
    .filter((c) => c.kind === "limitation" || c.kind === "out-of-scope")
    .map((c) => (c.kind === "out-of-scope" ? `Out of scope: ${c.text}` : c.text));
  const ethical = meta.considerations.filter((c) => c.kind === "ethical").map((c) => ({ name: c.text }));
  if (useCases.length > 0) considerations.useCases = useCases;
  if (limits.length > 0) considerations.technicalLimitations = limits;
  if (ethical.length > 0) considerations.ethicalConsiderations = ethical;
  if (Object.keys(considerations).length > 0) card.considerations = considerations;
  return card;
}

/** Builds the CycloneDX 1.6 document (not yet validated). */
export function cyclonedxDocument(meta: ModelMetadata, verdict: SbomScanVerdict | undefined, ctx: DocumentContext): Json {
  const datasets = datasetsOf(meta);
  const libraries = librariesOf(meta.dependencies);
  const fileRef = (path: string): string => `file:${path}`;
  const datasetRef = (id: string): string => `dataset:${id}`;
  const libRefs = new Map(libraries.map((l, i) => [l.key, l.purl && !libraries.some((o, j) => j !== i && o.purl === l.purl) ? l.purl : `pypi:${i}:${l.key}`]));

  const url = modelUrl(meta);
  const model: Json = {
    type: "machine-learning-model",
    "bom-ref": MODEL_REF,
    ...(meta.org ? { group: meta.org } : {}),
    name: meta.name,
    ...(meta.revision ? { version: meta.revision } : {}),
    ...(meta.purl ? { purl: meta.purl } : {}),
  };
  const lic = licenses(meta);
  if (lic) model.licenses = lic;
  if (url) {
    model.externalReferences = [
      { type: "website", url },
      ...(meta.card.present ? [{ type: "model-card", url: `${url}/blob/${meta.revision ?? "main"}/${meta.card.path}` }] : []),
    ];
  }
  if (meta.tags.length > 0) model.tags = meta.tags;
  model.modelCard = modelCard(
    meta,
    datasets.map((d) => ({ ref: datasetRef(d.id) })),
  );
  if (meta.baseModels.length > 0) {
    model.pedigree = {
      ancestors: meta.baseModels.map((id) => {
        const slash = id.indexOf("/");
        const purl = huggingFaceRefPurl(id);
        return {
          type: "machine-learning-model",
          "bom-ref": `base-model:${id}`,
          ...(slash > 0 ? { group: id.slice(0, slash), name: id.slice(slash + 1) } : { name: id }),
          ...(purl ? { purl } : {}),
        };
      }),
    };
  }
  model.properties = modelProperties(meta, verdict);

  const components: Json[] = [];
  for (const f of meta.files) {
    components.push({
      type: "file",
      "bom-ref": fileRef(f.path),
      name: f.path,
      hashes: [{ alg: "SHA-256", content: f.sha256 }],
      properties: [prop("modelgate:file:size", f.size), prop("modelgate:file:format", f.format)],
    });
  }
  for (const d of datasets) {
    const use = [d.training ? "training" : undefined, d.evaluation ? "evaluation" : undefined].filter((u): u is string => u !== undefined);
    components.push({
      type: "data",
      "bom-ref": datasetRef(d.id),
      name: d.id,
      data: [
        {
          type: "dataset",
          name: d.id,
          ...(d.url ? { contents: { url: d.url } } : {}),
          description: d.training && d.evaluation ? "named by the model card as training data and in its evaluation results" : d.training ? "named by the model card as training data" : "named by the model card's evaluation results (model-index)",
        },
      ],
      ...(d.url ? { externalReferences: [{ type: "distribution", url: d.url }] } : {}),
      properties: use.map((u) => prop("modelgate:dataset:use", u)),
    });
  }
  for (const l of libraries) {
    const properties: Property[] = [];
    if (l.specifier) properties.push(prop("modelgate:python:specifier", l.specifier));
    for (const e of l.extras) properties.push(prop("modelgate:python:extra", e));
    if (l.marker) properties.push(prop("modelgate:python:marker", l.marker));
    if (l.url) properties.push(prop("modelgate:python:url", l.url));
    for (const h of l.hashes) properties.push(prop("modelgate:python:hash", h));
    for (const s of l.sources) properties.push(prop("modelgate:python:declared-in", s));
    components.push({
      type: "library",
      "bom-ref": libRefs.get(l.key)!,
      name: l.name,
      ...(l.version ? { version: l.version } : {}),
      ...(l.purl ? { purl: l.purl } : {}),
      properties,
    });
  }

  const dependsOn = [...meta.files.map((f) => fileRef(f.path)), ...libraries.map((l) => libRefs.get(l.key)!)];
  const dependencies: Json[] = [
    { ref: MODEL_REF, ...(dependsOn.length > 0 ? { dependsOn } : {}) },
    ...dependsOn.map((ref) => ({ ref })),
  ];

  return {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: ctx.serialNumber,
    version: 1,
    metadata: {
      timestamp: ctx.timestamp,
      tools: { components: [{ type: "application", name: TOOL_NAME, version: TOOL_VERSION }] },
      component: model,
    },
    components,
    dependencies,
  };
}
