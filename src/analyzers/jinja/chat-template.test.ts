import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { Issue } from "../analyzer.js";
import { meetsGate, type Severity } from "../../core/severity.js";
import { getRule } from "../../rules/catalog.js";
import { analyzeChatTemplate, MAX_TEMPLATE_CHARS } from "./chat-template.js";

const severityOf = (i: Issue): Severity => i.severity ?? getRule(i.ruleId).severity;
const worst = (issues: Issue[]): Severity | undefined => {
  const order: Severity[] = ["critical", "high", "medium", "low", "info"];
  return order.find((s) => issues.some((i) => severityOf(i) === s));
};
const rules = (issues: Issue[]): string[] => [...new Set(issues.map((i) => i.ruleId))].sort();

const FIXTURES = join(import.meta.dirname, "../../../test/fixtures/jinja");
const CORPUS = join(import.meta.dirname, "../../../../shared/corpus/modelaudit");
const SAMPLES = join(CORPUS, "tests/assets/samples/jinja2");

/** The templates a file carries: chat_template / template fields (string, list of {name, template} or map), or the file itself. */
function templatesOf(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const collect = (v: unknown): string[] => {
    if (typeof v === "string") return [v];
    if (Array.isArray(v)) return v.flatMap((e) => (typeof e === "object" && e !== null && "template" in e ? collect((e as { template: unknown }).template) : collect(e)));
    if (typeof v === "object" && v !== null) return Object.values(v).flatMap(collect);
    return [];
  };
  if (path.endsWith(".json") || path.endsWith(".yaml")) {
    const doc = (path.endsWith(".json") ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
    return ["chat_template", "template"].flatMap((k) => (k in doc ? collect(doc[k]) : []));
  }
  return [text];
}

describe.skipIf(!existsSync(join(CORPUS, "LABELS.tsv")))("chat templates of the labelled corpus", () => {
  const labels = readFileSync(join(CORPUS, "LABELS.tsv"), "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"))
    .filter((c) => c[0]?.startsWith("tests/assets/samples/jinja2/"));

  it("covers every labelled chat-template sample", () => {
    const onDisk: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) (statSync(join(d, f)).isDirectory() ? walk : (p: string) => onDisk.push(p))(join(d, f));
    };
    walk(SAMPLES);
    expect(labels.length).toBeGreaterThanOrEqual(40);
    expect(onDisk.map((p) => relative(CORPUS, p)).sort()).toEqual(labels.map((l) => l[0]).sort());
  });

  for (const [path, label] of labels) {
    it(`${label}: ${path}`, () => {
      const issues = templatesOf(join(CORPUS, path!)).flatMap((t) => analyzeChatTemplate(t, "chat_template"));
      const top = worst(issues);
      if (label === "malicious") {
        expect(top && meetsGate(top, "high"), JSON.stringify(issues)).toBe(true);
      } else {
        expect(top === undefined || !meetsGate(top, "high"), JSON.stringify(issues)).toBe(true);
      }
    });
  }

  it("finds the CVE-2024-34359 payload as critical template injection", () => {
    const [tpl] = templatesOf(join(SAMPLES, "malicious_cve_2024_34359.json"));
    const issues = analyzeChatTemplate(tpl!, "tokenizer.chat_template");
    expect(worst(issues)).toBe("critical");
    const ssti = issues.find((i) => i.ruleId === "jinja/ssti" && i.evidence?.name === "__subclasses__");
    expect(ssti?.message).toMatch(/^tokenizer\.chat_template: .*CVE-2024-34359/);
    expect(issues.some((i) => i.evidence?.name === "_module")).toBe(true);
  });

  it("reports the malformed edge case as a low note, not as a threat", () => {
    const [tpl] = templatesOf(join(SAMPLES, "edge_cases/malformed_template.json"));
    const issues = analyzeChatTemplate(tpl!, "chat_template");
    expect(issues.map((i) => [i.ruleId, severityOf(i)])).toEqual([["jinja/unparseable", "low"]]);
    expect(issues[0]!.message).toContain("Jinja2 refuses it too");
  });

  it("gives no finding at all for the benign templates", () => {
    for (const path of ["benign/chatml_format.json", "benign/complex_legitimate.json", "benign_huggingface_chat.json", "standalone/suspicious_benign.template", "edge_cases/oversized_template.json", "yaml/model_config.yaml"]) {
      for (const t of templatesOf(join(SAMPLES, path))) expect(analyzeChatTemplate(t, "t"), path).toEqual([]);
    }
  });
});

describe("real chat templates of public models", () => {
  // From openvinotoolkit/openvino.genai tests (copies of the models' tokenizer_config.json); see generate.py.
  const real = JSON.parse(readFileSync(join(FIXTURES, "real-chat-templates.json"), "utf8")) as Array<{ repo: string; name?: string; chat_template: string }>;

  it("has the families that matter", () => {
    const repos = real.map((r) => r.repo).join(" ");
    for (const family of ["Llama-3.1", "Llama-2", "Mistral-7B-Instruct-v0.3", "gemma", "Qwen2.5", "Qwen3", "Phi-3", "phi-4", "DeepSeek-R1", "granite", "c4ai-command-r"]) expect(repos).toContain(family);
    expect(real.length).toBeGreaterThan(140);
  });

  it("gives no finding for any of them", () => {
    const noisy = real.map((r) => ({ repo: `${r.repo}${r.name ? `#${r.name}` : ""}`, issues: analyzeChatTemplate(r.chat_template, "tokenizer.chat_template") })).filter((r) => r.issues.length > 0);
    expect(noisy).toEqual([]);
  });
});

describe("template injection techniques", () => {
  const cases: Array<[string, string, string]> = [
    ["attribute chain", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "jinja/ssti"],
    ["subscript with a constant key", "{{ x['__globals__'] }}", "jinja/ssti"],
    ["attr filter", "{{ x|attr('__class__') }}", "jinja/ssti"],
    ["getattr", "{{ getattr(x, '__class__') }}", "jinja/ssti"],
    ["frame internals", "{{ (x for x in y).gi_frame.f_globals }}", "jinja/ssti"],
    ["str.format traversal", "{{ '{0.__class__.__base__}'.format(x) }}", "jinja/ssti"],
    ["concatenation with ~", "{{ x['__cla' ~ 'ss__'] }}", "jinja/obfuscated-access"],
    ["concatenation with +", "{{ x|attr('__glo' + 'bals__') }}", "jinja/obfuscated-access"],
    ["join filter", "{{ x[['_','_','class','_','_']|join] }}", "jinja/obfuscated-access"],
    ["str.join", "{{ x[''.join(['__cl', 'ass__'])] }}", "jinja/obfuscated-access"],
    ["format filter with %c", "{{ x|attr('%c%cclass%c%c'|format(95,95,95,95)) }}", "jinja/obfuscated-access"],
    ["% operator", "{{ x|attr('%sclass%s' % ('__', '__')) }}", "jinja/obfuscated-access"],
    ["replace", "{{ x|attr('XXclassXX'|replace('X', '_')) }}", "jinja/obfuscated-access"],
    ["reverse", "{{ x|attr('__' ~ '__ssalc'|reverse) }}", "jinja/obfuscated-access"],
    ["slice", "{{ x|attr('__ssalc__'[::-1]) }}", "jinja/obfuscated-access"],
    ["upper-case then lower", "{{ x|attr('__CLASS__'|lower) }}", "jinja/obfuscated-access"],
    ["variable holding a built name", "{% set k = '__cl' + 'ass__' %}{{ x[k] }}", "jinja/obfuscated-access"],
    ["\\x escapes", "{{ x['\\x5f\\x5fclass\\x5f\\x5f'] }}", "jinja/obfuscated-access"],
    ["\\u escapes", "{{ x['\\u005f\\u005fglobals\\u005f\\u005f'] }}", "jinja/obfuscated-access"],
    ["adjacent string literals", "{{ x['__cla' 'ss__'] }}", "jinja/obfuscated-access"],
    ["\\N{LOW LINE} escapes (unparseable here, valid in Jinja2)", "{{ ''['\\N{LOW LINE}\\N{LOW LINE}class\\N{LOW LINE}\\N{LOW LINE}'] }}", "jinja/obfuscated-access"],
    ["octal escapes (unparseable here, valid in Jinja2)", "{{ ''['\\137\\137class\\137\\137'] }}", "jinja/obfuscated-access"],
  ];
  for (const [what, tpl, rule] of cases) {
    it(`${what} → ${rule} (critical)`, () => {
      const issues = analyzeChatTemplate(tpl, "t");
      expect(rules(issues)).toContain(rule);
      expect(worst(issues)).toBe("critical");
    });
  }

  const high: Array<[string, string, string]> = [
    ["attr with a computed name", "{{ x|attr(name) }}", "jinja/dynamic-attribute"],
    ["getattr with a computed name", "{{ getattr(x, y) }}", "jinja/dynamic-attribute"],
    ["attribute of a Jinja2 global", "{{ cycler.next }}", "jinja/suspicious-reference"],
    ["Flask config", "{{ config.items() }}", "jinja/suspicious-reference"],
    ["module call", "{{ os.popen('id').read() }}", "jinja/suspicious-reference"],
    ["eval call", "{{ eval(x) }}", "jinja/suspicious-reference"],
    ["open call", "{{ open('/etc/passwd').read() }}", "jinja/suspicious-reference"],
    ["payload string", "{% set p = 'import os; os.system(\"id\")' %}{{ p }}", "jinja/payload-string"],
  ];
  for (const [what, tpl, rule] of high) {
    it(`${what} → ${rule} (high)`, () => {
      const issues = analyzeChatTemplate(tpl, "t");
      expect(rules(issues)).toContain(rule);
      expect(worst(issues)).toBe("high");
    });
  }

  it("leaves names a template binds itself and ordinary attributes alone", () => {
    for (const tpl of [
      "{% for os in items %}{{ os.name }}{% endfor %}",
      "{% set config = namespace(a=1) %}{{ config.a }}",
      "{% set ns = namespace(found=false) %}{% set ns.found = true %}{{ ns.found }}",
      "{{ message.class }}{{ message['system'] }}{{ roles['exec'] }}{{ ns.system }}{{ loop.cycle('a', 'b') }}{{ range(3)|list }}",
      "{{ raise_exception('Conversation roles must alternate') }}{{ strftime_now('%d %b %Y') }}",
      "{{ 'Respond in the format {\"name\": function name}.' }}{{ '{}'.format(x) }}",
      "{{ x|attr('role') }}{{ (messages|selectattr('role', 'equalto', 'system')|list|last).content }}",
      "{{ 'Fill in the blank: _____ and ____' }}{{ 'You are a Python tutor: explain __init__, and never use eval() or exec().' }}",
    ]) {
      expect(analyzeChatTemplate(tpl, "t"), tpl).toEqual([]);
    }
  });

  it("names the origin and counts repeats instead of repeating findings", () => {
    const issues = analyzeChatTemplate("{{ a.__class__ }}{{ b.__class__ }}{{ c.__class__ }}", "tokenizer.chat_template.tool_use");
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message.startsWith("tokenizer.chat_template.tool_use: ")).toBe(true);
    expect(issues[0]!.evidence).toMatchObject({ where: "tokenizer.chat_template.tool_use", name: "__class__", occurrences: 3 });
  });
});

describe("templates the parser refuses", () => {
  // Verdicts of Python Jinja2 3.1 (transformers, llama-cpp-python, vLLM render with it); see generate.py.
  const verdicts = JSON.parse(readFileSync(join(FIXTURES, "jinja2-verdicts.json"), "utf8")) as { cases: Array<{ template: string; jinja2Parses: boolean }> };

  it("never calls a template harmless-because-broken when Jinja2 accepts it", () => {
    for (const { template, jinja2Parses } of verdicts.cases) {
      const unparseable = analyzeChatTemplate(template, "t").find((i) => i.ruleId === "jinja/unparseable");
      if (unparseable && severityOf(unparseable) === "low") expect(jinja2Parses, template).toBe(false);
      if (unparseable && jinja2Parses) expect(severityOf(unparseable), template).toBe("high");
    }
  });

  it("recognises the structural errors Jinja2 refuses as low notes", () => {
    let low = 0;
    for (const { template } of verdicts.cases.filter((c) => !c.jinja2Parses)) {
      const unparseable = analyzeChatTemplate(template, "t").find((i) => i.ruleId === "jinja/unparseable");
      // Some refused templates parse here ({% generation %} is stripped before parsing): no finding then.
      if (unparseable && severityOf(unparseable) === "low") low++;
    }
    expect(low).toBeGreaterThanOrEqual(14);
  });

  it("treats raw blocks as text: unverified (the parser lacks them), but no injection finding", () => {
    const issues = analyzeChatTemplate("{% raw %}{{ x.__class__ }}{% endraw %}", "t");
    expect(issues.map((i) => [i.ruleId, severityOf(i)])).toEqual([["jinja/unparseable", "high"]]);
  });

  it("still reports payloads in templates that are broken anyway", () => {
    const issues = analyzeChatTemplate("{{ cycler.__init__.__globals__.os.popen('id') ", "t");
    expect(rules(issues)).toEqual(expect.arrayContaining(["jinja/ssti", "jinja/unparseable"]));
    expect(worst(issues)).toBe("critical");
  });
});

describe("limits", () => {
  it("reports oversized templates and still scans them lexically", () => {
    const big = "{% for m in messages %}" + "A".repeat(MAX_TEMPLATE_CHARS) + "{{ m.__globals__ }}{% endfor %}";
    const issues = analyzeChatTemplate(big, "t");
    expect(rules(issues)).toEqual(["jinja/ssti", "jinja/template-too-large"]);
  });

  it("survives long whitespace runs (the parser's preprocessing regex is quadratic on them)", () => {
    const tpl = `{{ a }}${" ".repeat(400_000)}{{ b.__class__ }}`;
    expect(rules(analyzeChatTemplate(tpl, "t"))).toEqual(["jinja/ssti"]);
  });

  it("survives nesting deeper than the parser's recursion", () => {
    const tpl = `{{ ${"(".repeat(5000)}x.__class__${")".repeat(5000)} }}`;
    const issues = analyzeChatTemplate(tpl, "t");
    expect(rules(issues)).toEqual(["jinja/ssti", "jinja/unparseable"]);
  });

  it("walks very long attribute chains without recursion", () => {
    const tpl = `{{ ${"a.".repeat(100_000)}__class__ }}`;
    expect(rules(analyzeChatTemplate(tpl, "t"))).toEqual(["jinja/ssti"]);
  });
});
