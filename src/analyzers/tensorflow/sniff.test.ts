import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { encodeMessage } from "../protobuf/encoder.js";
import { looksLikeOnnx } from "../onnx/sniff.js";
import { graphDefFile, metaGraphFile, savedModel, tf1Model, tf2Model } from "../../../test/fixtures/tensorflow/build.js";
import { classifyTensorflow } from "./sniff.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const SHARED = resolve(ROOT, "..", "shared", "corpus");
const HEAD = 64 * 1024;

function classify(buf: Buffer, name = "model.bin") {
  return classifyTensorflow(buf.subarray(0, HEAD), buf.length, name);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

describe("classifyTensorflow", () => {
  it("recognises SavedModels, MetaGraphDefs and GraphDefs by content", () => {
    expect(classify(savedModel(tf2Model()))).toBe("saved-model");
    expect(classify(savedModel(tf1Model()))).toBe("saved-model");
    expect(classify(metaGraphFile(tf1Model()))).toBe("meta-graph");
    expect(classify(graphDefFile({ nodes: [{ name: "x", op: "Placeholder" }, { name: "y", op: "Relu", inputs: ["x"] }] }))).toBe("graph-def");
  });

  it("recognises a head cut off inside a big graph", () => {
    const nodes = Array.from({ length: 4000 }, (_, i) => ({ name: `layer_${i}/MatMul`, op: "MatMul", inputs: [`layer_${i - 1}/Relu`, `layer_${i}/kernel`] }));
    const sm = savedModel({ ...tf2Model(), graph: { nodes } });
    expect(sm.length).toBeGreaterThan(HEAD);
    expect(classify(sm)).toBe("saved-model");
    expect(classify(graphDefFile({ nodes }))).toBe("graph-def");
  });

  it("uses the file name only to break ties", () => {
    // A GraphDef with only a versions field: structure fits, no TensorFlow names to go by.
    const bare = encodeMessage((w) => w.message(4, (v) => v.varint(1, 1645)));
    expect(classify(bare, "x.bin")).toBeUndefined();
    expect(classify(bare, "frozen_graph.pb")).toBe("graph-def");
    const emptyMeta = savedModel({ graph: { nodes: [] }, tags: [], strippedOps: [] });
    expect(classify(emptyMeta, "saved_model.pb")).toBe("saved-model");
  });

  it("rejects random bytes, text, JSON and other protobufs", () => {
    const next = lcg(7);
    let tiesBroken = 0;
    for (let i = 0; i < 3000; i++) {
      const len = 1 + (next() % 200);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = next() & 0xff;
      // Half of them start like a protobuf field 1/2 to get past the first byte.
      if (i % 2 === 0) buf[0] = [0x08, 0x0a, 0x12][i % 3]!;
      expect(classify(buf)).toBeUndefined();
      if (classify(buf, "saved_model.pb") !== undefined) tiesBroken++;
    }
    // With the SavedModel file name, structure alone decides: random bytes almost never have it.
    expect(tiesBroken).toBeLessThan(30);
    for (const t of ["\n\nhello world\n", "saved_model_schema_version: 1\nmeta_graphs {\n", '{"format": "tf"}', "node {\n  name: \"x\"\n  op: \"Const\"\n}\n"]) {
      expect(classify(Buffer.from(t), "saved_model.pb")).toBeUndefined();
    }
    // fingerprint.pb (FingerprintDef: uint64 checksums, then VersionDef) and keras_metadata.pb (SavedMetadata).
    const fingerprint = encodeMessage((w) => w.varint(1, 2n ** 63n + 12345n).varint(2, 99n).varint(3, 7n).varint(4, 1n).varint(5, 3n).message(6, (v) => v.varint(1, 1)));
    expect(classify(fingerprint, "fingerprint.pb")).toBeUndefined();
    const kerasMeta = encodeMessage((w) => w.message(1, (o) => o.varint(2, 0).string(3, "root").string(4, "_tf_keras_sequential").string(5, '{"name": "sequential"}')));
    expect(classify(kerasMeta, "keras_metadata.pb")).toBeUndefined();
  });

  it("never takes an ONNX model for TensorFlow, nor the other way round", () => {
    const onnx = readFileSync(join(ROOT, "test/fixtures/onnx/benign/torch_export.onnx"));
    expect(classify(onnx, "saved_model.pb")).toBeUndefined();
    for (const tf of [savedModel(tf2Model()), savedModel(tf1Model()), metaGraphFile(tf1Model())]) {
      expect(looksLikeOnnx(tf.subarray(0, HEAD), tf.length, "model.onnx")).toBe(false);
    }
  });
});

/** Every file of the labelled corpus and of the other fixtures: only TensorFlow samples may be claimed. */
function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) files(p, out);
    else if (st.isFile()) out.push(p);
  }
  return out;
}

describe.skipIf(!existsSync(SHARED))("no false positives on the labelled corpus", () => {
  it("claims only the TensorFlow samples", () => {
    const claimed: string[] = [];
    for (const p of files(SHARED)) {
      const fd = readFileSync(p);
      const name = p.split("/").pop()!;
      if (classifyTensorflow(fd.subarray(0, HEAD), fd.length, name)) claimed.push(p.slice(SHARED.length + 1));
      if (looksLikeOnnx(fd.subarray(0, HEAD), fd.length, name)) claimed.push(`onnx:${p.slice(SHARED.length + 1)}`);
    }
    expect(claimed.sort()).toEqual([
      "modelaudit/tests/assets/samples/tensorflow/malicious_pyfunc/saved_model.pb",
      "modelaudit/tests/assets/samples/tensorflow/safe_savedmodel/saved_model.pb",
    ]);
  });
});
