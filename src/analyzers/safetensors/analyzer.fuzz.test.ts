import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { buildSafetensors, craftSafetensors, rawHeader } from "../../../test/fixtures/safetensors/build.js";
import { runAnalyzer } from "../../../test/fixtures/safetensors/run-analyzer.js";
import { safetensorsAnalyzer } from "./analyzer.js";
import { prng } from "../../../test/helpers/fuzz.js";

const TIME_BUDGET_MS = 8000;
const JSON_PIECES = ['{', '}', '[', ']', '"', ':', ',', '"dtype"', '"F32"', '"BF16"', '"shape"', '"data_offsets"', '"__metadata__"', "0", "4", "-1", "1e300", "18446744073709551616", "null", "true", '"\\u0000"', '"{{ x.__class__ }}"', " "];

describe("safetensors analyzer under random and mutated input", () => {
  const seeds = [
    buildSafetensors([{ name: "a", dtype: "F32", shape: [4, 4] }, { name: "b", dtype: "BF16", shape: [8] }], { format: "pt", note: "import os; os.system('x')" }),
    craftSafetensors({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, 16),
    craftSafetensors({ __metadata__: { x: Buffer.from("\x80\x02cos\nsystem\n.", "latin1").toString("base64") } }, 0),
  ];

  it("only throws the scanner's own errors, never hangs", async () => {
    const rnd = prng(0xc0ffee);
    const started = Date.now();
    let runs = 0;
    while (runs < 4000 && Date.now() - started < TIME_BUDGET_MS) {
      let input: Buffer;
      const mode = runs % 3;
      if (mode === 0) {
        input = Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
      } else if (mode === 1) {
        const text = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => JSON_PIECES[Math.floor(rnd() * JSON_PIECES.length)]).join("");
        input = Buffer.concat([rawHeader(text, rnd() < 0.5), Buffer.alloc(Math.floor(rnd() * 64))]);
      } else {
        input = Buffer.from(seeds[Math.floor(rnd() * seeds.length)]!);
        const edits = 1 + Math.floor(rnd() * 6);
        for (let e = 0; e < edits; e++) input[Math.floor(rnd() * input.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.2) input = input.subarray(0, Math.floor(rnd() * input.length));
      }
      const run = await runAnalyzer(safetensorsAnalyzer, input);
      if (run.error !== undefined && !(run.error instanceof ModelgateError)) throw run.error;
      runs++;
    }
    expect(runs).toBeGreaterThan(300);
  });
});
