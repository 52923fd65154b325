/**
 * Fuzz: mutated, truncated and random ONNX models (seeded from the generated fixtures) through sniffing and the
 * analyzer. Only ModelgateError subclasses may escape; every run ends (seeded, bounded iteration count).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AnalyzerContext } from "../analyzer.js";
import { ModelgateError } from "../../core/errors.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { createBufferSource } from "../../core/source.js";
import { createFinding } from "../../scan/scan.js";
import { onnxAnalyzer } from "./analyzer.js";
import { looksLikeOnnx } from "./sniff.js";
import { mutateBytes, prng } from "../../../test/helpers/fuzz.js";

const FIX = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/onnx");

const ctx: AnalyzerContext = {
  limits: DEFAULT_LIMITS,
  report: (id, input) => createFinding(id, "m.onnx", undefined, input),
  scanMember: async () => {},
  setFormat: () => {},
  chargeDecompressed: () => {},
  checkDeadline: () => {},
};

async function run(buf: Buffer): Promise<void> {
  looksLikeOnnx(buf.subarray(0, 65536), buf.length, "m.onnx");
  try {
    await onnxAnalyzer.analyze({ path: "m.onnx", name: "m.onnx", depth: 0, source: createBufferSource(buf) }, ctx);
  } catch (e) {
    if (!(e instanceof ModelgateError)) throw e;
  }
}

describe("onnx analyzer fuzz", () => {
  const seeds = ["benign", "malicious"].flatMap((d) =>
    readdirSync(join(FIX, d))
      .filter((f) => f.endsWith(".onnx"))
      .map((f) => readFileSync(join(FIX, d, f))),
  );

  it("mutated and truncated fixtures", async () => {
    expect(seeds.length).toBeGreaterThan(5);
    const r = prng(5);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 4000; i++) await run(mutateBytes(seeds[i % seeds.length]!, r));
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(256 * 1024 * 1024);
  });

  it("random bytes", async () => {
    const r = prng(6);
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.alloc(Math.floor(r() * 300));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(r() * 256);
      if (buf.length > 0) buf[0] = 0x08;
      await run(buf);
    }
  });
});
