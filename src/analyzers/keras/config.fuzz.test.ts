/**
 * Fuzz: random JSON trees (biased towards Keras shapes) and mutated real configs through
 * analyzeKerasConfig. It must never throw, must return issues naming catalog rules, and must stay within
 * its bounds on huge or deep input. Seeded, so a failure replays.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getRule } from "../../rules/catalog.js";
import { analyzeKerasConfig, isKerasConfig } from "./config.js";
import { summarizeMarshalledCode } from "./marshal.js";
import { prng } from "../../../test/helpers/fuzz.js";

const KEYS = ["class_name", "config", "module", "registered_name", "function", "function_type", "output_shape", "output_shape_type", "name", "layers", "code", "value", "vocabulary", "spec_name", "__proto__", "constructor", "x"];
const CLASSES = ["Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__", "__typespec__", "function", "Dense", "StringLookup", "Pkg>Layer", "Sequential", "", "__numpy__"];
const MODULES = ["keras", "keras.layers", "builtins", "os", "subprocess", "numpy", "tensorflow.python.ops", "evil", "", "keras_hub.x", null];
const FUNCTIONS = ["lambda x: x", "system", "eval", "io.write_file", "math.add", "raw_ops.ReadFile", "4wEAAA==", "ã\u0001\u0000", "get_file"];

function randomTree(rnd: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const r = rnd();
  if (depth > 6 || r < 0.25) {
    return pick<unknown>([null, true, false, 0, -1.5, NaN, Infinity, "", pick(FUNCTIONS), pick(CLASSES), Math.floor(rnd() * 1e9), pick(MODULES)]);
  }
  if (r < 0.4) return Array.from({ length: Math.floor(rnd() * 5) }, () => randomTree(rnd, depth + 1));
  const obj: Record<string, unknown> = {};
  if (rnd() < 0.7) obj.class_name = pick(CLASSES);
  if (rnd() < 0.4) obj.module = pick(MODULES);
  if (rnd() < 0.3) obj.registered_name = pick([null, "Pkg>X", "X", 7]);
  for (let k = Math.floor(rnd() * 5); k > 0; k--) {
    Object.defineProperty(obj, pick(KEYS), { value: randomTree(rnd, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return obj;
}

function mutateTree(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => (rnd() < 0.05 ? randomTree(rnd, 4) : mutateTree(x, rnd)));
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (rnd() > 0.03) out[k] = rnd() < 0.05 ? randomTree(rnd, 4) : mutateTree(x, rnd);
    return out;
  }
  if (typeof v === "string" && rnd() < 0.1) return v.slice(0, Math.floor(rnd() * v.length));
  return v;
}

const check = (config: unknown): void => {
  isKerasConfig(config);
  const issues = analyzeKerasConfig(config, "fuzz");
  expect(Array.isArray(issues)).toBe(true);
  for (const i of issues) {
    expect(() => getRule(i.ruleId)).not.toThrow();
    expect(typeof i.message).toBe("string");
    for (const value of Object.values(i.evidence ?? {})) expect(["string", "number", "boolean"]).toContain(typeof value);
  }
};

describe("analyzeKerasConfig fuzz", () => {
  it("random Keras-shaped JSON trees", () => {
    const rnd = prng(0xc0ffee);
    for (let k = 0; k < 3000; k++) check(randomTree(rnd, 0));
  });

  it("mutated real configs", () => {
    const rnd = prng(42);
    const configs = ["lambda.keras", "functional.keras", "cve_2025_1550.keras"].map((name) => {
      const buf = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/keras", name));
      const start = buf.indexOf('{"module"');
      const end = buf.indexOf("PK", start);
      return JSON.parse(buf.subarray(start, end).toString("utf8")) as unknown;
    });
    for (let k = 0; k < 1000; k++) check(mutateTree(configs[k % configs.length], rnd));
  });

  it("huge and deep trees stay bounded", () => {
    const wide = { class_name: "Sequential", config: { layers: Array.from({ length: 300_000 }, () => ({ class_name: "Dense", config: { units: 1 } })) } };
    check(wide);
    let deep: unknown = null;
    for (let k = 0; k < 100_000; k++) deep = [deep];
    check(deep);
  });

  it("marshal reader on random bytes never throws", () => {
    const rnd = prng(99);
    for (let k = 0; k < 3000; k++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
      if (rnd() < 0.5 && bytes.length > 0) bytes[0] = 0xe3;
      expect(() => summarizeMarshalledCode(bytes)).not.toThrow();
    }
  });
});
