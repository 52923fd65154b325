import { createHash, generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGguf } from "../../test/fixtures/gguf/build.js";
import { isModelgateError } from "../core/errors.js";
import { createProvenance } from "../provenance/index.js";
import { readModelMetadata } from "./metadata.js";

const FIXTURE = new URL("../../test/fixtures/sbom/hf-model/", import.meta.url).pathname;
const REV = "0123456789abcdef0123456789abcdef01234567";

let tmp: string;
let n = 0;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "modelgate-sbom-meta-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh folder (optionally a copy of the fixture) under a parent of the given name. */
function folder(name = `m${n++}`, copyFixture = false): string {
  const parent = join(tmp, `case-${n++}`);
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  if (copyFixture) cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe("readModelMetadata on a Hugging Face model folder", () => {
  it("reads the card, config, tokenizer, generation config, safetensors header and requirements", async () => {
    const m = await readModelMetadata(FIXTURE);
    expect(m.issues).toEqual([]);
    expect(m.name).toBe("hf-model");
    expect(m.identitySource).toBe("folder");
    expect(m.org).toBeUndefined();
    expect(m.purl).toBeUndefined();
    expect(m.license).toBe("mit");
    expect(m.baseModels).toEqual(["openai-community/gpt2"]);
    expect(m.datasets).toEqual(["HuggingFaceH4/ultrachat_200k", "databricks/databricks-dolly-15k"]);
    expect(m.pipelineTag).toBe("text-generation");
    expect(m.libraryName).toBe("transformers");
    expect(m.languages).toEqual(["en", "fr"]);
    expect(m.metrics).toEqual(["accuracy", "perplexity"]);
    expect(m.tags).toEqual(["gpt2", "chat", "conversational"]);
    expect(m.results).toEqual([
      { task: "text-generation", dataset: "Rowan/hellaswag", datasetName: "HellaSwag (10-Shot)", split: "validation", metric: "acc_norm", value: 31.27 },
      { task: "text-generation", dataset: "allenai/ai2_arc", datasetName: "AI2 Reasoning Challenge (25-Shot)", split: "test", metric: "acc_norm", value: 22.1 },
    ]);
    expect(m.considerations.map((c) => [c.kind, c.heading])).toEqual([
      ["use-case", "Direct Use"],
      ["out-of-scope", "Out-of-Scope Use"],
      ["ethical", "Bias, Risks, and Limitations"],
    ]);
    expect(m.considerations[1]!.text).toMatch(/^Anything a user relies on/);
    expect(m.modelType).toBe("gpt2");
    expect(m.architecture).toBe("GPT2LMHeadModel");
    expect(m.config).toEqual({ torchDtype: "float32", vocabSize: 96, contextLength: 64, hiddenSize: 16, layers: 2, transformersVersion: "4.36.2" });
    expect(m.generation).toMatchObject({ max_new_tokens: 48, temperature: 0.7, do_sample: true });
    expect(m.generation).not.toHaveProperty("_from_model_config");
    expect(m.tokenizer).toEqual({ chatTemplate: true, modelMaxLength: 64, tokenizerClass: "GPT2Tokenizer" });
    // GPT-2 shapes: wte 96x16, wpe 64x16, per layer 2*(16+16) + 16*48+48 + 16*16+16 + 16*64+64 + 64*16+16, ln_f 2*16.
    const perLayer = 4 * 16 + (16 * 48 + 48) + (16 * 16 + 16) + (16 * 64 + 64) + (64 * 16 + 16);
    expect(m.parameters).toBe(96 * 16 + 64 * 16 + 2 * perLayer + 2 * 16);
    expect(m.weights.safetensors).toEqual({ files: 1, tensors: 2 + 2 * 12 + 2, parameters: m.parameters, metadata: { format: "pt" } });
    expect(m.formats).toEqual(["safetensors"]);
    expect(m.card).toEqual({ present: true, path: "README.md" });
    expect(m.modifiedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("lists every file with its size, SHA-256 and detected format", async () => {
    const m = await readModelMetadata(FIXTURE);
    const names = readdirSync(FIXTURE).sort();
    expect(m.files.map((f) => f.path).sort()).toEqual(names);
    for (const f of m.files) {
      const bytes = readFileSync(join(FIXTURE, f.path));
      expect(f.size).toBe(bytes.length);
      expect(f.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    expect(m.files.find((f) => f.path === "model.safetensors")!.format).toBe("safetensors");
    expect(m.files.find((f) => f.path === "config.json")!.format).toBe("json");
  });

  it("parses the folder's requirements with the dependency parser", async () => {
    const m = await readModelMetadata(FIXTURE);
    expect(m.dependencies).toHaveLength(1);
    const deps = m.dependencies[0]!;
    expect(deps.path).toBe("requirements.txt");
    expect(deps.dependencies.map((d) => [d.name, d.version ?? d.specifier])).toEqual([
      ["torch", "2.1.0"],
      ["transformers", "4.36.2"],
      ["safetensors", "0.4.1"],
      ["accelerate", ">=0.25.0"],
      ["sentencepiece", ""],
    ]);
    expect(deps.dependencies[0]!.source).toEqual({ file: "requirements.txt", line: 2 });
  });
});

describe("identity", () => {
  it("takes ORG/NAME and the revision from the options, and makes the purl", async () => {
    const m = await readModelMetadata(FIXTURE, { name: "acme/tiny-chat", revision: REV.toUpperCase() });
    expect(m).toMatchObject({ org: "acme", name: "tiny-chat", revision: REV.toUpperCase(), identitySource: "options" });
    expect(m.purl).toBe(`pkg:huggingface/acme/tiny-chat@${REV}`);
  });

  it("refuses a name that is not ORG/NAME", async () => {
    const e = await readModelMetadata(FIXTURE, { name: "a/b/c" }).catch((x: unknown) => x);
    expect(isModelgateError(e) && e.code).toBe("INVALID_OPTION");
  });

  it("reads the Hugging Face cache layout models--ORG--NAME/snapshots/REV, following its symbolic links", async () => {
    const root = join(tmp, `hub-${n++}`, "models--acme--tiny-chat");
    mkdirSync(join(root, "blobs"), { recursive: true });
    const snap = join(root, "snapshots", REV);
    mkdirSync(snap, { recursive: true });
    writeFileSync(join(root, "blobs", "abc"), '{"model_type": "bert", "architectures": ["BertModel"]}');
    symlinkSync("../../blobs/abc", join(snap, "config.json"));
    const m = await readModelMetadata(snap);
    expect(m).toMatchObject({ org: "acme", name: "tiny-chat", revision: REV, identitySource: "huggingface-cache", modelType: "bert", architecture: "BertModel" });
    expect(m.purl).toBe(`pkg:huggingface/acme/tiny-chat@${REV}`);
    expect(m.files).toEqual([{ path: "config.json", size: 54, sha256: createHash("sha256").update(readFileSync(join(root, "blobs", "abc"))).digest("hex"), format: "json" }]);
  });

  it("reads the repository and revision of a provenance statement beside the model", async () => {
    const dir = folder("downloaded");
    writeFileSync(join(dir, "config.json"), '{"model_type": "gpt2"}');
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await createProvenance(dir, { source: `hf://acme/from-provenance@${REV}`, privateKey });
    const m = await readModelMetadata(dir);
    expect(m).toMatchObject({ org: "acme", name: "from-provenance", revision: REV, identitySource: "provenance" });
    expect(m.issues).toEqual([]);
  });

  it("reports an unreadable provenance file and falls back to the folder name", async () => {
    const dir = folder("bad-prov");
    writeFileSync(join(dir, "config.json"), "{}");
    writeFileSync(`${dir}.provenance.json`, "not json");
    const m = await readModelMetadata(dir);
    expect(m.name).toBe("bad-prov");
    expect(m.identitySource).toBe("folder");
    expect(m.issues).toHaveLength(1);
    expect(m.issues[0]!.file).toBe(`${dir}.provenance.json`);
  });
});

describe("folders with missing or malformed metadata", () => {
  it("a folder without a card has no card facts and no issues", async () => {
    const dir = folder();
    writeFileSync(join(dir, "config.json"), '{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}');
    const m = await readModelMetadata(dir);
    expect(m.card).toEqual({ present: false });
    expect(m.license).toBeUndefined();
    expect(m.datasets).toEqual([]);
    expect(m.results).toEqual([]);
    expect(m.considerations).toEqual([]);
    expect(m.dependencies).toEqual([]);
    expect(m.modelType).toBe("llama");
    expect(m.issues).toEqual([]);
  });

  it("a malformed config.json is an issue naming the file and line; the card and other files are kept", async () => {
    const dir = folder("broken", true);
    writeFileSync(join(dir, "config.json"), '{\n  "model_type": "gpt2",\n  "architectures": ["GPT2LMHeadModel"],\n}\n');
    const m = await readModelMetadata(dir);
    expect(m.issues).toHaveLength(1);
    expect(m.issues[0]).toMatchObject({ file: "config.json", line: 4 });
    expect(m.issues[0]!.message).toMatch(/not valid JSON/);
    expect(m.modelType).toBeUndefined();
    expect(m.config).toBeUndefined();
    expect(m.license).toBe("mit");
    expect(m.tokenizer?.chatTemplate).toBe(true);
    expect(m.files.map((f) => f.path)).toContain("config.json");
  });

  it("oversized and deeply nested JSON is not parsed", async () => {
    const dir = folder();
    writeFileSync(join(dir, "config.json"), `{"a": ${"[".repeat(500)}${"]".repeat(500)}}`);
    writeFileSync(join(dir, "generation_config.json"), `{"pad": "${"x".repeat(4 * 1024 * 1024)}"}`);
    const m = await readModelMetadata(dir);
    expect(m.issues.map((i) => i.file).sort()).toEqual(["config.json", "generation_config.json"]);
    expect(m.issues.find((i) => i.file === "config.json")!.message).toMatch(/nested 501 deep/);
    expect(m.issues.find((i) => i.file === "generation_config.json")!.message).toMatch(/more than the 4194304 read/);
  });

  it("a truncated safetensors file is an issue, not an error", async () => {
    const dir = folder();
    const header = Buffer.from('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length + 100));
    writeFileSync(join(dir, "model.safetensors"), Buffer.concat([len, header]));
    const m = await readModelMetadata(dir);
    expect(m.issues).toEqual([{ file: "model.safetensors", message: expect.stringMatching(/runs past the end/) as unknown }]);
    expect(m.parameters).toBeUndefined();
  });

  it("a path that is not a folder is an error", async () => {
    const e1 = await readModelMetadata(join(tmp, "nope")).catch((x: unknown) => x);
    expect(isModelgateError(e1) && e1.code).toBe("PATH_NOT_FOUND");
    const e2 = await readModelMetadata(join(FIXTURE, "config.json")).catch((x: unknown) => x);
    expect(isModelgateError(e2) && e2.code).toBe("USAGE");
  });
});

describe("GGUF metadata", () => {
  it("reads general.* keys and counts parameters from the tensor infos", async () => {
    const dir = folder();
    writeFileSync(
      join(dir, "tiny.Q8_0.gguf"),
      buildGguf({
        metadata: [
          ["general.architecture", { type: "string", value: "llama" }],
          ["general.name", { type: "string", value: "Tiny Llama" }],
          ["general.license", { type: "string", value: "apache-2.0" }],
          ["general.file_type", { type: "u32", value: 7 }],
          ["tokenizer.ggml.tokens", { type: "array", elementType: "string", value: [{ type: "string", value: "<s>" }, { type: "string", value: "</s>" }] }],
        ],
        tensors: [
          { name: "token_embd.weight", dims: [32, 8], type: 0 },
          { name: "output.weight", dims: [32, 8], type: 8 },
        ],
      }),
    );
    const m = await readModelMetadata(dir);
    expect(m.issues).toEqual([]);
    expect(m.formats).toEqual(["gguf"]);
    expect(m.weights.gguf).toEqual({ files: 1, tensors: 2, parameters: 512, general: { architecture: "llama", name: "Tiny Llama", license: "apache-2.0", file_type: 7 } });
    expect(m.parameters).toBe(512);
    // Without a card or config.json, the GGUF header names the licence and the architecture.
    expect(m.license).toBe("apache-2.0");
    expect(m.modelType).toBe("llama");
  });

  it("a GGUF file that cannot be parsed is an issue", async () => {
    const dir = folder();
    writeFileSync(join(dir, "bad.gguf"), Buffer.concat([Buffer.from("GGUF"), Buffer.from([3, 0, 0, 0]), Buffer.alloc(4)]));
    const m = await readModelMetadata(dir);
    expect(m.issues).toHaveLength(1);
    expect(m.issues[0]).toMatchObject({ file: "bad.gguf", message: expect.stringMatching(/GGUF header could not be read/) as unknown });
  });
});
