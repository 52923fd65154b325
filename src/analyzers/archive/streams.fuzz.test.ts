import { readFileSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../../test/fixtures/archive/harness.js";
import { fuzzAnalyzer } from "../../../test/fixtures/archive/fuzz.js";
import { bzip2Analyzer } from "./bzip2.js";
import { gzipAnalyzer } from "./gzip.js";
import { lzmaAnalyzer } from "./lzma.js";
import { sevenZipAnalyzer } from "./seven-zip.js";
import { tarAnalyzer } from "./tar.js";
import { xzAnalyzer } from "./xz.js";
import { zipAnalyzer } from "./zip.js";
import { zlibAnalyzer } from "./zlib.js";

const fixture = (f: string) => readFileSync(join(FIXTURES, f));
const iterations = (n: number) => Number(process.env["FUZZ_ITERATIONS"] ?? n);
const budget = (ms: number) => Number(process.env["FUZZ_BUDGET_MS"] ?? ms);
const NESTED = [tarAnalyzer, zipAnalyzer, gzipAnalyzer];

describe("decompressor fuzz: only ModelgateErrors, no hang, bounded memory", () => {
  it("gzip (with a tar inside: the streamed path)", async () => {
    const corpus = [fixture("model.nemo"), fixture("payload.tar.gz"), fixture("model.joblib.gzip"), Buffer.concat([zlib.gzipSync("a"), zlib.gzipSync("b")])];
    expect(await fuzzAnalyzer(gzipAnalyzer, { seed: 0x6a1, corpus, iterations: iterations(2000), budgetMs: budget(2000), nested: NESTED, name: "fuzz.tar.gz" })).toBeGreaterThan(10);
  });

  it("zlib", async () => {
    const corpus = [fixture("model.joblib.zlib"), zlib.deflateSync(Buffer.alloc(5000, 3))];
    expect(await fuzzAnalyzer(zlibAnalyzer, { seed: 0x21b, corpus, iterations: iterations(2000), budgetMs: budget(1500), name: "fuzz.z" })).toBeGreaterThan(10);
  });

  for (const [name, analyzer, seeds] of [
    ["xz", xzAnalyzer, ["payload.pkl.xz", "model.joblib.xz", "payload.tar.xz"]],
    ["bzip2", bzip2Analyzer, ["payload.pkl.bz2", "model.joblib.bz2"]],
    ["lzma", lzmaAnalyzer, ["payload.pkl.lzma", "model.joblib.lzma"]],
    ["7z", sevenZipAnalyzer, ["nested.7z", "encrypted.7z", "symlink.7z", "traversal.7z"]],
  ] as const) {
    it(`${name} (7-Zip wasm)`, async () => {
      const corpus = seeds.map(fixture);
      expect(await fuzzAnalyzer(analyzer, { seed: name.length * 7919, corpus, iterations: iterations(250), budgetMs: budget(2000), nested: NESTED, name: `fuzz.${name}` })).toBeGreaterThan(10);
    });
  }
});
