/**
 * Red-team files (test/redteam/generate.py): each one runs a harmless marker under a real loader, and each was
 * built by someone who read the scanner's source to slip through it.
 *
 * (a) With Debian's CPython and its ML packages, prove.py loads every file with its loader and every marker must
 *     appear (a file that no longer fires is not an attack any more and must be fixed or dropped).
 * (b) Always: the scanner must flag every file at or above `high` (what makes `modelgate scan` exit 1).
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../src/scan/scan.js";
import { severityRank } from "../../src/core/severity.js";
import { pythonHas, runPython } from "../helpers/python.js";

interface Entry {
  id: string;
  file: string;
  loader: string;
  class: number;
  trick: string;
  sink: string;
  /** [offset, byte, count]: filler cut out of the committed file, put back before loading or scanning. */
  expand?: [number, number, number];
}

const HERE = fileURLToPath(new URL(".", import.meta.url));
const manifest = JSON.parse(readFileSync(join(HERE, "manifest.json"), "utf8")) as Entry[];
const work = mkdtempSync(join(tmpdir(), "mg-redteam-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The entry's file (or folder) as the loader sees it, under a fresh directory. */
function materialize(e: Entry): string {
  const src = join(HERE, "files", e.file);
  const dir = join(work, e.id);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, e.file);
  if (statSync(src).isDirectory()) {
    cpSync(src, target, { recursive: true });
    return target;
  }
  let data = readFileSync(src);
  if (e.expand) {
    const [off, byte, count] = e.expand;
    data = Buffer.concat([data.subarray(0, off), Buffer.alloc(count, byte), data.subarray(off)]);
  }
  writeFileSync(target, data);
  return target;
}

describe("red-team manifest", () => {
  it("has at least 60 entries covering classes 1-6 with neutral file names", () => {
    expect(manifest.length).toBeGreaterThanOrEqual(60);
    expect(new Set(manifest.map((e) => e.class))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(new Set(manifest.map((e) => e.id)).size).toBe(manifest.length);
    for (const e of manifest) expect(e.file).toMatch(/^m\d{2}(\.[a-z0-9]+)*$/);
  });
});

describe.runIf(pythonHas("torch", "numpy", "joblib", "pandas", "dill", "sympy", "lz4"))("every red-team file runs its marker under the real loader", () => {
  it("prove.py: every MARKER_<id> appears", () => {
    const r = runPython([join(HERE, "prove.py"), "--json"], { timeoutMs: 1_800_000 });
    const results = JSON.parse(r.stdout) as Array<{ id: string; fired: boolean; error: string | null }>;
    expect(results.map((x) => x.id)).toEqual(manifest.map((e) => e.id));
    expect(results.filter((x) => !x.fired)).toEqual([]);
  }, 1_800_000);
});

describe("the scanner flags every red-team file at or above high", () => {
  it.each(manifest.map((e) => [`${e.id} (class ${e.class}) ${e.trick.slice(0, 90)}`, e] as const))("%s", async (_name, e) => {
    const path = materialize(e);
    const report = await scan([path], { digest: false });
    const findings = report.files.flatMap((f) => f.findings);
    const worst = Math.max(-1, ...findings.map((f) => severityRank(f.severity)));
    const shown = findings.map((f) => `${f.severity} ${f.ruleId}`).join("; ") || "no findings";
    expect(worst >= severityRank("high"), `${e.id} passed the scanner (${shown})`).toBe(true);
  });
});
