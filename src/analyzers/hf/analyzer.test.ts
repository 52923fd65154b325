import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { meetsGate, type Severity } from "../../core/severity.js";
import type { Report } from "../../core/report.js";
import { scan } from "../../scan/scan.js";

const CORPUS = new URL("../../../../shared/corpus/modelaudit/", import.meta.url).pathname;
const FIXTURES = new URL("../../../test/fixtures/hf/", import.meta.url).pathname;

const tmp = mkdtempSync(join(tmpdir(), "mg-hf-analyzer-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function worst(report: Report): Severity | null {
  return report.summary.highestSeverity;
}

function listing(report: Report): string {
  return report.files.flatMap((f) => f.findings.map((x) => `${x.severity} ${x.ruleId}: ${x.message}`)).join("\n");
}

function corpusRows(filter: RegExp): Array<{ path: string; label: string }> {
  return readFileSync(join(CORPUS, "LABELS.tsv"), "utf8")
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split("\t"))
    .filter((r) => filter.test(r[0]!))
    .map((r) => ({ path: r[0]!, label: r[1]! }));
}

describe.skipIf(!existsSync(CORPUS))("labelled configs and templates (modelaudit corpus) through scan()", () => {
  const rows = existsSync(CORPUS) ? corpusRows(/^tests\/assets\/(samples\/(jinja2|manifests)\/|scenarios\/(security|license)_scenarios\/.*\.json$)/) : [];

  it("covers the labelled files", () => {
    expect(rows.length).toBeGreaterThanOrEqual(49);
  });

  for (const { path, label } of rows) {
    it(`${label}: ${path}`, async () => {
      const report = await scan([join(CORPUS, path)], { digest: false });
      const sev = worst(report);
      if (label === "malicious") expect(sev !== null && meetsGate(sev, "high"), listing(report)).toBe(true);
      else expect(sev === null || !meetsGate(sev, "high"), listing(report)).toBe(true);
    });
  }

  it("the secret and command in suspicious_config.json are named", async () => {
    const report = await scan([join(CORPUS, "tests/assets/samples/manifests/suspicious_config.json")], { digest: false });
    const rules = report.files.flatMap((f) => f.findings.map((x) => x.ruleId)).sort();
    expect(rules).toEqual(["hf/embedded-secret", "hf/external-url", "hf/shell-command"]);
  });

  it("a chat template that is not rendered by any loader is only a low note (multiple_templates.json)", async () => {
    const report = await scan([join(CORPUS, "tests/assets/samples/jinja2/edge_cases/multiple_templates.json")], { digest: false });
    const findings = report.files.flatMap((f) => f.findings);
    expect(findings.map((x) => [x.ruleId, x.severity])).toEqual([["hf/unrendered-template", "low"]]);
  });
});

describe("real Hugging Face folders through scan()", () => {
  it("plain configs of popular models scan clean", async () => {
    const report = await scan(["gpt2", "bert-base-uncased", "openllama-3b", "deepseek-r1-distill-qwen-32b"].map((d) => join(FIXTURES, d)), { digest: false });
    expect(report.files.length).toBeGreaterThanOrEqual(13);
    expect(report.files.map((f) => f.format).every((f) => f === "json")).toBe(true);
    expect(listing(report)).toBe("");
  });

  it("auto_map models fail the default gate on their config files only", async () => {
    const report = await scan([join(FIXTURES, "minicpm-v-2")], { digest: false });
    const flagged = report.files.filter((f) => f.findings.length > 0).map((f) => f.path.split("/").pop()).sort();
    expect(flagged).toEqual(["config.json", "preprocessor_config.json", "tokenizer_config.json"]);
    expect(report.summary.failed).toBe(true);
    // The fixture keeps only the configs: the folder check also says which auto_map .py files are missing.
    const kinds = new Set(report.files.flatMap((f) => f.findings).map((x) => `${x.ruleId}:${x.severity}`));
    expect([...kinds].sort()).toEqual(["hf/custom-code-missing:medium", "hf/custom-code:high"]);
  });
});

describe("size limits", () => {
  it("JSON larger than the member limit is a limit finding (not verified), not clean", async () => {
    const path = join(tmp, "tokenizer_config.json");
    writeFileSync(path, JSON.stringify({ chat_template: "x".repeat(5000) }));
    const report = await scan([path], { digest: false, limits: { maxMemberBytes: 1024 } });
    expect(report.files[0]!.findings.map((x) => [x.ruleId, x.severity])).toEqual([["scanner/limit-exceeded", "high"]]);
  });

  it("a large plain text file is an info note and its head is still checked", async () => {
    const path = join(tmp, "vocab.txt");
    const token = "hf_" + "QrStUvWxYzAbCdEfGhIjKlMnOpQrStUvWx";
    writeFileSync(path, `${token}\n${"word\n".repeat(600)}`);
    const report = await scan([path], { digest: false, limits: { maxMemberBytes: 1024 } });
    expect(report.files[0]!.findings.map((x) => [x.ruleId, x.severity]).sort()).toEqual([
      ["hf/embedded-secret", "high"],
      ["hf/large-text", "info"],
    ]);
  });

  it("a YAML alias bomb ends as a limit finding", async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [x, y] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"], ["g", "f"], ["h", "g"]]) lines.push(`${x}: &${x} [${Array(9).fill(`*${y}`).join(",")}]`);
    const path = join(tmp, "bomb.yaml");
    writeFileSync(path, lines.join("\n"));
    const report = await scan([path], { digest: false });
    expect(report.files[0]!.findings.map((x) => x.ruleId)).toEqual(["scanner/limit-exceeded"]);
  });
});

describe("synthetic malicious configs through scan()", () => {
  it("SSTI in tokenizer_config.json chat_template and in YAML chat_template is at least high", async () => {
    const ssti = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    const tok = join(tmp, "tokenizer_config.json");
    writeFileSync(tok, JSON.stringify({ tokenizer_class: "LlamaTokenizerFast", chat_template: [{ name: "default", template: "{{ bos_token }}" }, { name: "tool_use", template: ssti }] }));
    const yml = join(tmp, "model_config.yaml");
    writeFileSync(yml, `model_name: m\nchat_template: "${ssti}"\n`);
    for (const path of [tok, yml]) {
      const report = await scan([path], { digest: false });
      const sev = worst(report);
      expect(sev !== null && meetsGate(sev, "high"), listing(report)).toBe(true);
      expect(report.files[0]!.findings.every((x) => x.ruleId.startsWith("jinja/")), listing(report)).toBe(true);
    }
  });

  it("a standalone chat_template.jinja is checked as a template", async () => {
    const path = join(tmp, "chat_template.jinja");
    writeFileSync(path, "{% for m in messages %}{{ m.content }}{% endfor %}\n{{ self.__init__.__globals__.__builtins__.__import__('os').system('id') }}\n");
    const report = await scan([path], { digest: false });
    const sev = worst(report);
    expect(sev !== null && meetsGate(sev, "high"), listing(report)).toBe(true);
  });
});
