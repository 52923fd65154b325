/**
 * Differential harness: CPython's real loaders (test/differential/recorder.py, a recording find_class that returns
 * inert stand-ins) decide which globals a file makes Python resolve; the scanner must name every one of them in a
 * finding for that file, or vouch for it (classifyGlobal → safe). See README.md in this folder.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyGlobal } from "../../src/analyzers/pickle/classify.js";
import type { Finding } from "../../src/core/finding.js";
import { scan } from "../../src/scan/scan.js";
import { pythonHas, runPython } from "../helpers/python.js";
import { generateMutants } from "./mutants.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const RECORDER = join(HERE, "recorder.py");
const CORPUS = resolve(ROOT, "../shared/corpus");
const SEED = Number(process.env.MODELGATE_DIFF_SEED ?? 20240607);
const MUTANTS = Number(process.env.MODELGATE_DIFF_MUTANTS ?? 600);
const ALL_LOADERS = ["pickle", "pickle-py", "joblib", "torch", "pandas", "numpy"];

type Section = "fixtures" | "baseline" | "corpus" | "mutants" | "cases";

interface Target {
  path: string;
  section: Section;
  /** Mutation class (mutants) or fixture folder. */
  kind: string;
  loaders: string[];
}

interface Recorded {
  id: number;
  path: string;
  loader: string;
  imports: [string, string][];
  mapped: ([string, string] | null)[];
  via: string[];
  notes: string[];
  error: string | null;
}

export interface Divergence {
  section: Section;
  kind: string;
  file: string;
  loader: string;
  name: string;
  via: string;
  scanner: string;
}

/** Which real loaders would plausibly be pointed at a file, from its first bytes and name. */
function loadersFor(path: string): string[] {
  const head = readFileSync(path).subarray(0, 512);
  const lower = path.toLowerCase();
  if (head.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1"))) return ["torch", "numpy", "pickle", ...(lower.endsWith(".zip") ? ["pandas"] : [])];
  if (head.subarray(0, 6).equals(Buffer.from("\x93NUMPY", "latin1"))) return ["numpy", "pickle"];
  const compressed =
    head[0] === 0x1f && head[1] === 0x8b
      ? "gz"
      : head.subarray(0, 3).toString("latin1") === "BZh"
        ? "bz2"
        : head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
          ? "xz"
          : head[0] === 0x78 || (head[0] === 0x5d && head[1] === 0x00)
            ? "zlib/lzma"
            : undefined;
  if (compressed !== undefined) return ["joblib", "pandas", "pickle"];
  if (head.length >= 262 && head.subarray(257, 262).toString("latin1") === "ustar") return ["torch", "pickle", "pickle-py"];
  return ALL_LOADERS;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const NOT_MODELS = /\.(md|py|tsv|txt|json|jinja|j2|yaml|yml|html|onnx|h5|hdf5|gguf|safetensors|ubj|pb|keras)$/i;

function fixtureTargets(): Target[] {
  const out: Target[] = [];
  for (const p of walk(join(ROOT, "test/fixtures/pickle"))) {
    if (!NOT_MODELS.test(p)) out.push({ path: p, section: "fixtures", kind: "pickle", loaders: loadersFor(p) });
  }
  for (const p of walk(join(ROOT, "test/fixtures/baseline"))) {
    if (!NOT_MODELS.test(p)) out.push({ path: p, section: "baseline", kind: basename(dirname(p)), loaders: loadersFor(p) });
  }
  const cases = join(HERE, "cases");
  if (existsSync(cases)) {
    for (const p of walk(cases)) if (p.endsWith(".pkl")) out.push({ path: p, section: "cases", kind: "case", loaders: ["pickle", "pickle-py", "torch", "joblib"] });
  }
  return out;
}

function corpusTargets(): Target[] {
  const out: Target[] = [];
  if (!existsSync(CORPUS)) return out;
  for (const source of readdirSync(CORPUS)) {
    const labels = join(CORPUS, source, "LABELS.tsv");
    if (!existsSync(labels)) continue;
    const rows = readFileSync(labels, "utf8").split("\n").slice(1).filter(Boolean);
    for (const row of rows) {
      const [rel, , format] = row.split("\t");
      if (rel === undefined) continue;
      const p = join(CORPUS, source, rel);
      if (!existsSync(p) || !statSync(p).isFile()) continue;
      if (/jinja|json|yaml|text|tf-|hdf5|safetensors|gguf|onnx/i.test(format ?? "")) continue;
      out.push({ path: p, section: "corpus", kind: `${source}:${format ?? "?"}`, loaders: loadersFor(p) });
    }
  }
  return out;
}

function pickleBases(): { name: string; bytes: Buffer }[] {
  const names = [
    "builtins_p0.pkl",
    "builtins_p2.pkl",
    "builtins_p4.pkl",
    "builtins_p5.pkl",
    "numpy_arrays_p2.pkl",
    "numpy_arrays_p5.pkl",
    "sklearn_pipeline_p2.pkl",
    "sklearn_pipeline_p4.pkl",
    "torch_tensor_plain.pkl",
    "two_streams.pkl",
  ];
  const out = names.map((n) => ({ name: n.replace(/\.pkl$/, ""), bytes: readFileSync(join(ROOT, "test/fixtures/pickle", n)) }));
  for (const n of ["logreg.p2.pkl", "tfidf.p5.pkl"]) {
    const p = join(ROOT, "test/fixtures/baseline/sklearn", n);
    if (existsSync(p)) out.push({ name: n.replace(/\.pkl$/, ""), bytes: readFileSync(p) });
  }
  return out;
}

function namesIn(f: Finding): { module?: string; name?: string; message: string } {
  const ev = f.evidence ?? {};
  return {
    ...(typeof ev.module === "string" ? { module: ev.module } : {}),
    ...(typeof ev.name === "string" ? { name: ev.name } : {}),
    message: f.message,
  };
}

function reports(findings: Finding[], module: string, name: string): boolean {
  const dotted = `${module}.${name}`;
  return findings.some((f) => {
    const n = namesIn(f);
    return (n.module === module && n.name === name) || n.message.includes(dotted);
  });
}

/**
 * Vouched for: on the allowlist, or safe to rebuild (a rebuild-only class; calling one is reported as high, so an
 * import that reaches a call is never silent).
 */
const safe = (m: string, n: string): boolean => {
  const v = classifyGlobal(m, n);
  return v.kind === "safe" || (v.kind === "unknown" && v.rebuildable === true);
};

/** The divergences of one recorded job against the scanner's findings for that file. */
function check(rec: Recorded, target: Target, findings: Finding[], display: string): Divergence[] {
  const out: Divergence[] = [];
  rec.imports.forEach(([m, n], i) => {
    const mapped = rec.mapped[i] ?? null;
    const names: [string, string][] = [[m, n]];
    if (mapped) names.push(mapped);
    // torch's find_class wrapper maps torch.tensor → torch._tensor before the recorder sees the name
    if (rec.loader === "torch" && m === "torch._tensor") names.push(["torch.tensor", n]);
    if (names.some(([a, c]) => reports(findings, a, c))) return;
    if (safe(m, n) && (!mapped || safe(mapped[0], mapped[1]))) return;
    if (rec.loader === "torch" && m === "torch._tensor" && safe("torch.tensor", n)) return;
    const rules = [...new Set(findings.map((f) => f.ruleId))];
    out.push({
      section: target.section,
      kind: target.kind,
      file: display,
      loader: rec.loader,
      name: `${m}.${n}${mapped ? ` (→ ${mapped[0]}.${mapped[1]})` : ""} [${classifyGlobal(m, n).kind}]`,
      via: rec.via[i] ?? "find_class",
      scanner: rules.length > 0 ? rules.slice(0, 4).join(",") + (rules.length > 4 ? ",…" : "") : "no findings",
    });
  });
  return out;
}

function table(rows: Divergence[], limit = 150): string {
  const lines = rows.slice(0, limit).map((d) => `${d.file} | ${d.loader} | ${d.name} | ${d.via} | ${d.scanner}`);
  if (rows.length > limit) lines.push(`… ${rows.length - limit} more`);
  const byKind = new Map<string, number>();
  for (const d of rows) byKind.set(`${d.section}/${d.kind}/${d.loader}`, (byKind.get(`${d.section}/${d.kind}/${d.loader}`) ?? 0) + 1);
  const summary = [...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${v}\t${k}`);
  return [`${rows.length} imports the real loaders resolve that the scanner neither reports nor vouches for:`, "file | loader | name [classifyGlobal] | via | scanner's rules for the file", ...lines, "by section/kind/loader:", ...summary].join("\n");
}

const available = pythonHas("torch", "numpy", "joblib", "pandas", "sklearn");

describe.skipIf(!available)("differential: the real loaders against the scanner", () => {
  let dir = "";
  const targets: Target[] = [];
  const display = new Map<string, string>();
  const divergences: Divergence[] = [];
  let recorded: Recorded[] = [];
  let stats = "";

  beforeAll(async () => {
    const started = Date.now();
    dir = mkdtempSync(join(tmpdir(), "modelgate-differential-"));
    // Snapshot the fixtures and corpus into the temp folder (other work may be regenerating them meanwhile); the
    // copies keep their names, so detection by extension sees the same thing.
    for (const t of [...fixtureTargets(), ...corpusTargets()]) {
      const from = t.path;
      const copy = join(dir, t.section, from.startsWith(ROOT) ? relative(ROOT, from) : relative(CORPUS, from));
      try {
        mkdirSync(dirname(copy), { recursive: true });
        copyFileSync(from, copy);
      } catch {
        continue;
      }
      display.set(copy, from.startsWith(ROOT) ? relative(ROOT, from) : relative(resolve(ROOT, ".."), from));
      targets.push({ ...t, path: copy });
    }
    mkdirSync(join(dir, "mutants"));
    const mutants = generateMutants(pickleBases(), SEED, MUTANTS);
    for (const m of mutants) {
      const p = join(dir, "mutants", m.name);
      writeFileSync(p, m.bytes);
      targets.push({ path: p, section: "mutants", kind: m.kind, loaders: m.loaders });
    }
    for (const t of targets) if (t.section === "mutants") display.set(t.path, `mutant ${basename(t.path)}`);
    const jobs = targets.flatMap((t) => t.loaders.map((loader) => ({ path: t.path, loader })));
    if (process.env.MODELGATE_DIFF_JOBS) writeFileSync(process.env.MODELGATE_DIFF_JOBS, JSON.stringify(jobs));
    const t0 = Date.now();
    const run = runPython([RECORDER, "--timeout", "20", "--workers", "2"], {
      input: JSON.stringify(jobs),
      cwd: dir,
      timeoutMs: 600_000,
      env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    });
    if (run.status !== 0) throw new Error(`recorder failed (${run.status}): ${run.stderr.slice(-2000)}`);
    recorded = run.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Recorded);
    const t1 = Date.now();
    const report = await scan(
      targets.map((t) => t.path),
      { digest: false },
    );
    const t2 = Date.now();
    const findingsOf = new Map<string, Finding[]>();
    for (const f of report.files) {
      const top = targets.find((t) => f.path === t.path || f.path.startsWith(`${t.path}!/`));
      const key = top?.path ?? f.path;
      findingsOf.set(key, [...(findingsOf.get(key) ?? []), ...f.findings]);
    }
    const byPath = new Map(targets.map((t) => [t.path, t]));
    for (const rec of recorded) {
      const t = byPath.get(rec.path);
      if (!t) continue;
      divergences.push(...check(rec, t, findingsOf.get(rec.path) ?? [], display.get(rec.path) ?? rec.path));
    }
    const imports = recorded.reduce((n, r) => n + r.imports.length, 0);
    stats = `${targets.length} files (${mutants.length} mutants), ${jobs.length} loader jobs, ${imports} recorded imports; recorder ${((t1 - t0) / 1000).toFixed(1)} s, scan ${((t2 - t1) / 1000).toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s`;
    console.log(`differential: ${stats}`);
    if (process.env.MODELGATE_DIFF_OUT) {
      writeFileSync(process.env.MODELGATE_DIFF_OUT, JSON.stringify({ stats, divergences, recorded: recorded.map((r) => ({ ...r, file: display.get(r.path) })) }, null, 1));
    }
  }, 300_000);

  afterAll(() => {
    if (dir && !process.env.MODELGATE_DIFF_KEEP) rmSync(dir, { recursive: true, force: true });
    else if (dir) console.log(`differential: mutants kept in ${dir}`);
  });

  it("the recorder answered every job and never let a real find_class run", () => {
    const jobs = targets.reduce((n, t) => n + t.loaders.length, 0);
    expect(recorded.length).toBe(jobs);
    const leaks = recorded.filter((r) => r.via.includes("unintercepted-find_class")).map((r) => `${display.get(r.path)} (${r.loader})`);
    expect(leaks).toEqual([]);
    // the recorder is only useful if the real loaders got somewhere: the fixtures resolve names
    expect(recorded.filter((r) => r.imports.length > 0).length).toBeGreaterThan(100);
  });

  for (const section of ["fixtures", "baseline", "corpus", "cases", "mutants"] as Section[]) {
    it(`${section}: every name a real loader resolves is reported or known-safe`, () => {
      const rows = divergences.filter((d) => d.section === section);
      if (rows.length > 0) console.log(`differential ${section}:\n${table(rows)}`);
      expect(rows, table(rows, 40)).toEqual([]);
    });
  }
});
