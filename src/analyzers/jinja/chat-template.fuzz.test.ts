import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeChatTemplate } from "./chat-template.js";
import { prng } from "../../../test/helpers/fuzz.js";

const PIECES = [
  "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "(", ")", "[", "]", "{", "}", "'", '"', "\\", "\\x5f", "\\N{LOW LINE}", "|", ".", ",", ":", "~", "+", "%",
  "__class__", "__globals__", "cycler", "attr", "join", "format", "set", "for", "in", "if", "endif", "endfor", "raw", "endraw", "macro", "endmacro",
  "messages", "message['role']", "loop.index0", " ", "\n", "x", "'_'", "1", "-1", "::-1", "namespace(", "is defined", "not", "and", "or",
];

const TIME_BUDGET_MS = 8000;

describe("chat-template check under random and mutated input", () => {
  const real = JSON.parse(readFileSync(join(import.meta.dirname, "../../../test/fixtures/jinja/real-chat-templates.json"), "utf8")) as Array<{ chat_template: string }>;
  const seeds = [
    ...real.slice(0, 40).map((r) => r.chat_template),
    "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os').system('id') }}{% endif %}{% endfor %}",
    "{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
  ];

  it("only ever returns issues, for random token soup and mutated real templates", () => {
    const rnd = prng(0x5eed);
    const started = Date.now();
    let runs = 0;
    while (runs < 3000 && Date.now() - started < TIME_BUDGET_MS) {
      let tpl: string;
      if (runs % 2 === 0) {
        const n = 1 + Math.floor(rnd() * 60);
        tpl = Array.from({ length: n }, () => PIECES[Math.floor(rnd() * PIECES.length)]).join(rnd() < 0.5 ? "" : " ");
      } else {
        const base = seeds[Math.floor(rnd() * seeds.length)]!;
        const chars = [...base];
        const edits = 1 + Math.floor(rnd() * 8);
        for (let e = 0; e < edits && chars.length > 0; e++) {
          const at = Math.floor(rnd() * chars.length);
          const r = rnd();
          if (r < 0.33) chars.splice(at, 1);
          else if (r < 0.66) chars.splice(at, 0, PIECES[Math.floor(rnd() * PIECES.length)]!);
          else chars[at] = String.fromCharCode(Math.floor(rnd() * 128));
        }
        tpl = chars.join("");
      }
      const issues = analyzeChatTemplate(tpl, "fuzz");
      expect(Array.isArray(issues)).toBe(true);
      for (const i of issues) expect(i.ruleId).toMatch(/^jinja\//);
      runs++;
    }
    expect(runs).toBeGreaterThan(200);
  });
});
