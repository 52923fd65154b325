/**
 * Fuzz: mutated and truncated HDF5 fixtures through the analyzer (the real HDF5 library in its worker).
 * Only ModelgateError subclasses may escape, every finding must name a catalog rule, and the deadline
 * must stop any job that hangs. Seeded, so a failure replays.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { LimitError, ModelgateError } from "../../core/errors.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { createBufferSource } from "../../core/source.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { getRule } from "../../rules/catalog.js";
import type { AnalyzerContext } from "../analyzer.js";
import { createHdf5Analyzer } from "./analyzer.js";
import { createHdf5WorkerPool } from "./worker-pool.js";
import { prng } from "../../../test/helpers/fuzz.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/hdf5");
const SEEDS = readdirSync(FIXTURES)
  .filter((n) => n.endsWith(".h5"))
  .sort()
  .map((n) => readFileSync(join(FIXTURES, n)));

function mutate(base: Buffer, rnd: () => number): Buffer {
  const int = (n: number): number => Math.floor(rnd() * n);
  const out = Buffer.from(base);
  // Metadata (superblock, root object header, heaps) sits mostly near the start: aim there half the time.
  const span = rnd() < 0.5 ? Math.min(out.length, 4096) : out.length;
  switch (int(5)) {
    case 0:
      for (let k = 1 + int(8); k > 0; k--) {
        const at = int(span);
        out[at] = out[at]! ^ (1 << int(8));
      }
      return out;
    case 1:
      for (let k = 1 + int(4); k > 0; k--) out[int(span)] = int(256);
      return out;
    case 2: {
      const at = int(span);
      for (let k = at; k < Math.min(out.length, at + 1 + int(64)); k++) out[k] = rnd() < 0.5 ? 0xff : int(256);
      return out;
    }
    case 3: {
      // Truncate, then patch the superblock's end-of-file address (v0: at 40 for 8-byte offsets) so HDF5
      // gets past its first check and reads into the missing part.
      const cut = out.subarray(0, 8 + int(out.length - 8));
      const b = Buffer.from(cut);
      if (b.length >= 48 && b[8] === 0) b.writeBigUInt64LE(BigInt(b.length), 40);
      return b;
    }
    default: {
      // 8-byte fields (addresses, sizes) replaced by extreme values.
      const at = int(Math.max(1, span - 8));
      const v = [0xffffffffffffffffn, 0x7fffffffffffffffn, 0n, BigInt(out.length * 1000)][int(4)]!;
      out.writeBigUInt64LE(v, at);
      return out;
    }
  }
}

const pool = createHdf5WorkerPool({ maxWorkers: 1 });
afterAll(() => pool.close());
const analyzer = createHdf5Analyzer({ pool });

async function run(bytes: Buffer, budgetMs: number): Promise<{ error?: unknown; rules: string[] }> {
  const rules: string[] = [];
  const file: VirtualFile = { path: "fuzz.h5", name: "fuzz.h5", depth: 0, source: createBufferSource(bytes) };
  const deadline = Date.now() + budgetMs;
  const ctx: AnalyzerContext = {
    limits: DEFAULT_LIMITS,
    report: (ruleId, input) => {
      const rule = getRule(ruleId);
      rules.push(ruleId);
      return { ruleId, severity: input.severity ?? rule.severity, title: rule.title, message: input.message, location: { path: file.path }, cwe: [], atlas: [], owasp: [], remediation: "" };
    },
    scanMember: async () => undefined,
    setFormat: () => undefined,
    chargeDecompressed: () => undefined,
    checkDeadline: () => {
      if (Date.now() > deadline) throw new LimitError("timeoutMs", budgetMs, budgetMs, "fuzz case took too long");
    },
  };
  try {
    await analyzer.analyze(file, ctx);
    return { rules };
  } catch (error) {
    return { error, rules };
  }
}

describe("hdf5 analyzer fuzz", () => {
  it("mutated fixtures: only ModelgateError escapes, every finding is a catalog rule, no hang", async () => {
    const rnd = prng(0x5eed_4d35);
    const started = Date.now();
    let cases = 0;
    let failures = 0;
    while (cases < 1500 && Date.now() - started < 10_000) {
      const base = SEEDS[Math.floor(rnd() * SEEDS.length)]!;
      const input = mutate(base, rnd);
      const t0 = Date.now();
      const { error } = await run(input, 2_000);
      if (error !== undefined) {
        failures++;
        if (!(error instanceof ModelgateError)) throw new Error(`case ${cases}: ${String(error)}`, { cause: error });
      }
      // The per-case deadline (2 s) plus the time to terminate a worker bounds every case.
      expect(Date.now() - t0).toBeLessThan(8_000);
      cases++;
    }
    expect(cases).toBeGreaterThan(50);
    expect(failures).toBeGreaterThan(0);
    // The pool still works afterwards.
    const after = await run(SEEDS[0]!, 10_000);
    expect(after.error).toBeUndefined();
  }, 60_000);

  it("random bytes behind the HDF5 signature are reported, not thrown raw", async () => {
    const rnd = prng(7);
    for (let k = 0; k < 50; k++) {
      const body = Buffer.from(Array.from({ length: 64 + Math.floor(rnd() * 4096) }, () => Math.floor(rnd() * 256)));
      const bytes = Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), body]);
      const { error } = await run(bytes, 2_000);
      expect(error).toBeInstanceOf(ModelgateError);
    }
  });
});
