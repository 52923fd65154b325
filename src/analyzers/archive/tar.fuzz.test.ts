import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../../test/fixtures/archive/harness.js";
import { fuzzAnalyzer } from "../../../test/fixtures/archive/fuzz.js";
import { buildTar, paxData } from "../../../test/fixtures/archive/tar-builder.js";
import { tarAnalyzer } from "./tar.js";

const corpus = [
  readFileSync(join(FIXTURES, "escapes.tar")),
  readFileSync(join(FIXTURES, "legacy_torch.tar")),
  buildTar([
    { name: "x", type: "x", data: paxData({ path: "long/name.txt", size: "5" }) },
    { name: "a", data: "hello" },
    { name: "././@LongLink", type: "L", data: "gnu/long\0", format: "gnu" },
    { name: "b", data: "world", format: "gnu" },
    { name: "c", data: "v7", format: "v7" },
    { name: "d", data: "big", base256Size: true },
    { name: "g", type: "g", data: paxData({ comment: "global" }) },
  ]),
];

describe("tar reader fuzz", () => {
  it("mutated and random tars: only ModelgateErrors, no hang, bounded memory", async () => {
    const n = await fuzzAnalyzer(tarAnalyzer, { seed: 0x7a7, corpus, iterations: Number(process.env["FUZZ_ITERATIONS"] ?? 3000), budgetMs: Number(process.env["FUZZ_BUDGET_MS"] ?? 10_000), name: "fuzz.tar" });
    expect(n).toBeGreaterThan(10);
  });
});
