import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getRule } from "../../rules/catalog.js";
import { analyzeModelFolder } from "./folder.js";

const FIXTURES = new URL("../../../test/fixtures/hf/", import.meta.url).pathname;
/** pickle protocol 2 of `{}`: what torch.save's legacy format and training_args.bin start like. */
const PICKLE = Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);

function safetensors(): Buffer {
  const header = Buffer.from('{"__metadata__":{"format":"pt"}}   ');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header]);
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(files: Record<string, string | Buffer>): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "mg-hf-folder-"));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return { dir, files: Object.keys(files).sort() };
}

describe("analyzeModelFolder", () => {
  it("auto_map: the present .py is high, the missing one is medium (falcon-40b)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-hf-falcon-"));
    dirs.push(dir);
    cpSync(join(FIXTURES, "falcon-40b"), dir, { recursive: true });
    writeFileSync(join(dir, "pytorch_model.bin"), PICKLE);
    const files = ["config.json", "configuration_RW.py", "generation_config.json", "pytorch_model.bin", "special_tokens_map.json", "tokenizer_config.json"];
    const summary = await analyzeModelFolder(dir, files);
    expect(summary.kind).toBe("huggingface");
    expect(summary.loaderFiles).toEqual(files);
    const byRule = Object.fromEntries(summary.issues.map((i) => [i.ruleId, i]));
    expect(Object.keys(byRule).sort()).toEqual(["hf/custom-code-file", "hf/custom-code-missing"]);
    expect(byRule["hf/custom-code-file"]!.path).toBe(join(dir, "configuration_RW.py"));
    expect(getRule("hf/custom-code-file").severity).toBe("high");
    expect(byRule["hf/custom-code-missing"]!.path).toBe(join(dir, "config.json"));
    expect(byRule["hf/custom-code-missing"]!.evidence?.["file"]).toBe("modelling_RW.py");
    expect(getRule("hf/custom-code-missing").severity).toBe("medium");
  });

  it("picks safetensors shards from the index, keeps pickles under any name, notes mixed weights", async () => {
    const index = { metadata: { total_size: 10 }, weight_map: { a: "model-00001-of-00002.safetensors", b: "model-00002-of-00002.safetensors" } };
    const { dir, files } = folder({
      "config.json": JSON.stringify({ model_type: "llama", architectures: ["LlamaForCausalLM"] }),
      "model.safetensors.index.json": JSON.stringify(index),
      "model-00001-of-00002.safetensors": safetensors(),
      "model-00002-of-00002.safetensors": safetensors(),
      "model-00003-of-00003.safetensors": safetensors(),
      "pytorch_model.bin": PICKLE,
      "training_args.bin": PICKLE,
      "README.md": "# model\n",
      "tokenizer.json": "{}",
      "chat_template.jinja": "{{ bos_token }}",
    });
    const summary = await analyzeModelFolder(dir, files);
    expect(summary.loaderFiles).toEqual([
      "chat_template.jinja",
      "config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "pytorch_model.bin",
      "tokenizer.json",
      "training_args.bin",
    ]);
    expect(summary.issues.map((i) => [i.ruleId, i.path])).toEqual([["hf/mixed-weight-formats", join(dir, "pytorch_model.bin")]]);
    expect(getRule("hf/mixed-weight-formats").severity).toBe("info");
  });

  it("without safetensors the pickle checkpoint is the weights and nothing is noted", async () => {
    const { dir, files } = folder({ "config.json": JSON.stringify({ model_type: "gpt2" }), "pytorch_model.bin": PICKLE });
    const summary = await analyzeModelFolder(dir, files);
    expect(summary.loaderFiles).toEqual(["config.json", "pytorch_model.bin"]);
    expect(summary.issues).toEqual([]);
  });

  it("diffusers: custom pipeline file and custom component code in subfolders", async () => {
    const { dir, files } = folder({
      "model_index.json": JSON.stringify({ _class_name: ["pipeline_my", "MyPipeline"], _diffusers_version: "0.27.0", unet: ["my_unet", "MyUNet"], vae: ["diffusers", "AutoencoderKL"] }),
      "pipeline_my.py": "class MyPipeline: pass\n",
      "unet/config.json": JSON.stringify({ _class_name: "MyUNet" }),
      "unet/my_unet.py": "class MyUNet: pass\n",
      "unet/diffusion_pytorch_model.safetensors": safetensors(),
      "vae/config.json": JSON.stringify({ _class_name: "AutoencoderKL" }),
      "vae/diffusion_pytorch_model.safetensors": safetensors(),
    });
    const summary = await analyzeModelFolder(dir, files);
    expect(summary.issues.map((i) => [i.ruleId, i.path])).toEqual([
      ["hf/custom-code-file", join(dir, "pipeline_my.py")],
      ["hf/custom-code-file", join(dir, "unet", "my_unet.py")],
    ]);
    expect(summary.loaderFiles).toContain("unet/diffusion_pytorch_model.safetensors");
    expect(summary.loaderFiles).toContain("vae/diffusion_pytorch_model.safetensors");
    expect(summary.loaderFiles).toContain("unet/my_unet.py");
  });

  it("remote references are left to the per-file finding; tokenizer auto_map counts", async () => {
    const { dir, files } = folder({
      "config.json": JSON.stringify({ auto_map: { AutoConfig: "org/base--configuration_x.XConfig" } }),
      "tokenizer_config.json": JSON.stringify({ auto_map: { AutoTokenizer: ["tokenization_x.XTokenizer", null] } }),
      "tokenization_x.py": "class XTokenizer: pass\n",
    });
    const summary = await analyzeModelFolder(dir, files);
    expect(summary.issues.map((i) => i.ruleId)).toEqual(["hf/custom-code-file"]);
    expect(summary.issues[0]!.evidence?.["configs"]).toBe("tokenizer_config.json");
  });

  it("a folder without model files is unknown", async () => {
    const { dir, files } = folder({ "notes.txt": "hello", "data.csv": "a,b\n1,2\n" });
    expect(await analyzeModelFolder(dir, files)).toEqual({ kind: "unknown", loaderFiles: [], issues: [] });
  });
});
