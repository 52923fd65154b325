/**
 * SPDX 3.0.1 JSON-LD with the AI and Dataset profiles: the model as an ai_AIPackage (with the properties the
 * 3.0.1 model makes mandatory for it: releaseTime, suppliedBy, downloadLocation, packageVersion,
 * primaryPurpose), each dataset as a dataset_DatasetPackage (datasetType, builtTime, originatedBy,
 * releaseTime, downloadLocation, primaryPurpose), one declared and one concluded licence per package (the
 * profiles' conformance rules), files with SHA-256, Python packages, and the relationships trainedOn,
 * testedOn, ancestorOf, dependsOn, contains and hasDependencyManifest.
 *
 * What a folder cannot tell is said so: an unknown supplier or originator is an Agent named NOASSERTION (the
 * range of suppliedBy and originatedBy is Agent; the NoAssertionElement individual is an IndividualElement, not
 * an Agent, so the SPDX 3.0.1 SHACL shapes reject it there), an unknown licence the NoAssertionLicense;
 * modelgate concludes no licence. Times the card does not state are the newest modification time of the
 * model's files, and a comment says so.
 *
 * The tests check every document against the official SPDX 3.0.1 SHACL shapes as well as the JSON schema
 * (src/sbom/testing/shacl.ts): the schema alone cannot tell what class a referenced element is of.
 */
import { TOOL_NAME, TOOL_VERSION } from "../core/version.js";
import { datasetsOf, modelUrl } from "./datasets.js";
import { huggingFaceRefPurl } from "./identity.js";
import { librariesOf } from "./libraries.js";
import { modelLicense } from "./license.js";
import { datasetTypeFor, taskInfo } from "./tasks.js";
import type { DocumentContext, ModelMetadata, SbomScanVerdict } from "./types.js";

export const SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
/** The SPDX model's individual for "no licence asserted" (an AnyLicenseInfo: a valid `to` of licence relationships). */
const NO_ASSERTION_LICENSE = "expandedlicensing_NoAssertionLicense";
/** SPDX's word for "not known" in string properties. */
const NOASSERTION = "NOASSERTION";
const CREATION_INFO = "_:creationinfo";
const MAX_TEXT = 4000;

type Json = Record<string, unknown>;

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s;
}

/** Requirements and lock files are named by their dependency files; everything else by what it is. */
function filePurpose(format: string, path: string, dependencyFiles: ReadonlySet<string>): string {
  if (dependencyFiles.has(path)) return "requirement";
  const base = path.split("/").pop()!.toLowerCase();
  if (base === "readme.md" || base.endsWith(".md") || base === "license" || base.startsWith("license.")) return "documentation";
  if (format === "json" || base.endsWith(".json") || base.endsWith(".yaml") || base.endsWith(".yml")) return "configuration";
  if (format === "text" || format === "unknown") return base.endsWith(".py") ? "source" : "file";
  return "model";
}

/** Builds the SPDX 3.0.1 JSON-LD document (not yet validated). */
export function spdxDocument(meta: ModelMetadata, verdict: SbomScanVerdict | undefined, ctx: DocumentContext): Json {
  const uuid = ctx.serialNumber.replace(/^urn:uuid:/, "");
  const base = `urn:uuid:${uuid}#`;
  const graph: Json[] = [];
  const ids: string[] = [];
  const add = (el: Json): string => {
    graph.push(el);
    if (typeof el.spdxId === "string") ids.push(el.spdxId);
    return el.spdxId as string;
  };
  const element = (type: string, local: string, props: Json): Json => ({ type, spdxId: `${base}${local}`, creationInfo: CREATION_INFO, ...props });
  let relCount = 0;
  const relate = (from: string, relationshipType: string, to: string[], comment?: string): void => {
    if (to.length === 0) return;
    add(element("Relationship", `relationship-${++relCount}`, { from, relationshipType, to, ...(comment ? { comment } : {}) }));
  };

  const agent = `${base}agent-modelgate`;
  const tool = `${base}tool-modelgate`;
  graph.push({ type: "CreationInfo", "@id": CREATION_INFO, specVersion: "3.0.1", created: ctx.timestamp, createdBy: [agent], createdUsing: [tool] });
  add(element("SoftwareAgent", "agent-modelgate", { name: TOOL_NAME }));
  add(element("Tool", "tool-modelgate", { name: `${TOOL_NAME} ${TOOL_VERSION}` }));

  // Suppliers and originators: Agents. One that the folder does not name is the Agent "NOASSERTION", written
  // once; the AI and Dataset profiles make suppliedBy (AIPackage) and originatedBy (DatasetPackage) mandatory.
  const orgs = new Map<string, string>();
  let unknownAgent: string | undefined;
  const orgId = (name: string | undefined): string => {
    if (!name) {
      unknownAgent ??= add(
        element("Agent", "agent-noassertion", {
          name: NOASSERTION,
          comment: "A supplier or originator the model folder does not name: modelgate makes no assertion about who it is.",
        }),
      );
      return unknownAgent;
    }
    let id = orgs.get(name);
    if (!id) {
      id = add(element("Organization", `organization-${orgs.size + 1}`, { name }));
      orgs.set(name, id);
    }
    return id;
  };

  // The model.
  const task = taskInfo(meta.pipelineTag);
  const url = modelUrl(meta);
  const uses = meta.considerations.filter((c) => c.kind === "use-case").map((c) => c.text);
  const limits = meta.considerations
    .filter((c) => c.kind !== "use-case")
    .map((c) => (c.kind === "out-of-scope" ? `Out of scope: ${c.text}` : c.text));
  const training = [
    meta.datasets.length > 0 ? `Training datasets named by the model card: ${meta.datasets.join(", ")}.` : "",
    meta.baseModels.length > 0 ? `Fine-tuned from: ${meta.baseModels.join(", ")}.` : "",
  ]
    .filter((s) => s !== "")
    .join(" ");
  const hyper: Array<[string, string | number]> = [];
  const c = meta.config;
  if (c?.torchDtype) hyper.push(["torch_dtype", c.torchDtype]);
  if (c?.vocabSize) hyper.push(["vocab_size", c.vocabSize]);
  if (c?.contextLength) hyper.push(["context_length", c.contextLength]);
  if (c?.hiddenSize) hyper.push(["hidden_size", c.hiddenSize]);
  if (c?.layers) hyper.push(["layers", c.layers]);
  if (meta.parameters !== undefined) hyper.push(["parameters", meta.parameters]);
  const summaryParts = [meta.pipelineTag ? `${meta.pipelineTag} model` : "model", meta.libraryName ? `for ${meta.libraryName}` : "", meta.formats.length > 0 ? `(${meta.formats.join(", ")})` : ""];
  const modelName = meta.org ? `${meta.org}/${meta.name}` : meta.name;
  const modelId = add(
    element("ai_AIPackage", "model", {
      name: modelName,
      summary: summaryParts.filter((s) => s !== "").join(" "),
      comment: clip(
        [
          `Identity from: ${meta.identitySource}.`,
          "releaseTime is the newest modification time of the model's files: the model card states no release time.",
          meta.issues.length > 0 ? `Metadata issues: ${meta.issues.map((i) => `${i.file}${i.line === undefined ? "" : `:${i.line}`}: ${i.message}`).join("; ")}` : "",
        ]
          .filter((s) => s !== "")
          .join(" "),
      ),
      software_packageVersion: meta.revision ?? NOASSERTION,
      software_downloadLocation: url ? (meta.revision ? `${url}/tree/${meta.revision}` : url) : NOASSERTION,
      ...(meta.purl ? { software_packageUrl: meta.purl } : {}),
      ...(url ? { software_homePage: url } : {}),
      software_primaryPurpose: "model",
      releaseTime: meta.modifiedAt,
      suppliedBy: orgId(meta.org),
      ...(meta.modelType || meta.architecture ? { ai_typeOfModel: [meta.modelType, meta.architecture].filter((s): s is string => s !== undefined) } : {}),
      ...(task ? { ai_domain: [task.domain] } : meta.pipelineTag ? { ai_domain: [meta.pipelineTag] } : {}),
      ai_autonomyType: "noAssertion",
      ...(meta.results.length > 0
        ? {
            ai_metric: meta.results.map((r) => ({
              type: "DictionaryEntry",
              key: `${r.metric}${r.dataset ? ` (${[r.dataset, r.split].filter((s) => s !== undefined).join(" ")})` : ""}`,
              value: String(r.value),
            })),
          }
        : {}),
      ...(hyper.length > 0 ? { ai_hyperparameter: hyper.map(([key, value]) => ({ type: "DictionaryEntry", key, value: String(value) })) } : {}),
      ...(training ? { ai_informationAboutTraining: clip(training) } : {}),
      ...(uses.length > 0 ? { ai_informationAboutApplication: clip(uses.join("\n\n")) } : {}),
      ...(limits.length > 0 ? { ai_limitation: clip(limits.join("\n\n")) } : {}),
    }),
  );

  // Licences: one declared (the card's, or NoAssertion) and one concluded (NoAssertion: modelgate concludes none).
  const lic = modelLicense(meta);
  let declared = NO_ASSERTION_LICENSE;
  if (lic) {
    declared = add(
      element("simplelicensing_LicenseExpression", "license-model", {
        simplelicensing_licenseExpression: lic.kind === "spdx" ? lic.id : lic.ref,
        ...(lic.kind === "custom" && lic.url ? { simplelicensing_customIdToUri: [{ type: "DictionaryEntry", key: lic.ref, value: lic.url }] } : {}),
        ...(lic.kind === "custom" ? { comment: `The model card's licence: ${lic.name}` } : {}),
      }),
    );
  }
  relate(modelId, "hasDeclaredLicense", [declared]);
  relate(modelId, "hasConcludedLicense", [NO_ASSERTION_LICENSE]);

  // Datasets.
  const datasetType = datasetTypeFor(task?.domain);
  const trainedOn: string[] = [];
  const testedOn: string[] = [];
  datasetsOf(meta).forEach((d, i) => {
    const id = add(
      element("dataset_DatasetPackage", `dataset-${i + 1}`, {
        name: d.id,
        comment: "builtTime and releaseTime are not stated by the model card; modelgate writes the model's own release time, a bound they precede.",
        software_primaryPurpose: "data",
        software_downloadLocation: d.url ?? NOASSERTION,
        builtTime: meta.modifiedAt,
        releaseTime: meta.modifiedAt,
        originatedBy: [orgId(d.org)],
        dataset_datasetType: [datasetType],
        dataset_intendedUse: d.training && d.evaluation ? "training and evaluation" : d.training ? "training" : "evaluation",
      }),
    );
    relate(id, "hasDeclaredLicense", [NO_ASSERTION_LICENSE]);
    relate(id, "hasConcludedLicense", [NO_ASSERTION_LICENSE]);
    if (d.training) trainedOn.push(id);
    if (d.evaluation) testedOn.push(id);
  });
  relate(modelId, "trainedOn", trainedOn);
  relate(modelId, "testedOn", testedOn, testedOn.length > 0 ? "datasets of the model card's model-index results" : undefined);

  // Base models: packages whose own AI-profile facts this folder does not hold.
  meta.baseModels.forEach((b, i) => {
    const purl = huggingFaceRefPurl(b);
    const id = add(
      element("software_Package", `base-model-${i + 1}`, {
        name: b,
        comment: "base model named by the model card (base_model)",
        software_primaryPurpose: "model",
        ...(purl ? { software_packageUrl: purl, software_downloadLocation: `https://huggingface.co/${b}` } : {}),
      }),
    );
    relate(id, "ancestorOf", [modelId]);
  });

  // Files.
  const dependencyFiles = new Set(meta.dependencies.map((d) => d.path));
  const fileIds = new Map<string, string>();
  meta.files.forEach((f, i) => {
    fileIds.set(
      f.path,
      add(
        element("software_File", `file-${i + 1}`, {
          name: f.path,
          comment: `${f.size} bytes; format ${f.format}`,
          verifiedUsing: [{ type: "Hash", algorithm: "sha256", hashValue: f.sha256 }],
          software_primaryPurpose: filePurpose(f.format, f.path, dependencyFiles),
          software_fileKind: "file",
        }),
      ),
    );
  });
  relate(modelId, "contains", [...fileIds.values()]);
  relate(
    modelId,
    "hasDependencyManifest",
    meta.dependencies.map((d) => fileIds.get(d.path)).filter((id): id is string => id !== undefined),
  );

  // Python packages.
  const libs = librariesOf(meta.dependencies).map((l, i) =>
    add(
      element("software_Package", `python-package-${i + 1}`, {
        name: l.name,
        comment: `declared as ${l.name}${l.extras.length > 0 ? `[${l.extras.join(",")}]` : ""}${l.url ? ` @ ${l.url}` : l.specifier ? ` ${l.specifier}` : ""}${l.marker ? ` ; ${l.marker}` : ""} in ${l.sources.join(", ")}`,
        ...(l.version ? { software_packageVersion: l.version } : {}),
        ...(l.purl ? { software_packageUrl: l.purl } : {}),
        software_primaryPurpose: "library",
      }),
    ),
  );
  relate(modelId, "dependsOn", libs);

  if (verdict) {
    add(
      element("Annotation", "scan-verdict", {
        annotationType: "other",
        subject: modelId,
        contentType: "application/json",
        statement: JSON.stringify({
          "modelgate:scan:verdict": verdict.verdict,
          "modelgate:scan:max-severity": verdict.maxSeverity,
          "modelgate:scan:findings": verdict.findings,
          "modelgate:scan:fail-on": verdict.failOn,
          "modelgate:version": verdict.toolVersion,
        }),
      }),
    );
  }

  const dataLicense = add(element("simplelicensing_LicenseExpression", "license-data", { simplelicensing_licenseExpression: "CC0-1.0" }));
  const elements = [...ids];
  const sbom = add(
    element("software_Sbom", "sbom", {
      name: `ML-SBOM of ${modelName}`,
      software_sbomType: ["analyzed"],
      profileConformance: ["core", "software", "simpleLicensing", "ai", "dataset"],
      rootElement: [modelId],
      element: elements.filter((id) => id !== dataLicense),
    }),
  );
  add(
    element("SpdxDocument", "document", {
      name: `ML-SBOM of ${modelName}`,
      dataLicense,
      profileConformance: ["core", "software", "simpleLicensing", "ai", "dataset"],
      rootElement: [sbom],
      element: [...elements, sbom],
    }),
  );
  return { "@context": SPDX_CONTEXT, "@graph": graph };
}
