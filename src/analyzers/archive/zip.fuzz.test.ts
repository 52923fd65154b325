import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../../test/fixtures/archive/harness.js";
import { fuzzAnalyzer } from "../../../test/fixtures/archive/fuzz.js";
import { PAYLOAD_PICKLE, buildZip } from "../../../test/fixtures/archive/zip-builder.js";
import { zipAnalyzer } from "./zip.js";

const corpus = [
  ...["state_dict.pt", "arrays.npz", "symlink.zip", "streamed.zip", "aes.zip", "torchscript.pt"].map((f) => readFileSync(join(FIXTURES, f))),
  buildZip([{ name: "a/data.pkl", data: PAYLOAD_PICKLE, method: 8 }, { name: "b.txt", data: "hello" }], { zip64: true }),
  buildZip([{ name: "x", data: "abc", flags: 0x1 }, { name: "h.pkl", data: PAYLOAD_PICKLE, hidden: true }, { name: "y", data: "d", pointAt: 0 }]),
  buildZip([{ name: "a", data: "hi" }], { prefix: Buffer.from("prefix"), comment: Buffer.from("comment") }),
];

describe("zip reader fuzz", () => {
  it("the harness fails on an error that is not a ModelgateError", async () => {
    const broken = { ...zipAnalyzer, analyze: async () => Promise.reject(new TypeError("boom")) };
    await expect(fuzzAnalyzer(broken, { seed: 1, corpus, iterations: 3, budgetMs: 1000 })).rejects.toThrow(/boom/);
  });

  it("mutated and random zips: only ModelgateErrors, no hang, bounded memory", async () => {
    const n = await fuzzAnalyzer(zipAnalyzer, { seed: 0x5eed21, corpus, iterations: Number(process.env["FUZZ_ITERATIONS"] ?? 3000), budgetMs: Number(process.env["FUZZ_BUDGET_MS"] ?? 10_000), nested: [zipAnalyzer], name: "fuzz.zip" });
    expect(n).toBeGreaterThan(10);
  });

  it("members with bzip2, LZMA, Deflate64, xz and PPMd methods (7-Zip path)", async () => {
    const seeds = ["method_bzip2.zip", "method_lzma.zip", "method_deflate64.zip", "method_xz.zip", "method_ppmd.zip"].map((f) => readFileSync(join(FIXTURES, f)));
    const n = await fuzzAnalyzer(zipAnalyzer, { seed: 0x7a1b, corpus: seeds, iterations: 300, budgetMs: 6_000, name: "fuzz.zip" });
    expect(n).toBeGreaterThan(10);
  });
});
