import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { buildGguf, str, strings, u32 } from "../../../test/fixtures/gguf/build.js";
import { runAnalyzer } from "../../../test/fixtures/safetensors/run-analyzer.js";
import { ggufAnalyzer } from "./analyzer.js";
import { prng } from "../../../test/helpers/fuzz.js";

const TIME_BUDGET_MS = 8000;

describe("GGUF analyzer under random and mutated input", () => {
  const seeds = [1, 2, 3].flatMap((version) =>
    [false, true].map((bigEndian) =>
      buildGguf({
        version: version as 1 | 2 | 3,
        bigEndian,
        alignment: 32,
        metadata: [
          ["general.architecture", str("llama")],
          ["general.description", str("see https://x.example/a.sh")],
          ["tokenizer.ggml.tokens", strings(["a", "b", "c"])],
          ["tokenizer.chat_template", str("{% for m in messages %}{{ m['content'] }}{% endfor %}")],
          ["nested", { type: "array", elementType: "array", value: [strings(["x"])] }],
          ["n", u32(7)],
        ],
        tensors: [
          { name: "a", dims: [64, 2], type: 2 },
          { name: "b", dims: [8], type: 0 },
        ],
      }),
    ),
  );

  it("only throws the scanner's own errors, never hangs", async () => {
    const rnd = prng(0x9e3779b9);
    const started = Date.now();
    let runs = 0;
    while (runs < 4000 && Date.now() - started < TIME_BUDGET_MS) {
      let input: Buffer;
      if (runs % 4 === 0) {
        input = Buffer.concat([Buffer.from("GGUF"), Buffer.from(Array.from({ length: Math.floor(rnd() * 96) }, () => Math.floor(rnd() * 256)))]);
      } else {
        input = Buffer.from(seeds[Math.floor(rnd() * seeds.length)]!);
        const edits = 1 + Math.floor(rnd() * 6);
        for (let e = 0; e < edits; e++) {
          const at = 4 + Math.floor(rnd() * (input.length - 4));
          // Bias towards the bytes that drive the parser: counts, lengths and types.
          input[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : [0, 1, 8, 9, 12, 13, 0xff][Math.floor(rnd() * 7)]!;
        }
        if (rnd() < 0.2) input = input.subarray(0, Math.floor(rnd() * input.length));
      }
      const run = await runAnalyzer(ggufAnalyzer, input);
      if (run.error !== undefined && !(run.error instanceof ModelgateError)) throw run.error;
      runs++;
    }
    expect(runs).toBeGreaterThan(300);
  });
});
