import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGguf } from "../../test/fixtures/gguf/build.js";
import { isModelgateError } from "../core/errors.js";
import { TOOL_VERSION } from "../core/version.js";
import { scan } from "../scan/scan.js";
import { sbom } from "./sbom.js";
import { spdxShaclErrors } from "./testing/shacl.js";
import type { SbomOptions, SbomResult } from "./types.js";
import { assertValid, cyclonedxErrors, spdxErrors } from "./validate.js";

/** Parsed JSON under test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const FIXTURE = new URL("../../test/fixtures/sbom/hf-model/", import.meta.url).pathname;
const REV = "0123456789abcdef0123456789abcdef01234567";
const SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
const NOW = new Date("2025-01-02T03:04:05.678Z");

let tmp: string;
let n = 0;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "modelgate-sbom-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folder(copyFixture = false): string {
  const dir = join(tmp, `model-${n++}`);
  mkdirSync(dir, { recursive: true });
  if (copyFixture) cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/**
 * Every document a test makes is checked against its schema here too, not only inside sbom(), and an SPDX
 * document also against the official SPDX 3.0.1 SHACL shapes (what the JSON schema cannot see: the class of
 * each referenced element, the model's individuals).
 */
async function generate(dir: string, options: SbomOptions): Promise<SbomResult & { document: Json }> {
  const r = await sbom(dir, { now: NOW, serialNumber: SERIAL, ...options });
  const errors = r.format === "cyclonedx" ? await cyclonedxErrors(r.document) : spdxErrors(r.document);
  expect(errors).toEqual([]);
  if (r.format === "spdx") expect(spdxShaclErrors(r.document)).toEqual([]);
  return r;
}

const props = (c: Json): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  for (const p of c.properties ?? []) (out[p.name] ??= []).push(p.value);
  return out;
};

describe("CycloneDX 1.6", () => {
  let doc: Json;
  let result: SbomResult;
  beforeAll(async () => {
    result = await generate(FIXTURE, { format: "cyclonedx", name: "acme/tiny-chat-gpt2", revision: REV });
    doc = result.document;
  });

  it("has the BOM header: serial number, timestamp, modelgate as the tool", () => {
    expect(doc).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6", serialNumber: SERIAL, version: 1 });
    expect(doc.metadata.timestamp).toBe("2025-01-02T03:04:05Z");
    expect(doc.metadata.tools.components).toEqual([{ type: "application", name: "modelgate", version: TOOL_VERSION }]);
  });

  it("describes the model as a machine-learning-model component with purl and licence", () => {
    const m = doc.metadata.component;
    expect(m).toMatchObject({ type: "machine-learning-model", "bom-ref": "model", group: "acme", name: "tiny-chat-gpt2", version: REV });
    expect(m.purl).toBe(`pkg:huggingface/acme/tiny-chat-gpt2@${REV}`);
    expect(m.licenses).toEqual([{ license: { id: "MIT" } }]);
    expect(m.hashes).toBeUndefined();
    expect(m.tags).toEqual(["gpt2", "chat", "conversational"]);
    expect(m.externalReferences).toContainEqual({ type: "website", url: "https://huggingface.co/acme/tiny-chat-gpt2" });
  });

  it("fills the model card: parameters, datasets as data components, metrics, considerations", () => {
    const card = doc.metadata.component.modelCard;
    expect(card.modelParameters).toMatchObject({
      task: "text-generation",
      architectureFamily: "gpt2",
      modelArchitecture: "GPT2LMHeadModel",
      inputs: [{ format: "text" }],
      outputs: [{ format: "text" }],
    });
    const refs = card.modelParameters.datasets.map((d: Json) => d.ref);
    const data = doc.components.filter((c: Json) => c.type === "data");
    expect(data.map((d: Json) => d.name)).toEqual(["HuggingFaceH4/ultrachat_200k", "databricks/databricks-dolly-15k", "Rowan/hellaswag", "allenai/ai2_arc"]);
    expect(refs).toEqual(data.map((d: Json) => d["bom-ref"]));
    expect(props(data[0]!)["modelgate:dataset:use"]).toEqual(["training"]);
    expect(props(data[2]!)["modelgate:dataset:use"]).toEqual(["evaluation"]);
    expect(data[0].externalReferences).toEqual([{ type: "distribution", url: "https://huggingface.co/datasets/HuggingFaceH4/ultrachat_200k" }]);
    expect(card.quantitativeAnalysis.performanceMetrics).toEqual([
      { type: "acc_norm", value: "31.27", slice: "Rowan/hellaswag validation" },
      { type: "acc_norm", value: "22.1", slice: "allenai/ai2_arc test" },
    ]);
    expect(card.considerations.useCases[0]).toMatch(/^Generating short chat replies/);
    expect(card.considerations.technicalLimitations[0]).toMatch(/^Out of scope: Anything a user relies on/);
    expect(card.considerations.ethicalConsiderations[0].name).toMatch(/^The model inherits the biases/);
  });

  it("names the base model as a pedigree ancestor with its purl", () => {
    expect(doc.metadata.component.pedigree.ancestors).toEqual([
      { type: "machine-learning-model", "bom-ref": "base-model:openai-community/gpt2", group: "openai-community", name: "gpt2", purl: "pkg:huggingface/openai-community/gpt2" },
    ]);
  });

  it("lists every file with its SHA-256, size and format", () => {
    const files = doc.components.filter((c: Json) => c.type === "file");
    expect(files.map((f: Json) => f.name)).toEqual(result.metadata.files.map((f) => f.path));
    for (const f of files) {
      const meta = result.metadata.files.find((x) => x.path === f.name)!;
      expect(f.hashes).toEqual([{ alg: "SHA-256", content: meta.sha256 }]);
      expect(props(f)["modelgate:file:size"]).toEqual([String(meta.size)]);
      expect(props(f)["modelgate:file:format"]).toEqual([meta.format]);
    }
    expect(props(files.find((f: Json) => f.name === "model.safetensors"))["modelgate:file:format"]).toEqual(["safetensors"]);
  });

  it("lists the Python requirements as libraries with pypi purls", () => {
    const libs = doc.components.filter((c: Json) => c.type === "library");
    expect(libs.map((l: Json) => [l.name, l.version, l.purl])).toEqual([
      ["torch", "2.1.0", "pkg:pypi/torch@2.1.0"],
      ["transformers", "4.36.2", "pkg:pypi/transformers@4.36.2"],
      ["safetensors", "0.4.1", "pkg:pypi/safetensors@0.4.1"],
      ["accelerate", undefined, "pkg:pypi/accelerate"],
      ["sentencepiece", undefined, "pkg:pypi/sentencepiece"],
    ]);
    expect(props(libs[3])["modelgate:python:specifier"]).toEqual([">=0.25.0"]);
    expect(props(libs[0])["modelgate:python:declared-in"]).toEqual(["requirements.txt:2"]);
  });

  it("has a dependency graph from the model to every file and library", () => {
    const root = doc.dependencies.find((d: Json) => d.ref === "model");
    const refs = doc.components.filter((c: Json) => c.type === "file" || c.type === "library").map((c: Json) => c["bom-ref"]);
    expect(root.dependsOn).toEqual(refs);
    for (const r of refs) expect(doc.dependencies).toContainEqual({ ref: r });
  });

  it("records the scan verdict and modelgate's version as properties, and the card's other facts", () => {
    const p = props(doc.metadata.component);
    expect(p["modelgate:scan:verdict"]).toEqual(["pass"]);
    expect(p["modelgate:scan:max-severity"]).toEqual(["none"]);
    expect(p["modelgate:scan:findings"]).toEqual(["0"]);
    expect(p["modelgate:version"]).toEqual([TOOL_VERSION]);
    expect(p["modelgate:hf:library_name"]).toEqual(["transformers"]);
    expect(p["modelgate:hf:language"]).toEqual(["en", "fr"]);
    expect(p["modelgate:parameters"]).toEqual([String(result.metadata.parameters)]);
    expect(p["modelgate:config:torch_dtype"]).toEqual(["float32"]);
    expect(p["modelgate:tokenizer:chat_template"]).toEqual(["true"]);
    expect(p["modelgate:safetensors:metadata:format"]).toEqual(["pt"]);
    expect(p["modelgate:identity-source"]).toEqual(["options"]);
  });
});

describe("SPDX 3.0.1", () => {
  let graph: Json[];
  let result: SbomResult;
  const byType = (t: string): Json[] => graph.filter((e) => e.type === t);
  const rels = (type: string, from?: string): Json[] => byType("Relationship").filter((r) => r.relationshipType === type && (from === undefined || r.from === from));
  beforeAll(async () => {
    result = await generate(FIXTURE, { format: "spdx", name: "acme/tiny-chat-gpt2", revision: REV });
    expect(result.document["@context"]).toBe("https://spdx.org/rdf/3.0.1/spdx-context.jsonld");
    graph = (result.document as Json)["@graph"];
  });

  it("has CreationInfo (3.0.1, created, by modelgate), an SpdxDocument and an Sbom rooted at the model", () => {
    const ci = byType("CreationInfo");
    expect(ci).toHaveLength(1);
    expect(ci[0]).toMatchObject({ "@id": "_:creationinfo", specVersion: "3.0.1", created: "2025-01-02T03:04:05Z" });
    expect(graph.find((e) => e.spdxId === ci[0].createdBy[0]).type).toBe("SoftwareAgent");
    expect(graph.find((e) => e.spdxId === ci[0].createdUsing[0])).toMatchObject({ type: "Tool", name: `modelgate ${TOOL_VERSION}` });
    const doc = byType("SpdxDocument")[0];
    const sbomEl = byType("software_Sbom")[0];
    expect(doc.rootElement).toEqual([sbomEl.spdxId]);
    expect(sbomEl.rootElement).toEqual([byType("ai_AIPackage")[0].spdxId]);
    expect(doc.profileConformance).toEqual(expect.arrayContaining(["core", "software", "ai", "dataset", "simpleLicensing"]));
    expect(graph.find((e) => e.spdxId === doc.dataLicense).simplelicensing_licenseExpression).toBe("CC0-1.0");
    // Every element the document lists is in the graph, and every graph element is listed.
    const ids = new Set(graph.filter((e) => e.spdxId).map((e) => e.spdxId));
    for (const id of doc.element) expect(ids.has(id)).toBe(true);
    expect(new Set([...doc.element, doc.spdxId])).toEqual(ids);
  });

  it("describes the model as an ai_AIPackage with the properties SPDX 3.0.1 requires and the card's AI facts", () => {
    const ai = byType("ai_AIPackage");
    expect(ai).toHaveLength(1);
    const m = ai[0];
    expect(m).toMatchObject({
      name: "acme/tiny-chat-gpt2",
      software_primaryPurpose: "model",
      software_packageVersion: REV,
      software_packageUrl: `pkg:huggingface/acme/tiny-chat-gpt2@${REV}`,
      software_downloadLocation: `https://huggingface.co/acme/tiny-chat-gpt2/tree/${REV}`,
      releaseTime: result.metadata.modifiedAt,
      ai_typeOfModel: ["gpt2", "GPT2LMHeadModel"],
      ai_domain: ["natural language processing"],
      ai_autonomyType: "noAssertion",
    });
    expect(graph.find((e) => e.spdxId === m.suppliedBy)).toMatchObject({ type: "Organization", name: "acme" });
    expect(m.ai_metric).toEqual([
      { type: "DictionaryEntry", key: "acc_norm (Rowan/hellaswag validation)", value: "31.27" },
      { type: "DictionaryEntry", key: "acc_norm (allenai/ai2_arc test)", value: "22.1" },
    ]);
    expect(m.ai_hyperparameter).toContainEqual({ type: "DictionaryEntry", key: "torch_dtype", value: "float32" });
    expect(m.ai_informationAboutTraining).toMatch(/HuggingFaceH4\/ultrachat_200k, databricks\/databricks-dolly-15k.*openai-community\/gpt2/);
    expect(m.ai_informationAboutApplication).toMatch(/^Generating short chat replies/);
    expect(m.ai_limitation).toMatch(/Out of scope: Anything a user relies on[\s\S]*inherits the biases/);
  });

  it("describes each dataset as a dataset_DatasetPackage with its required properties", () => {
    const ds = byType("dataset_DatasetPackage");
    expect(ds.map((d) => d.name)).toEqual(["HuggingFaceH4/ultrachat_200k", "databricks/databricks-dolly-15k", "Rowan/hellaswag", "allenai/ai2_arc"]);
    for (const d of ds) {
      expect(d).toMatchObject({ software_primaryPurpose: "data", dataset_datasetType: ["text"], builtTime: result.metadata.modifiedAt, releaseTime: result.metadata.modifiedAt });
      expect(d.software_downloadLocation).toBe(`https://huggingface.co/datasets/${d.name}`);
      expect(d.originatedBy).toHaveLength(1);
      expect(graph.find((e) => e.spdxId === d.originatedBy[0])).toMatchObject({ type: "Organization", name: d.name.split("/")[0] });
    }
  });

  it("gives every AI and dataset package exactly one declared and one concluded licence (profile conformance)", () => {
    for (const p of [...byType("ai_AIPackage"), ...byType("dataset_DatasetPackage")]) {
      expect(rels("hasDeclaredLicense", p.spdxId)).toHaveLength(1);
      expect(rels("hasConcludedLicense", p.spdxId)).toHaveLength(1);
    }
    const model = byType("ai_AIPackage")[0];
    const declared = graph.find((e) => e.spdxId === rels("hasDeclaredLicense", model.spdxId)[0].to[0]);
    expect(declared).toMatchObject({ type: "simplelicensing_LicenseExpression", simplelicensing_licenseExpression: "MIT" });
    expect(rels("hasConcludedLicense", model.spdxId)[0].to).toEqual(["expandedlicensing_NoAssertionLicense"]);
  });

  it("relates the model to its datasets (trainedOn, testedOn), base model, files and Python packages", () => {
    const model = byType("ai_AIPackage")[0].spdxId;
    const name = (id: string): string => graph.find((e) => e.spdxId === id).name;
    expect(rels("trainedOn", model)[0].to.map(name)).toEqual(["HuggingFaceH4/ultrachat_200k", "databricks/databricks-dolly-15k"]);
    expect(rels("testedOn", model)[0].to.map(name)).toEqual(["Rowan/hellaswag", "allenai/ai2_arc"]);
    const ancestor = rels("ancestorOf")[0];
    expect(ancestor.to).toEqual([model]);
    expect(graph.find((e) => e.spdxId === ancestor.from)).toMatchObject({ type: "software_Package", name: "openai-community/gpt2", software_packageUrl: "pkg:huggingface/openai-community/gpt2" });
    const files = rels("contains", model)[0].to.map((id: string) => graph.find((e) => e.spdxId === id));
    expect(files.map((f: Json) => f.name)).toEqual(result.metadata.files.map((f) => f.path));
    for (const f of files) {
      expect(f.type).toBe("software_File");
      expect(f.verifiedUsing).toEqual([{ type: "Hash", algorithm: "sha256", hashValue: result.metadata.files.find((x) => x.path === f.name)!.sha256 }]);
    }
    expect(rels("hasDependencyManifest", model)[0].to.map(name)).toEqual(["requirements.txt"]);
    const pkgs = rels("dependsOn", model)[0].to.map((id: string) => graph.find((e) => e.spdxId === id));
    expect(pkgs.map((p: Json) => [p.name, p.software_packageVersion, p.software_packageUrl, p.software_primaryPurpose])).toEqual([
      ["torch", "2.1.0", "pkg:pypi/torch@2.1.0", "library"],
      ["transformers", "4.36.2", "pkg:pypi/transformers@4.36.2", "library"],
      ["safetensors", "0.4.1", "pkg:pypi/safetensors@0.4.1", "library"],
      ["accelerate", undefined, "pkg:pypi/accelerate", "library"],
      ["sentencepiece", undefined, "pkg:pypi/sentencepiece", "library"],
    ]);
    // Every relationship points at elements of this graph (or a licensing individual).
    const ids = new Set(graph.map((e) => e.spdxId));
    for (const r of byType("Relationship")) {
      expect(ids.has(r.from)).toBe(true);
      for (const t of r.to) expect(ids.has(t) || t === "expandedlicensing_NoAssertionLicense").toBe(true);
    }
  });

  it("records the scan verdict as an annotation on the model", () => {
    const a = byType("Annotation");
    expect(a).toHaveLength(1);
    expect(a[0].subject).toBe(byType("ai_AIPackage")[0].spdxId);
    expect(JSON.parse(a[0].statement)).toEqual({ "modelgate:scan:verdict": "pass", "modelgate:scan:max-severity": "none", "modelgate:scan:findings": 0, "modelgate:scan:fail-on": "high", "modelgate:version": TOOL_VERSION });
  });
});

describe("validation is on", () => {
  it("a broken CycloneDX document fails the strict 1.6 schema", async () => {
    const r = await generate(FIXTURE, { format: "cyclonedx", scan: false });
    const broken: Json = structuredClone(r.document);
    broken.metadata.component.type = "model";
    broken.metadata.component.licenses = [{ license: { id: "llama2" } }];
    const errors = await cyclonedxErrors(broken);
    expect(errors.join("\n")).toMatch(/\/metadata\/component\/type/);
    const extra: Json = structuredClone(r.document);
    extra.metadata.component.modelCard.modelParameters.hyperparameters = {};
    expect((await cyclonedxErrors(extra)).join("\n")).toMatch(/additional properties/);
    await expect(assertValid("cyclonedx", broken)).rejects.toSatisfy((e: unknown) => isModelgateError(e) && e.code === "INTERNAL" && /not schema-valid/.test(e.message));
  });

  it("a broken SPDX document fails the official 3.0.1 schema", async () => {
    const r = await generate(FIXTURE, { format: "spdx", scan: false });
    const g = (d: Json): Json => d["@graph"].find((e: Json) => e.type === "ai_AIPackage");
    const badEnum: Json = structuredClone(r.document);
    g(badEnum).ai_autonomyType = "maybe";
    expect(spdxErrors(badEnum).join("\n")).toMatch(/ai_autonomyType: must be equal to one of the allowed values/);
    const badTime: Json = structuredClone(r.document);
    badTime["@graph"][0].created = "2025-01-02T03:04:05.678Z";
    expect(spdxErrors(badTime).join("\n")).toMatch(/created: must match pattern/);
    const unknownProp: Json = structuredClone(r.document);
    g(unknownProp).ai_parameterCount = 5;
    expect(spdxErrors(unknownProp).join("\n")).toMatch(/unevaluated properties/);
    const wrongContext: Json = structuredClone(r.document);
    wrongContext["@context"] = "https://spdx.org/rdf/3.0.0/spdx-context.jsonld";
    expect(spdxErrors(wrongContext)).not.toEqual([]);
    await expect(assertValid("spdx", badEnum)).rejects.toSatisfy((e: unknown) => isModelgateError(e) && e.code === "INTERNAL");
  });

  it("a supplier or originator that is the NoAssertionElement passes the JSON schema but fails the SHACL shapes (issue 14)", async () => {
    const dir = folder();
    writeFileSync(join(dir, "README.md"), "---\ndatasets:\n- squad\n---\n");
    writeFileSync(join(dir, "config.json"), '{"model_type": "bert"}');
    const r = await generate(dir, { format: "spdx", scan: false });
    // What modelgate wrote before the fix: the individual as a full IRI, which the JSON schema accepts (the
    // context's short term "NoAssertionElement" it rejects for an Agent; the shapes reject both).
    for (const noAssertion of ["https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement", "NoAssertionElement"]) {
      const old: Json = structuredClone(r.document);
      old["@graph"].find((e: Json) => e.type === "ai_AIPackage").suppliedBy = noAssertion;
      old["@graph"].find((e: Json) => e.type === "dataset_DatasetPackage").originatedBy = [noAssertion];
      old["@graph"] = old["@graph"].filter((e: Json) => e.type !== "Agent");
      for (const e of old["@graph"]) if (Array.isArray(e.element)) e.element = e.element.filter((id: string) => !id.endsWith("#agent-noassertion"));
      if (noAssertion.startsWith("https:")) expect(spdxErrors(old)).toEqual([]);
      expect(spdxShaclErrors(old)).toEqual([
        "#model spdx:Core/suppliedBy: ClassConstraintComponent: Value does not have class https://spdx.org/rdf/3.0.1/terms/Core/Agent (value spdx:Core/NoAssertionElement)",
        "#dataset-1 spdx:Core/originatedBy: ClassConstraintComponent: Value does not have class https://spdx.org/rdf/3.0.1/terms/Core/Agent (value spdx:Core/NoAssertionElement)",
      ]);
    }
  });
});

describe("sbom()", () => {
  it("is reproducible for the same time and serial number", async () => {
    for (const format of ["cyclonedx", "spdx"] as const) {
      const a = await generate(FIXTURE, { format, scan: false });
      const b = await generate(FIXTURE, { format, scan: false });
      expect(JSON.stringify(a.document)).toBe(JSON.stringify(b.document));
    }
  });

  it("without --scan records no verdict", async () => {
    const c = await generate(FIXTURE, { format: "cyclonedx", scan: false });
    expect(props(c.document.metadata.component)["modelgate:scan:verdict"]).toBeUndefined();
    expect(c.verdict).toBeUndefined();
    const s = await generate(FIXTURE, { format: "spdx", scan: false });
    expect((s.document as Json)["@graph"].some((e: Json) => e.type === "Annotation")).toBe(false);
  });

  it("records a failing verdict when the folder holds a dangerous pickle", async () => {
    const dir = folder(true);
    // GLOBAL os.system, MARK, "id", TUPLE, REDUCE: the classic pickle that runs a command when loaded.
    writeFileSync(join(dir, "pytorch_model.bin"), Buffer.from("cos\nsystem\n(S'id'\ntR.", "latin1"));
    const r = await generate(dir, { format: "cyclonedx" });
    expect(r.verdict).toMatchObject({ verdict: "fail", maxSeverity: "critical" });
    const p = props(r.document.metadata.component);
    expect(p["modelgate:scan:verdict"]).toEqual(["fail"]);
    expect(p["modelgate:scan:max-severity"]).toEqual(["critical"]);
    expect(Number(p["modelgate:scan:findings"]![0])).toBeGreaterThan(0);
    expect(r.metadata.formats).toContain("pickle");
  });

  it("records incomplete when part of the model could not be verified", async () => {
    const dir = folder();
    writeFileSync(join(dir, "config.json"), '{"model_type": "bert"}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(1000n);
    writeFileSync(join(dir, "model.safetensors"), Buffer.concat([len, Buffer.from('{"a":')]));
    const r = await generate(dir, { format: "spdx" });
    expect(r.verdict?.verdict).toBe("incomplete");
    const a = (r.document as Json)["@graph"].find((e: Json) => e.type === "Annotation");
    expect(JSON.parse(a.statement)["modelgate:scan:verdict"]).toBe("incomplete");
  });

  it("uses a scan report given by the caller instead of scanning", async () => {
    const report = await scan([FIXTURE], { failOn: "low" });
    const r = await generate(FIXTURE, { format: "cyclonedx", report });
    expect(r.verdict).toEqual({ verdict: "pass", maxSeverity: "none", findings: 0, failOn: "low", toolVersion: TOOL_VERSION });
  });

  it("writes valid documents for a folder without a card, licence or identity", async () => {
    const dir = folder();
    writeFileSync(join(dir, "config.json"), '{"model_type": "bert", "architectures": ["BertForMaskedLM"]}');
    const c = await generate(dir, { format: "cyclonedx", scan: false });
    const m = c.document.metadata.component;
    expect(m.licenses).toBeUndefined();
    expect(m.purl).toBeUndefined();
    expect(m.modelCard).toEqual({ "bom-ref": "model-card", modelParameters: { architectureFamily: "bert", modelArchitecture: "BertForMaskedLM" } });
    const s = await generate(dir, { format: "spdx", scan: false });
    const g: Json[] = (s.document as Json)["@graph"];
    const model = g.find((e) => e.type === "ai_AIPackage");
    expect(model).toMatchObject({ software_packageVersion: "NOASSERTION", software_downloadLocation: "NOASSERTION" });
    // An unknown supplier is an Agent that says so (suppliedBy's range is Agent), not the NoAssertionElement.
    expect(g.find((e) => e.spdxId === model.suppliedBy)).toMatchObject({ type: "Agent", name: "NOASSERTION" });
    const declared = g.find((e) => e.type === "Relationship" && e.relationshipType === "hasDeclaredLicense" && e.from === model.spdxId);
    expect(declared.to).toEqual(["expandedlicensing_NoAssertionLicense"]);
    expect(g.some((e) => e.type === "dataset_DatasetPackage")).toBe(false);
  });

  it("names an unknown dataset originator by one NOASSERTION Agent, shared with an unknown supplier", async () => {
    const dir = folder();
    writeFileSync(join(dir, "README.md"), "---\ndatasets:\n- squad\n- acme/chat-logs\n---\n# tiny\n");
    writeFileSync(join(dir, "config.json"), '{"model_type": "bert"}');
    const s = await generate(dir, { format: "spdx", scan: false });
    const g: Json[] = (s.document as Json)["@graph"];
    const byId = (id: string): Json => g.find((e) => e.spdxId === id);
    const model = g.find((e) => e.type === "ai_AIPackage");
    const [squad, logs] = g.filter((e) => e.type === "dataset_DatasetPackage");
    expect(squad.name).toBe("squad");
    expect(byId(squad.originatedBy[0])).toMatchObject({ type: "Agent", name: "NOASSERTION" });
    expect(squad.originatedBy).toEqual([model.suppliedBy]);
    expect(byId(logs.originatedBy[0])).toMatchObject({ type: "Organization", name: "acme" });
    expect(g.filter((e) => e.type === "Agent")).toHaveLength(1);
  });

  it("writes a licence that is not on the SPDX list as a name (CycloneDX) and a LicenseRef (SPDX)", async () => {
    const dir = folder();
    writeFileSync(join(dir, "README.md"), "---\nlicense: other\nlicense_name: tiny model licence\nlicense_link: https://example.com/tiny/LICENSE\n---\n# tiny\n");
    const c = await generate(dir, { format: "cyclonedx", scan: false });
    expect(c.document.metadata.component.licenses).toEqual([{ license: { name: "tiny model licence", url: "https://example.com/tiny/LICENSE" } }]);
    const s = await generate(dir, { format: "spdx", scan: false });
    const lic = (s.document as Json)["@graph"].find((e: Json) => e.type === "simplelicensing_LicenseExpression" && e.simplelicensing_licenseExpression !== "CC0-1.0");
    expect(lic.simplelicensing_licenseExpression).toBe("LicenseRef-tiny-model-licence");
    expect(lic.simplelicensing_customIdToUri).toEqual([{ type: "DictionaryEntry", key: "LicenseRef-tiny-model-licence", value: "https://example.com/tiny/LICENSE" }]);
    const writeLlama = folder();
    writeFileSync(join(writeLlama, "README.md"), "---\nlicense: llama2\n---\n");
    const l = await generate(writeLlama, { format: "cyclonedx", scan: false });
    expect(l.document.metadata.component.licenses).toEqual([{ license: { name: "llama2" } }]);
  });

  it("writes valid documents for a GGUF model with metadata issues recorded", async () => {
    const dir = folder();
    writeFileSync(
      join(dir, "model.gguf"),
      buildGguf({
        metadata: [
          ["general.architecture", { type: "string", value: "llama" }],
          ["general.name", { type: "string", value: "Tiny" }],
          ["general.license", { type: "string", value: "mit" }],
        ],
        tensors: [{ name: "token_embd.weight", dims: [32, 8], type: 0 }],
      }),
    );
    writeFileSync(join(dir, "config.json"), "{ not json");
    for (const format of ["cyclonedx", "spdx"] as const) {
      const r = await generate(dir, { format });
      expect(r.metadata.formats).toEqual(["gguf"]);
      expect(r.metadata.parameters).toBe(256);
      expect(r.metadata.issues).toEqual([{ file: "config.json", line: 1, message: expect.stringMatching(/not valid JSON/) as unknown }]);
      if (format === "cyclonedx") {
        const p = props(r.document.metadata.component);
        expect(p["modelgate:gguf:general.name"]).toEqual(["Tiny"]);
        expect(p["modelgate:metadata-issue"]![0]).toMatch(/^config.json:1: not valid JSON/);
        expect(r.document.metadata.component.licenses).toEqual([{ license: { id: "MIT" } }]);
      } else {
        const model = (r.document as Json)["@graph"].find((e: Json) => e.type === "ai_AIPackage");
        expect(model.ai_typeOfModel).toEqual(["llama"]);
        expect(model.comment).toMatch(/config.json:1: not valid JSON/);
      }
    }
  });

  it("refuses bad options", async () => {
    const bad = async (o: SbomOptions): Promise<unknown> => sbom(FIXTURE, { scan: false, ...o }).catch((e: unknown) => e);
    for (const o of [{ format: "xml" as never }, { serialNumber: "urn:uuid:NOT" }, { now: new Date("nope") }, { revision: "bad rev" }]) {
      const e = await bad(o);
      expect(isModelgateError(e) && e.code).toBe("INVALID_OPTION");
    }
  });
});
