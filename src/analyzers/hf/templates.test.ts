import { describe, expect, it } from "vitest";
import { findTemplates, hasJinjaSyntax, startsLikeTemplate, TEMPLATE_FILE_NAME } from "./templates.js";

describe("findTemplates", () => {
  it("finds chat_template as a string, and as a list of named templates", () => {
    expect(findTemplates({ chat_template: "{{ bos_token }}" })).toEqual([{ where: "chat_template", source: "{{ bos_token }}", rendered: true }]);
    const list = findTemplates({
      chat_template: [
        { name: "default", template: "{% for m in messages %}{{ m.content }}{% endfor %}" },
        { name: "tool_use", template: "{{ tools }}" },
      ],
    });
    expect(list.map((t) => [t.where, t.rendered])).toEqual([
      ['chat_template["default"]', true],
      ['chat_template["tool_use"]', true],
    ]);
  });

  it("finds templates nested in YAML-like configs and plain `template` fields", () => {
    const sites = findTemplates({ tokenizer: { chat_template: "{{ x }}" }, prompts: [{ template: "{% if a %}b{% endif %}" }] });
    expect(sites.map((t) => [t.where, t.rendered])).toEqual([
      ["tokenizer.chat_template", true],
      ["prompts[0].template", true],
    ]);
  });

  it("marks other *template fields as not rendered, and ignores non-Jinja text", () => {
    const sites = findTemplates({
      chat_template: "{{ a }}",
      custom_chat_template: "{{ self.__init__ }}",
      prompt_template: "USER: {prompt}",
      system_template: "plain",
      "tokenizer.chat_template": "{{ b }}",
    });
    expect(sites.map((t) => [t.where, t.rendered])).toEqual([
      ["chat_template", true],
      ["custom_chat_template", false],
      ['["tokenizer.chat_template"]', true],
    ]);
  });
});

describe("template text", () => {
  it("recognises Jinja syntax and template-shaped text", () => {
    expect(hasJinjaSyntax("a {{ b }} c")).toBe(true);
    expect(hasJinjaSyntax("{% if x %}")).toBe(true);
    expect(hasJinjaSyntax("{{ unclosed")).toBe(false);
    expect(hasJinjaSyntax("}} {{")).toBe(false);
    expect(startsLikeTemplate("\n  {% for m in messages %}")).toBe(true);
    expect(startsLikeTemplate('{"chat_template": "{{ x }}"}')).toBe(false);
    expect(TEMPLATE_FILE_NAME.test("chat_template.jinja")).toBe(true);
    expect(TEMPLATE_FILE_NAME.test("x.j2")).toBe(true);
    expect(TEMPLATE_FILE_NAME.test("config.json")).toBe(false);
  });

  it("stays linear on hostile input", () => {
    expect(hasJinjaSyntax("{{".repeat(2_000_000))).toBe(false);
  });
});
