/**
 * Fuzzing the pickle machine, the pickle analyzer, the sniff and the numpy analyzer with random bytes,
 * mutations of the real fixtures and truncations (seeded, so failures reproduce). Whatever the input,
 * they finish, and the only errors that escape are ModelgateErrors a scan turns into findings
 * (never an internal error or a JavaScript exception).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { numpyAnalyzer } from "../numpy/analyzer.js";
import { analyzePickleBytes } from "./analyzer.js";
import { runStream } from "./machine.js";
import { looksLikePickle } from "./sniff.js";
import { pickle } from "./testing/assembler.js";
import { createTestContext } from "./testing/context.js";
import { prng } from "../../../test/helpers/fuzz.js";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/pickle");
const LIMITS = { maxPickleMemo: 20_000, maxPickleNesting: 1_000, maxNestedPickles: 8 };

const SEEDS: Buffer[] = [
  ...readdirSync(FIXTURES)
    .filter((f) => !f.endsWith(".py") && !f.endsWith(".md"))
    .map((f) => readFileSync(join(FIXTURES, f)))
    .filter((b) => b.length < 64 * 1024),
  pickle(4).global("os", "system").str("id").tuple1().reduce().stop().done(),
  pickle(4).emptyDict().str("x").bytes(pickle(4).stackGlobal("os", "system").str("id").tuple1().reduce().stop().done()).setitem().stop().done(),
  pickle(2).ext1(1).none().tuple1().reduce().stop().done(),
];

/** Interesting values for length and count fields. */
const BIG = [0x00, 0x7f, 0x80, 0xff, 0xfe];

function mutate(src: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(src);
  const pick = (n: number): number => Math.floor(rand() * n);
  const kind = pick(6);
  if (kind === 0) {
    // Flip a few bytes.
    for (let i = 0, n = 1 + pick(8); i < n && b.length; i++) b[pick(b.length)] = pick(256);
    return b;
  }
  if (kind === 1) return b.subarray(0, pick(b.length + 1)); // truncate
  if (kind === 2) {
    // Overwrite a run with "big" bytes (lengths near 2^32, negative counts).
    const at = pick(b.length || 1);
    for (let i = at; i < Math.min(b.length, at + 1 + pick(8)); i++) b[i] = BIG[pick(BIG.length)]!;
    return b;
  }
  if (kind === 3) {
    // Duplicate a slice somewhere else (repeats opcodes, memo puts, marks).
    const s = pick(b.length || 1);
    const e = Math.min(b.length, s + pick(64));
    const at = pick(b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(s, e), b.subarray(at)]);
  }
  if (kind === 4) {
    // Delete a slice.
    const s = pick(b.length || 1);
    return Buffer.concat([b.subarray(0, s), b.subarray(Math.min(b.length, s + 1 + pick(16)))]);
  }
  // Splice two seeds.
  const other = SEEDS[pick(SEEDS.length)]!;
  return Buffer.concat([b.subarray(0, pick(b.length + 1)), other.subarray(pick(other.length + 1))]);
}

function randomBytes(rand: () => number): Buffer {
  const n = Math.floor(rand() * 512);
  const b = Buffer.alloc(n);
  // Bias towards opcode bytes so that random inputs get past the first opcode.
  const ops = Buffer.from("(.0128NIJKLMSTUVXabcdeghijlopqrstu}])\x80\x81\x85\x86\x87\x88\x89\x8a\x8c\x93\x94\x95", "latin1");
  for (let i = 0; i < n; i++) b[i] = rand() < 0.5 ? ops[Math.floor(rand() * ops.length)]! : Math.floor(rand() * 256);
  return b;
}

function expectOnlyModelgateErrors(e: unknown, input: Buffer): void {
  if (e === undefined) return;
  const detail = `input (base64): ${input.toString("base64").slice(0, 2000)}`;
  expect(e, detail).toBeInstanceOf(ModelgateError);
  expect((e as ModelgateError).code, `${(e as Error).message}\n${detail}`).not.toBe("INTERNAL");
}

describe("fuzz", () => {
  it("the machine and the sniff never throw, and report no internal error", () => {
    const rand = prng(20240601);
    for (let i = 0; i < 3000; i++) {
      const input = i % 3 === 0 ? randomBytes(rand) : mutate(SEEDS[Math.floor(rand() * SEEDS.length)]!, rand);
      const r = runStream(input, 0, { maxMemo: LIMITS.maxPickleMemo, maxNesting: LIMITS.maxPickleNesting });
      expectOnlyModelgateErrors(r.error, input);
      expect(r.end).toBeLessThanOrEqual(input.length);
      expect(typeof looksLikePickle(input)).toBe("boolean");
    }
  });

  it("the pickle analyzer only throws ModelgateErrors", async () => {
    const rand = prng(7);
    for (let i = 0; i < 1500; i++) {
      const input = i % 4 === 0 ? randomBytes(rand) : mutate(SEEDS[Math.floor(rand() * SEEDS.length)]!, rand);
      const t = createTestContext(LIMITS);
      let error: unknown;
      try {
        await analyzePickleBytes(input, t.ctx, { setFormat: true });
      } catch (e) {
        error = e;
      }
      expectOnlyModelgateErrors(error, input);
      for (const f of t.findings) expect(f.ruleId).toMatch(/^(pickle|scanner)\//);
    }
    expect(process.memoryUsage().heapUsed).toBeLessThan(1024 * 1024 * 1024);
  });

  it("the numpy analyzer only throws ModelgateErrors on mutated .npy files", async () => {
    const npys = readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".npy"))
      .map((f) => readFileSync(join(FIXTURES, f)));
    const rand = prng(99);
    for (let i = 0; i < 1500; i++) {
      const src = npys[Math.floor(rand() * npys.length)]!;
      // Mostly mutate the header (the first 128 bytes), where the parser works.
      const b = Buffer.from(src);
      const input = rand() < 0.6 ? (() => {
        for (let k = 0, n = 1 + Math.floor(rand() * 4); k < n; k++) b[Math.floor(rand() * Math.min(128, b.length))] = Math.floor(rand() * 256);
        return b;
      })() : mutate(src, rand);
      const t = createTestContext(LIMITS);
      let error: unknown;
      try {
        await numpyAnalyzer.analyze({ path: "x.npy", name: "x.npy", depth: 0, source: createBufferSource(input) }, t.ctx);
      } catch (e) {
        error = e;
      }
      expectOnlyModelgateErrors(error, input);
    }
  });
});
