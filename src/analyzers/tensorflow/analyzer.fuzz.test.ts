/**
 * Fuzz: mutated, truncated and random TensorFlow protobufs through sniffing and the analyzer. Only
 * ModelgateError subclasses may escape; every run ends (seeded, bounded iteration count).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AnalyzerContext } from "../analyzer.js";
import { ModelgateError } from "../../core/errors.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { createBufferSource } from "../../core/source.js";
import { createFinding } from "../../scan/scan.js";
import { graphDefFile, metaGraphFile, savedModel, tf1Model, tf2Model } from "../../../test/fixtures/tensorflow/build.js";
import { tensorflowAnalyzer } from "./analyzer.js";
import { classifyTensorflow } from "./sniff.js";
import { mutateBytes, prng } from "../../../test/helpers/fuzz.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CORPUS = resolve(ROOT, "..", "shared", "corpus", "modelaudit", "tests", "assets", "samples", "tensorflow");

const ctx: AnalyzerContext = {
  limits: DEFAULT_LIMITS,
  report: (id, input) => createFinding(id, "f", undefined, input),
  scanMember: async () => {},
  setFormat: () => {},
  chargeDecompressed: () => {},
  checkDeadline: () => {},
};

async function run(buf: Buffer, name: string): Promise<void> {
  classifyTensorflow(buf.subarray(0, 65536), buf.length, name);
  try {
    await tensorflowAnalyzer.analyze({ path: name, name, depth: 0, source: createBufferSource(buf) }, ctx);
  } catch (e) {
    if (!(e instanceof ModelgateError)) throw e;
  }
}

describe("tensorflow analyzer fuzz", () => {
  const seeds: Array<[Buffer, string]> = [
    [savedModel(tf2Model({ servingNodes: [{ name: "p", op: "PyFunc" }], assets: [{ tensor: "a:0", filename: "v.txt" }] })), "saved_model.pb"],
    [savedModel(tf1Model()), "saved_model.pb"],
    [metaGraphFile(tf1Model()), "model.meta"],
    [graphDefFile({ nodes: [{ name: "x", op: "Placeholder" }, { name: "y", op: "WriteFile", inputs: ["x", "x"] }] }), "frozen.pb"],
  ];
  for (const f of ["safe_savedmodel", "malicious_pyfunc"]) {
    const p = join(CORPUS, f, "saved_model.pb");
    if (existsSync(p)) seeds.push([readFileSync(p), "saved_model.pb"]);
  }

  it("mutated and truncated SavedModels, MetaGraphDefs and GraphDefs", async () => {
    const r = prng(3);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 3000; i++) {
      const [seed, name] = seeds[i % seeds.length]!;
      await run(mutateBytes(seed, r), name);
    }
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(256 * 1024 * 1024);
  });

  it("random bytes", async () => {
    const r = prng(4);
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.alloc(Math.floor(r() * 300));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(r() * 256);
      if (buf.length > 0) buf[0] = [0x08, 0x0a, 0x12][i % 3]!;
      await run(buf, "saved_model.pb");
    }
  });
});
