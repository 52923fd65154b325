import { describe, expect, it } from "vitest";
import { cardConsiderations, considerationKind, MAX_CONSIDERATION_CHARS, MAX_CONSIDERATIONS, parseCard, splitFrontMatter } from "./card.js";
import type { MetadataIssue } from "./types.js";

describe("splitFrontMatter", () => {
  it("separates the YAML between --- lines from the markdown and says where the body starts", () => {
    const s = splitFrontMatter("---\nlicense: mit\n---\n# Title\ntext\n");
    expect(s.frontMatter).toBe("license: mit\n");
    expect(s.body).toBe("\n# Title\ntext\n");
    expect(s.bodyLine).toBe(3);
  });

  it("has no front matter without an opening or closing ---", () => {
    expect(splitFrontMatter("# Title\n---\n").frontMatter).toBeUndefined();
    expect(splitFrontMatter("---\nlicense: mit\nno end\n").frontMatter).toBeUndefined();
  });
});

describe("parseCard", () => {
  it("reads the front matter fields, lists and single strings alike", () => {
    const issues: MetadataIssue[] = [];
    const card = parseCard(
      [
        "---",
        "license: other",
        "license_name: deepseek",
        "license_link: https://example.com/LICENSE",
        "base_model:",
        "- meta-llama/Llama-2-7b-hf",
        "- mistralai/Mistral-7B-v0.1",
        "datasets: imdb",
        "language: en",
        "pipeline_tag: text-classification",
        "library_name: peft",
        "metrics: [accuracy]",
        "tags: [lora]",
        "model-index:",
        "- name: m",
        "  results:",
        "  - task: {type: text-classification}",
        "    dataset: {name: IMDB, type: stanfordnlp/imdb, split: test}",
        "    metrics:",
        "    - {type: accuracy, value: 0.93}",
        "    - {type: f1, value: '0.91 ± 0.01'}",
        "---",
        "",
      ].join("\n"),
      "README.md",
      issues,
    );
    expect(issues).toEqual([]);
    expect(card).toMatchObject({
      license: "other",
      licenseName: "deepseek",
      licenseLink: "https://example.com/LICENSE",
      baseModels: ["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1"],
      datasets: ["imdb"],
      languages: ["en"],
      pipelineTag: "text-classification",
      libraryName: "peft",
      metrics: ["accuracy"],
      tags: ["lora"],
    });
    expect(card.results).toEqual([
      { task: "text-classification", dataset: "stanfordnlp/imdb", datasetName: "IMDB", split: "test", metric: "accuracy", value: 0.93 },
      { task: "text-classification", dataset: "stanfordnlp/imdb", datasetName: "IMDB", split: "test", metric: "f1", value: "0.91 ± 0.01" },
    ]);
  });

  it("reports malformed front matter with its line in README.md, and still reads the sections", () => {
    const issues: MetadataIssue[] = [];
    const card = parseCard("---\nlicense: mit\ndatasets: [a,\nb: c\n---\n## Limitations\nShort context.\n", "README.md", issues);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe("README.md");
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
    expect(issues[0]!.line).toBeLessThanOrEqual(5);
    expect(issues[0]!.message).toMatch(/not valid YAML/);
    expect(card.license).toBeUndefined();
    expect(card.considerations).toEqual([{ kind: "limitation", heading: "Limitations", text: "Short context." }]);
  });

  it("does not resolve YAML tags and caps alias expansion", () => {
    const issues: MetadataIssue[] = [];
    const card = parseCard("---\nlicense: !!python/object/apply:os.system [id]\n---\n", "README.md", issues);
    expect(card.license).toBe("id"); // the tag is not resolved: the value stays plain data
    expect(issues).toEqual([{ file: "README.md", line: 2, message: expect.stringMatching(/Unresolved tag: tag:yaml.org,2002:python\/object\/apply:os.system/) as unknown }]);
    const bomb = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`), "---", ""].join("\n");
    const issues2: MetadataIssue[] = [];
    parseCard(bomb, "README.md", issues2);
    expect(issues2).toHaveLength(1);
    expect(issues2[0]!.message).toMatch(/could not be read/);
  });

  it("is a mapping or an issue", () => {
    const issues: MetadataIssue[] = [];
    parseCard("---\n- a\n- b\n---\n", "README.md", issues);
    expect(issues).toEqual([{ file: "README.md", line: 2, message: "front matter is not a mapping of keys to values" }]);
  });
});

describe("considerations", () => {
  it("classifies the Hugging Face card template's headings", () => {
    expect(considerationKind("Out-of-Scope Use")).toBe("out-of-scope");
    expect(considerationKind("Bias, Risks, and Limitations")).toBe("ethical");
    expect(considerationKind("Limitations")).toBe("limitation");
    expect(considerationKind("Intended uses & limitations")).toBe("limitation");
    expect(considerationKind("Intended Uses")).toBe("use-case");
    expect(considerationKind("Direct Use")).toBe("use-case");
    expect(considerationKind("Training Data")).toBeUndefined();
  });

  it("keeps a section's own text, without comments, placeholders, code blocks or markup", () => {
    const c = cardConsiderations(
      [
        "## Uses",
        "<!-- Address questions around how the model is intended to be used -->",
        "### Direct Use",
        "Use it for **tests** only, see [docs](https://example.com).",
        "```python",
        "# Limitations (a comment in code, not a heading)",
        "```",
        "### Downstream Use",
        "[More Information Needed]",
        "## Bias, Risks, and Limitations",
        "- inherits WebText biases",
        "- short context",
      ].join("\n"),
    );
    expect(c).toEqual([
      { kind: "use-case", heading: "Direct Use", text: "Use it for tests only, see docs." },
      { kind: "ethical", heading: "Bias, Risks, and Limitations", text: "inherits WebText biases short context" },
    ]);
  });

  it("is bounded in length and count", () => {
    const long = "word ".repeat(1000);
    const body = Array.from({ length: 20 }, (_, i) => `## Limitations ${i}\n${long}`).join("\n");
    const c = cardConsiderations(body);
    expect(c).toHaveLength(MAX_CONSIDERATIONS);
    for (const x of c) {
      expect(x.text.length).toBeLessThanOrEqual(MAX_CONSIDERATION_CHARS);
      expect(x.text.endsWith("…")).toBe(true);
    }
  });
});
