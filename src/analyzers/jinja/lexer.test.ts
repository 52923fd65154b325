import { describe, expect, it } from "vitest";
import { decodeJinjaString, lexTemplate } from "./lexer.js";

describe("decodeJinjaString (Python unicode-escape, as Jinja2 decodes string literals)", () => {
  it("decodes every escape form payloads use to hide names", () => {
    expect(decodeJinjaString("\\x5f\\x5fclass\\x5f\\x5f")).toBe("__class__");
    expect(decodeJinjaString("\\u005f\\U0000005fx")).toBe("__x");
    expect(decodeJinjaString("\\137\\137")).toBe("__");
    expect(decodeJinjaString("\\N{LOW LINE}\\N{latin small letter c}")).toBe("_c");
    expect(decodeJinjaString("a\\'b\\\"c\\\\d\\n")).toBe("a'b\"c\\d\n");
    expect(decodeJinjaString("\\q\\x4")).toBe("\\q\\x4"); // unknown or short escapes stay as written
  });
});

describe("lexTemplate", () => {
  it("tokenizes tags and skips text, comments and raw blocks", () => {
    const { tags, refusal } = lexTemplate("hi {# c #}{% raw %}{{ x.__class__ }}{% endraw %}{{ a['}}'] ~ \"b\" }}{% if x %}{% endif %}");
    expect(refusal).toBeUndefined();
    expect(tags.map((t) => t.tokens.map((k) => k.value).join(" "))).toEqual(["raw", "a [ }} ] ~ b", "if x", "endif"]);
  });

  it("names the reason Jinja2 would refuse a template", () => {
    expect(lexTemplate("{{ x").refusal).toMatch(/never closed/);
    expect(lexTemplate("{# x").refusal).toMatch(/comment/);
    expect(lexTemplate("{{ 'x }}").refusal).toMatch(/string/);
    expect(lexTemplate("{{ (x] }}").refusal).toMatch(/unbalanced/);
    expect(lexTemplate("{% for x in y %}").refusal).toMatch(/never closed/);
    expect(lexTemplate("{% if x %}{% endfor %}").refusal).toMatch(/closes block "if"/);
    expect(lexTemplate("{% raw %}x").refusal).toMatch(/raw/);
    expect(lexTemplate("{% set x = 1 %}{% set y %}z{% endset %}").refusal).toBeUndefined();
  });

  it("keeps the tokens of a tag it gave up on", () => {
    const { tags, refusal } = lexTemplate("{{ cycler.__init__ ");
    expect(refusal).toBeDefined();
    expect(tags[0]!.tokens.map((t) => t.value)).toEqual(["cycler", ".", "__init__"]);
  });
});
