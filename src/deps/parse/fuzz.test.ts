import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import type { DependencyFileKind } from "../types.js";
import { parseDependencyText } from "./index.js";
import { prng } from "../../../test/helpers/fuzz.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../../test/fixtures/deps");
const SEEDS: [string, DependencyFileKind][] = [
  ["requirements/requirements.txt", "requirements"],
  ["pep621/pyproject.toml", "pyproject"],
  ["poetry/pyproject.toml", "pyproject"],
  ["poetry/poetry.lock", "poetry-lock"],
  ["uv/uv.lock", "uv-lock"],
  ["pipenv/Pipfile.lock", "pipfile-lock"],
  ["conda/environment.yml", "conda-env"],
];
const KINDS: DependencyFileKind[] = ["requirements", "pyproject", "poetry-lock", "uv-lock", "pipfile-lock", "conda-env"];
const TOKENS = ["\\", "\n", "#", "[", "]", "{", "}", '"', "'", '"""', ",", "=", "==", "^", "~", "*", ";", "@", "-r ", "-e ", "--hash=", "\u0000", "\uFEFF", "\r", "::", "||", "include-group", "&a", "*a", "!!python/object", "${X}", "(", ")"];

function mutate(text: string, rand: () => number): string {
  let s = text;
  const n = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rand() * (s.length + 1));
    switch (Math.floor(rand() * 6)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(at + Math.floor(rand() * 20));
        break;
      case 1: // insert a token
        s = s.slice(0, at) + TOKENS[Math.floor(rand() * TOKENS.length)]! + s.slice(at);
        break;
      case 2: // replace a character
        s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + s.slice(at + 1);
        break;
      case 3: // truncate
        s = s.slice(0, at);
        break;
      case 4: {
        // duplicate a line elsewhere
        const lines = s.split("\n");
        const line = lines[Math.floor(rand() * lines.length)] ?? "";
        lines.splice(Math.floor(rand() * lines.length), 0, line);
        s = lines.join("\n");
        break;
      }
      default: // swap two lines
        {
          const lines = s.split("\n");
          const i = Math.floor(rand() * lines.length);
          const j = Math.floor(rand() * lines.length);
          [lines[i], lines[j]] = [lines[j]!, lines[i]!];
          s = lines.join("\n");
        }
        break;
    }
  }
  return s;
}

describe("fuzz: mutated dependency files", () => {
  it("throw nothing but ModelgateError and return well-formed results", () => {
    const rand = prng(0x5eed);
    const seeds = SEEDS.map(([rel, kind]) => [readFileSync(path.join(FIXTURES, rel), "utf8"), kind] as const);
    const deadline = Date.now() + 6_000;
    let runs = 0;
    let errors = 0;
    for (let i = 0; i < 3_000 && Date.now() < deadline; i++) {
      const [text, ownKind] = seeds[i % seeds.length]!;
      const kind = rand() < 0.8 ? ownKind : KINDS[Math.floor(rand() * KINDS.length)]!;
      const input = mutate(text, rand);
      runs++;
      try {
        const r = parseDependencyText(input, kind, "fuzz");
        for (const d of r.dependencies) {
          expect(typeof d.name).toBe("string");
          expect(d.name).toBe(d.name.toLowerCase());
          expect(Array.isArray(d.hashes) && Array.isArray(d.extras)).toBe(true);
          if (d.source.line !== undefined) expect(d.source.line).toBeGreaterThanOrEqual(1);
        }
      } catch (e) {
        if (!(e instanceof ModelgateError)) throw new Error(`non-ModelgateError on iteration ${i} (${kind}): ${String(e)}\n${JSON.stringify(input.slice(0, 2000))}`);
        errors++;
      }
    }
    expect(runs).toBeGreaterThan(500);
    expect(errors).toBeGreaterThan(0);
  });

  it("random bytes of every kind", () => {
    const rand = prng(42);
    for (let i = 0; i < 400; i++) {
      const len = Math.floor(rand() * 300);
      let s = "";
      for (let k = 0; k < len; k++) s += rand() < 0.3 ? TOKENS[Math.floor(rand() * TOKENS.length)]! : String.fromCharCode(32 + Math.floor(rand() * 95));
      for (const kind of KINDS) {
        try {
          parseDependencyText(s, kind, "random");
        } catch (e) {
          if (!(e instanceof ModelgateError)) throw new Error(`non-ModelgateError (${kind}): ${String(e)}\n${JSON.stringify(s)}`);
        }
      }
    }
  });

  it("deeply nested input stays a ModelgateError", () => {
    const cases: [string, DependencyFileKind][] = [
      ["a = " + "[".repeat(50_000), "pyproject"],
      ['{"default": ' + "[".repeat(200_000) + "]".repeat(200_000) + "}", "pipfile-lock"],
      ["dependencies:\n" + "  - [".repeat(5_000), "conda-env"],
      ["x; " + "(".repeat(10_000), "requirements"],
    ];
    for (const [text, kind] of cases) {
      try {
        parseDependencyText(text, kind, "deep");
      } catch (e) {
        expect(e).toBeInstanceOf(ModelgateError);
      }
    }
  });
});
