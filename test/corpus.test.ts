/**
 * Labelled corpus (../shared/corpus, from the picklescan, modelscan and ModelAudit test suites): every
 * `malicious` file must fail the default gate (a finding ≥ high) and every `benign` file must pass it.
 * Skipped when the corpus is not beside the repository; the project also tests without it.
 *
 * A second suite runs the built CLI on a few corpus files to check the exit-code contract end to end.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Finding } from "../src/core/finding.js";
import { meetsGate } from "../src/core/severity.js";
import { scan } from "../src/scan/scan.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** ../shared/corpus beside the repository; MODELGATE_CORPUS points elsewhere. */
const CORPUS = resolve(process.env.MODELGATE_CORPUS ?? join(ROOT, "..", "shared", "corpus"));
const HAVE_CORPUS = existsSync(CORPUS);

type Expected = "malicious" | "benign";

interface Override {
  expected: Expected;
  /** Why the expectation differs from the label. */
  why: string;
  /** The rule the reason names: it must be among the findings. */
  rule?: string;
}

interface Row {
  /** Path relative to the corpus root: <source>/<path in LABELS.tsv>. */
  path: string;
  label: string;
  what: string;
  expected: Expected;
  override?: Override;
}

/**
 * Labels that conflict with modelgate's fail-closed principle ("could not be verified" is never "clean").
 * Each entry says why; keep the list short and reviewed.
 */
const EXPECTED_OVERRIDES: Record<string, Override> = {
  "modelscan/tests/data/password_protected.zip": {
    expected: "malicious",
    why:
      "labelled benign (skip gracefully), but an encrypted member cannot be inspected and anyone with the password " +
      "can extract and load it: modelgate reports scanner/encrypted-content (high)",
    rule: "scanner/encrypted-content",
  },
  "picklescan/tests/data/benign_password_protected.zip": {
    expected: "malicious",
    why:
      "labelled benign (degrade gracefully), but an encrypted member cannot be inspected and anyone with the " +
      "password can extract and load it: modelgate reports scanner/encrypted-content (high)",
    rule: "scanner/encrypted-content",
  },
};

/** Reads every LABELS.tsv (one per source) into rows; directories listed there are skipped. */
function readLabels(): Row[] {
  if (!HAVE_CORPUS) return [];
  const rows: Row[] = [];
  for (const source of readdirSync(CORPUS).sort()) {
    const labels = join(CORPUS, source, "LABELS.tsv");
    if (!existsSync(labels)) continue;
    const lines = readFileSync(labels, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
    const header = (lines.shift() ?? "").split("\t");
    const col = (name: string): number => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`${labels}: no "${name}" column`);
      return i;
    };
    const [iPath, iLabel, iWhat] = [col("path"), col("label"), col("what_it_does")];
    for (const line of lines) {
      const cells = line.split("\t");
      const path = `${source}/${cells[iPath] ?? ""}`;
      const full = join(CORPUS, path);
      if (existsSync(full) && statSync(full).isDirectory()) continue;
      const label = cells[iLabel] ?? "";
      const override = EXPECTED_OVERRIDES[path];
      // `malformed` files cannot be verified: fail closed, like malicious ones.
      const expected: Expected = override?.expected ?? (label === "benign" ? "benign" : "malicious");
      rows.push({ path, label, what: cells[iWhat] ?? "", expected, ...(override ? { override } : {}) });
    }
  }
  return rows;
}

const ROWS = readLabels();

function describeFinding(f: Finding): string {
  return `${f.severity} ${f.ruleId}${f.location.member ? ` [${f.location.member}]` : ""}: ${f.message}`;
}

function testName(r: Row): string {
  const what = r.what.length > 110 ? `${r.what.slice(0, 107)}...` : r.what;
  const label = r.override ? `${r.label}→${r.expected} (override)` : r.label;
  return `${label} ${r.path} — ${what}`;
}

describe.skipIf(!HAVE_CORPUS)(`labelled corpus (${HAVE_CORPUS ? CORPUS : `${CORPUS} not found: skipped`})`, () => {
  it("has labelled files, and every override names a labelled file", () => {
    expect(ROWS.length).toBeGreaterThan(0);
    for (const p of Object.keys(EXPECTED_OVERRIDES)) expect(ROWS.map((r) => r.path)).toContain(p);
    for (const r of ROWS) expect(["malicious", "benign", "malformed"], `${r.path} label`).toContain(r.label);
  });

  for (const row of ROWS) {
    it(testName(row), async () => {
      const report = await scan([join(CORPUS, row.path)]);
      const findings = report.files.flatMap((f) => f.findings);
      const all = findings.map(describeFinding).join("\n") || "(no findings)";
      if (row.expected === "malicious") {
        expect(report.summary.failed, `expected a finding ≥ high; got:\n${all}`).toBe(true);
        const rule = row.override?.rule;
        if (rule) expect(findings.map((f) => f.ruleId), `the override's reason: ${row.override?.why ?? ""}`).toContain(rule);
      } else {
        const blocking = findings.filter((f) => meetsGate(f.severity, "high")).map(describeFinding);
        expect(blocking, `a benign file must not fail the default gate; findings ≥ high:\n${blocking.join("\n")}\n`).toEqual([]);
        expect(report.summary.failed).toBe(false);
      }
    });
  }
});

// ----------------------------------------------------------------------------------------------
// CLI exit codes, end to end: `node bin/modelgate.js scan <file>` (needs `npm run build`; a stale dist/
// tests stale code). Each case is a child process: they run concurrently.
// ----------------------------------------------------------------------------------------------

const CLI_BUILT = existsSync(join(ROOT, "dist", "cli", "main.js"));
const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, "bin", "modelgate.js"), ...args], {
      cwd: ROOT,
      timeout: 30_000,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: unknown; killed?: boolean; stdout?: string; stderr?: string };
    if (err.killed) throw new Error(`modelgate ${args.join(" ")} did not exit within 30 s (a handle left open?)`, { cause: e });
    if (typeof err.code !== "number") throw e;
    return { code: err.code, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/**
 * A handful of files covering each verdict: raw pickle, container member, clean data, and HDF5 (its
 * analyzer runs worker threads, which must not keep the process from exiting).
 */
const CLI_CASES: ReadonlyArray<{ file: string; code: 0 | 1 }> = [
  { file: "picklescan/tests/data/malicious2_v4.pkl", code: 1 },
  { file: "picklescan/tests/data/malicious1.zip", code: 1 },
  { file: "modelscan/tests/data/unsafe_zip_pytorch.pt", code: 1 },
  { file: "modelaudit/tests/assets/samples/keras/malicious_lambda.h5", code: 1 },
  { file: "picklescan/tests/data/benign0_v4.pkl", code: 0 },
  { file: "picklescan/tests/data2/int_array.npy", code: 0 },
  { file: "picklescan/tests/data/new_pytorch_model.bin", code: 0 },
  { file: "modelaudit/tests/assets/samples/keras/safe_model.h5", code: 0 },
];

describe.skipIf(!CLI_BUILT)(`CLI exit codes${CLI_BUILT ? "" : " (dist/cli/main.js not built: run `npm run build`; skipped)"}`, () => {
  describe.skipIf(!HAVE_CORPUS)("on corpus files", () => {
    for (const c of CLI_CASES) {
      it.concurrent(`modelgate scan ${c.file} exits ${c.code}`, async ({ expect }) => {
        const r = await cli(["scan", "--quiet", "--format", "json", join(CORPUS, c.file)]);
        expect(r.code, r.stderr).toBe(c.code);
        const report = JSON.parse(r.stdout) as { summary: { failed: boolean } };
        expect(report.summary.failed).toBe(c.code === 1);
      });
    }

    it.concurrent("exits 1 when any one of several files is flagged", async ({ expect }) => {
      const r = await cli(["scan", "--quiet", ...CLI_CASES.map((c) => join(CORPUS, c.file))]);
      expect(r.code, r.stderr).toBe(1);
    });

    it.concurrent("--fail-on critical lets a high-only finding pass (exit 0) but not a critical one", async ({ expect }) => {
      const enc = await cli(["scan", "--quiet", "--fail-on", "critical", join(CORPUS, "picklescan/tests/data/benign_password_protected.zip")]);
      expect(enc.code, enc.stderr).toBe(0);
      const evil = await cli(["scan", "--quiet", "--fail-on", "critical", join(CORPUS, "picklescan/tests/data/malicious2_v4.pkl")]);
      expect(evil.code, evil.stderr).toBe(1);
    });
  });

  it.concurrent("exits 2 for a path that does not exist", async ({ expect }) => {
    const r = await cli(["scan", "--quiet", join(ROOT, "no-such-model.pkl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-model\.pkl/);
  });

  it.concurrent("exits 2 for a usage error (unknown option, missing path)", async ({ expect }) => {
    expect((await cli(["scan", "--no-such-option", "x"])).code).toBe(2);
    expect((await cli(["scan"])).code).toBe(2);
    expect((await cli(["scan", "--fail-on", "severe", "x"])).code).toBe(2);
  });

  it.concurrent("exits 0 on a clean file from the baseline", async ({ expect }) => {
    const r = await cli(["scan", "--quiet", join(ROOT, "test", "fixtures", "baseline", "numpy", "numeric.npy")]);
    expect(r.code, r.stderr).toBe(0);
  });
});
