/**
 * Whole-process benchmark (issue 13): every case is a separate `node bin/modelgate.js …` process, start-up
 * included, timed with Debian's hyperfine (`hyperfine -N`, no shell) when it is installed, else with a runner of
 * our own (spawn + hrtime); median of `--runs` (default 5). `node -e 0` is the floor. Before the timed runs, one
 * untimed run of every command warms the page cache and measures its peak RSS (GNU time's %M when /usr/bin/time
 * is GNU time, else VmHWM polled from /proc), and for modelgate also records the exit code and the findings, so a
 * fast time that comes from stopping early is visible. References run the same work with other tools on the same
 * files: CPython's pickletools.genops and pickle.load, torch.load(weights_only=True), openssl dgst -sha256.
 * picklescan is a peer column when MODELGATE_BENCH_PICKLESCAN names its source folder (run as
 * `python3 -m picklescan -p PATH` with PYTHONPATH set to it); the column is left out otherwise.
 *
 * usage: node --import tsx bench/whole-process.ts [--runs N] [--case NAME]…   (also: npm run bench -- --whole)
 *   cases: torch, folder, small, dicts, hash (default: all). Env: MODELGATE_BENCH_PYTHON (default
 *   /usr/bin/python3), MODELGATE_BENCH_PICKLESCAN, MODELGATE_BENCH_BIN (the launcher to time instead of this
 *   tree's bin/modelgate.js, e.g. another build to compare with; the report then names it),
 *   MODELGATE_BENCH_OWN_RUNNER=1 (use the fallbacks below even when hyperfine and GNU time are installed).
 * Inputs: bench/out/whole/ (about 2 GiB of disk, for the hashing case; reused when present).
 * Results: printed as Markdown and saved to bench/out/whole-process.{md,json}.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DICTS_EXPRESSION, writeDictsPickle, writePickleFolder, writeRandomFolder, writeSmallPickle, writeSparseTorchZip } from "./whole-inputs.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const ROOT = new URL("../", import.meta.url).pathname;
const OUT = new URL("./out/", import.meta.url).pathname;
const INPUTS = join(OUT, "whole");
/** The CLI launcher to time: this tree's bin/modelgate.js, or MODELGATE_BENCH_BIN (another build, to compare). */
const MODELGATE = process.env.MODELGATE_BENCH_BIN ?? join(ROOT, "bin", "modelgate.js");
let tmp: string | undefined;
/** A scratch folder for hyperfine's and GNU time's output files, made on first use, removed at the end. */
const TMP = (): string => (tmp ??= mkdtempSync(join(tmpdir(), "modelgate-whole-")));

export interface WholeProcessOptions {
  runs?: number;
  /** Case ids to run (torch, folder, small, dicts, hash); all when empty. */
  cases?: string[];
}

interface Timing {
  medianS: number;
  meanS: number;
  minS: number;
  maxS: number;
  timesS: number[];
  exitCodes: number[];
}

interface Measured {
  label: string;
  argv: string[];
  timing: Timing;
  peakRssMiB: number | null;
  /** Exit code of the untimed run. */
  exitCode: number | null;
}

interface ModelgateRun extends Measured {
  /** What the report said: verdict and the distinct severity:rule ids, from a `--format json` run. */
  result: string;
  ok: boolean;
}

interface CaseResult {
  id: string;
  title: string;
  input: string;
  inputBytes: number;
  goal: string;
  runs: ModelgateRun[];
  references: Measured[];
  picklescan?: Measured;
  goalMet: boolean | null;
  goalNote: string;
}

// --------------------------------------------------------------------------------------------- tools

function which(cmd: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${shellQuote(cmd)}`], { encoding: "utf8" });
  const p = r.status === 0 ? r.stdout.trim() : "";
  return p === "" ? undefined : p;
}

function firstLine(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0 || r.error) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split("\n")[0];
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** MODELGATE_BENCH_OWN_RUNNER=1: time with our own runner and poll /proc even when hyperfine and GNU time are there. */
const OWN = process.env.MODELGATE_BENCH_OWN_RUNNER === "1";
const HYPERFINE = OWN ? undefined : ["/usr/bin/hyperfine", which("hyperfine")].find((p): p is string => p !== undefined && existsSync(p));
const GNU_TIME = !OWN && existsSync("/usr/bin/time") && (firstLine("/usr/bin/time", ["--version"]) ?? "").includes("GNU") ? "/usr/bin/time" : undefined;
const PYTHON = process.env.MODELGATE_BENCH_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : which("python3"));
const PICKLESCAN = process.env.MODELGATE_BENCH_PICKLESCAN;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Times `argv` `runs` times with hyperfine -N (no shell, output to /dev/null), or our own spawn loop. */
function time(argv: string[], runs: number, env?: NodeJS.ProcessEnv): Timing {
  if (HYPERFINE) {
    const json = join(TMP(), "hyperfine.json");
    const r = spawnSync(HYPERFINE, ["-N", "--runs", String(runs), "--warmup", "0", "-i", "--style", "none", "--export-json", json, argv.map(shellQuote).join(" ")], {
      encoding: "utf8",
      env: env ?? process.env,
    });
    if (r.status !== 0) throw new Error(`hyperfine failed for ${argv.join(" ")}: ${r.error?.message ?? r.stderr}`);
    const res = (JSON.parse(readFileSync(json, "utf8")) as { results: { median: number; mean: number; min: number; max: number; times: number[]; exit_codes: number[] }[] }).results[0]!;
    return { medianS: res.median, meanS: res.mean, minS: res.min, maxS: res.max, timesS: res.times, exitCodes: res.exit_codes };
  }
  const timesS: number[] = [];
  const exitCodes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: "ignore", env: env ?? process.env });
    timesS.push(Number(process.hrtime.bigint() - t0) / 1e9);
    exitCodes.push(r.status ?? -1);
  }
  return { medianS: median(timesS), meanS: timesS.reduce((a, b) => a + b, 0) / runs, minS: Math.min(...timesS), maxS: Math.max(...timesS), timesS, exitCodes };
}

/** One run of `argv` (output discarded): exit code and peak RSS of that process alone. */
async function peakRss(argv: string[], env?: NodeJS.ProcessEnv): Promise<{ exitCode: number | null; peakRssMiB: number | null }> {
  if (GNU_TIME) {
    // GNU time forks the command from its own small process, so the child's maxrss is the command's own.
    const out = join(TMP(), "time.txt");
    rmSync(out, { force: true });
    const r = spawnSync(GNU_TIME, ["-q", "-f", "%M", "-o", out, ...argv], { stdio: "ignore", env: env ?? process.env });
    const kb = existsSync(out) ? Number(readFileSync(out, "utf8").trim().split("\n").pop()) : NaN;
    return { exitCode: r.status, peakRssMiB: Number.isFinite(kb) && kb > 0 ? kb / 1024 : null };
  }
  // VmHWM polled every 2 ms until the process exits (growth in its last 2 ms can be missed).
  const child = spawn(argv[0]!, argv.slice(1), { stdio: "ignore", env: env ?? process.env });
  let kb = 0;
  const poll = (): void => {
    try {
      const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) kb = Math.max(kb, Number(m[1]));
    } catch {
      // exited
    }
  };
  const timer = setInterval(poll, 2);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.on("exit", (code) => resolve(code));
    child.on("error", () => resolve(null)); // could not start it
  });
  clearInterval(timer);
  return { exitCode, peakRssMiB: kb > 0 ? kb / 1024 : null };
}

async function measure(label: string, argv: string[], runs: number, env?: NodeJS.ProcessEnv): Promise<Measured> {
  const untimed = await peakRss(argv, env);
  const timing = time(argv, runs, env);
  return { label, argv, timing, ...untimed };
}

// --------------------------------------------------------------------------------------------- modelgate

interface JsonReport {
  summary?: { failed?: boolean; verdict?: string } & Record<string, unknown>;
  files?: { findings?: { ruleId: string; severity: string }[] }[];
}

/** What modelgate answers for `args` (a scan): exit code, and the findings of the same scan as JSON. */
function scanResult(args: string[]): { result: string; ok: boolean } {
  const out = join(TMP(), "report.json");
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [MODELGATE, ...args, "--format", "json", "--output", out, "--quiet"], { encoding: "utf8" });
  if (!existsSync(out)) return { result: `exit ${r.status}: ${(r.stderr || "no report").trim().split("\n")[0]}`, ok: false };
  const report = JSON.parse(readFileSync(out, "utf8")) as JsonReport;
  const files = report.files ?? [];
  const counts = new Map<string, number>();
  for (const f of files) for (const x of f.findings ?? []) counts.set(`${x.severity}:${x.ruleId}`, (counts.get(`${x.severity}:${x.ruleId}`) ?? 0) + 1);
  const serious = [...counts.keys()].filter((k) => /^(critical|high):/.test(k));
  const list = [...counts.entries()]
    .sort()
    .map(([k, n]) => (n > 1 ? `${k} ×${n}` : k))
    .join(", ");
  return { result: `exit ${r.status}, ${files.length} file${files.length === 1 ? "" : "s"}, ${list || "no findings"}`, ok: r.status === 0 && serious.length === 0 };
}

async function modelgate(label: string, args: string[], runs: number): Promise<ModelgateRun> {
  const m = await measure(label, [process.execPath, MODELGATE, ...args], runs);
  if (args[0] === "scan") return { ...m, ...scanResult(args) };
  const out = spawnSync(process.execPath, [MODELGATE, ...args, "--quiet"], { encoding: "utf8" });
  const answer = out.stdout.trim().replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, "$1…");
  return { ...m, result: `exit ${out.status}, ${answer.slice(0, 80) || out.stderr.trim().split("\n")[0]}`, ok: out.status === 0 };
}

// --------------------------------------------------------------------------------------------- references

const GENOPS_ZIP = "import sys, zipfile, pickletools\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist():\n    if n.endswith('/data.pkl'):\n        for _ in pickletools.genops(z.read(n)): pass";
const GENOPS_FILE = "import sys, pickletools\nfor _ in pickletools.genops(open(sys.argv[1], 'rb')): pass";
const GENOPS_DIR = "import sys, os, pickletools\nd = sys.argv[1]\nfor f in sorted(os.listdir(d)):\n    with open(os.path.join(d, f), 'rb') as fh:\n        for _ in pickletools.genops(fh): pass";
const PICKLE_LOAD = "import sys, pickle\npickle.load(open(sys.argv[1], 'rb'))";
const TORCH_LOAD = "import sys, torch\ntorch.load(sys.argv[1], weights_only=True)";

const hasTorch = (): boolean => PYTHON !== undefined && spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;

async function picklescan(path: string, runs: number): Promise<Measured | undefined> {
  if (!PICKLESCAN || !PYTHON) return undefined;
  const env = { ...process.env, PYTHONPATH: PICKLESCAN };
  return measure("picklescan -p", [PYTHON, "-m", "picklescan", "-p", path], runs, env);
}

// --------------------------------------------------------------------------------------------- cases

interface Ctx {
  runs: number;
  floorS: number;
}

const sec = (s: number): string => `${s.toFixed(s < 1 ? 3 : 2)} s`;
const mib = (m: number | null): string => (m === null ? "—" : `${m.toFixed(0)} MiB`);

/** A time goal on every modelgate run of the case that must also be a clean, complete scan. */
function timeGoal(c: CaseResult, maxS: number, maxRssBytes?: number): void {
  const notes: string[] = [];
  let met = true;
  for (const r of c.runs) {
    if (!r.ok) {
      met = false;
      notes.push(`${r.label}: did not scan cleanly (${r.result})`);
    }
    if (r.timing.medianS > maxS) {
      met = false;
      notes.push(`${r.label}: ${sec(r.timing.medianS)} > ${maxS} s`);
    }
    if (maxRssBytes !== undefined && (r.peakRssMiB === null || r.peakRssMiB * MiB > maxRssBytes)) {
      met = false;
      notes.push(`${r.label}: peak ${mib(r.peakRssMiB)} > ${(maxRssBytes / 1e6).toFixed(0)} MB`);
    }
  }
  c.goalMet = met;
  c.goalNote = notes.join("; ");
}

async function caseTorch(ctx: Ctx): Promise<CaseResult> {
  const file = join(INPUTS, "torch-1g-sparse.pt");
  const size = writeSparseTorchZip(file);
  const refs: Measured[] = [];
  if (PYTHON) {
    refs.push(await measure("python3 zipfile + pickletools.genops(data.pkl)", [PYTHON, "-c", GENOPS_ZIP, file], ctx.runs));
    if (hasTorch()) refs.push(await measure("python3 torch.load(weights_only=True)", [PYTHON, "-c", TORCH_LOAD, file], ctx.runs));
  }
  const c: CaseResult = {
    id: "torch",
    title: "one 1 GiB PyTorch zip checkpoint (16 layers, storages all zeros, sparse file)",
    input: file,
    inputBytes: size,
    goal: "≤ 0.12 s",
    runs: [await modelgate("scan --no-digest", ["scan", file, "--no-digest"], ctx.runs)],
    references: refs,
    goalMet: null,
    goalNote: "",
  };
  const ps = await picklescan(file, ctx.runs);
  if (ps) c.picklescan = ps;
  timeGoal(c, 0.12);
  return c;
}

async function caseFolder(ctx: Ctx): Promise<CaseResult | undefined> {
  if (!PYTHON) return undefined;
  const dir = join(INPUTS, "pickles-1000");
  const size = writePickleFolder(PYTHON, dir, 1000, 4000);
  const c: CaseResult = {
    id: "folder",
    title: "a folder of 1,000 small pickles (CPython protocol 4, about 4 KB each)",
    input: dir,
    inputBytes: size,
    goal: "≤ 0.2 s",
    runs: [await modelgate("scan DIR --no-digest", ["scan", dir, "--no-digest"], ctx.runs), await modelgate("scan DIR (digest on)", ["scan", dir], ctx.runs)],
    references: [await measure("python3 pickletools.genops over every file", [PYTHON, "-c", GENOPS_DIR, dir], ctx.runs)],
    goalMet: null,
    goalNote: "",
  };
  const ps = await picklescan(dir, ctx.runs);
  if (ps) c.picklescan = ps;
  timeGoal(c, 0.2);
  return c;
}

async function caseSmall(ctx: Ctx): Promise<CaseResult | undefined> {
  if (!PYTHON) return undefined;
  const file = join(INPUTS, "small-1k.pkl");
  const size = writeSmallPickle(PYTHON, file, 1000);
  const c: CaseResult = {
    id: "small",
    title: "one 1 KB pickle",
    input: file,
    inputBytes: size,
    goal: "≤ 0.1 s",
    runs: [await modelgate("scan", ["scan", file], ctx.runs)],
    references: [
      await measure("python3 pickletools.genops", [PYTHON, "-c", GENOPS_FILE, file], ctx.runs),
      await measure("python3 pickle.load", [PYTHON, "-c", PICKLE_LOAD, file], ctx.runs),
    ],
    goalMet: null,
    goalNote: "",
  };
  const ps = await picklescan(file, ctx.runs);
  if (ps) c.picklescan = ps;
  timeGoal(c, 0.1);
  return c;
}

async function caseDicts(ctx: Ctx): Promise<CaseResult | undefined> {
  if (!PYTHON) return undefined;
  const file = join(INPUTS, "dicts-1m.pkl");
  const size = writeDictsPickle(PYTHON, file, 1_000_000);
  const c: CaseResult = {
    id: "dicts",
    title: `a 47 MB protocol-4 pickle of 1M small dicts (\`pickle.dumps(${DICTS_EXPRESSION.replace("N", "1_000_000")}, protocol=4)\`)`,
    input: file,
    inputBytes: size,
    goal: "≤ 0.5 s, ≤ 300 MB",
    runs: [await modelgate("scan", ["scan", file], ctx.runs)],
    references: [
      await measure("python3 pickle.load", [PYTHON, "-c", PICKLE_LOAD, file], ctx.runs),
      await measure("python3 pickletools.genops", [PYTHON, "-c", GENOPS_FILE, file], ctx.runs),
    ],
    goalMet: null,
    goalNote: "",
  };
  const ps = await picklescan(file, ctx.runs);
  if (ps) c.picklescan = ps;
  timeGoal(c, 0.5, 300e6);
  return c;
}

async function caseHash(ctx: Ctx): Promise<CaseResult | undefined> {
  const dir = join(INPUTS, "hash-4x512mib");
  const files = writeRandomFolder(dir, 4, 512 * MiB);
  const refs: Measured[] = [];
  if (which("openssl") && which("xargs")) {
    // As bench/hash.ts does: openssl over the same files, one process per file, as many at once as there are cores.
    const par = String(cpus().length);
    const script = `printf '%s\\0' "$@" | xargs -0 -P ${par} -n 1 openssl dgst -sha256 > /dev/null`;
    refs.push(await measure(`openssl dgst -sha256, ${par} in parallel (xargs -P ${par})`, ["sh", "-c", script, "sh", ...files], ctx.runs));
    refs.push(await measure("openssl dgst -sha256, one process", ["openssl", "dgst", "-sha256", ...files], ctx.runs));
  } else process.stderr.write("whole-process: openssl (or xargs) not found: the hashing case has no reference\n");
  const c: CaseResult = {
    id: "hash",
    title: "`modelgate hash`, 4 × 512 MiB of random data (page cache warm)",
    input: dir,
    inputBytes: files.reduce((n, f) => n + statSync(f).size, 0),
    goal: "≥ 0.9× openssl",
    runs: [await modelgate("hash DIR", ["hash", dir], ctx.runs)],
    references: refs,
    goalMet: null,
    goalNote: "",
  };
  const ssl = refs[0];
  const ours = c.runs[0]!;
  if (ssl) {
    const ratio = ssl.timing.medianS / ours.timing.medianS;
    c.goalMet = ours.ok && ratio >= 0.9;
    c.goalNote = `${ratio.toFixed(2)}× openssl in parallel${ours.ok ? "" : `; ${ours.result}`}`;
  } else c.goalNote = "no openssl to compare with";
  return c;
}

const CASES: Record<string, (ctx: Ctx) => Promise<CaseResult | undefined>> = {
  torch: caseTorch,
  folder: caseFolder,
  small: caseSmall,
  dicts: caseDicts,
  hash: caseHash,
};

// --------------------------------------------------------------------------------------------- report

/** What was timed: this tree's commit (marked when src/ or bin/ has uncommitted changes), or MODELGATE_BENCH_BIN. */
function subject(): string {
  return process.env.MODELGATE_BENCH_BIN ? `${MODELGATE} (MODELGATE_BENCH_BIN)` : gitCommit();
}

function gitCommit(): string {
  const head = firstLine("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]) ?? "unknown";
  const dirty = spawnSync("git", ["-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", "src", "bin"], { encoding: "utf8" }).stdout.trim() !== "";
  return dirty ? `${head} + uncommitted changes in src/ or bin/` : head;
}

const fmtSize = (n: number): string => (n >= GiB ? `${(n / GiB).toFixed(2)} GiB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 10_000 ? `${(n / 1e3).toFixed(0)} kB` : `${n} B`);
const timed = (m: Measured): string => `${sec(m.timing.medianS)}, ${mib(m.peakRssMiB)}${m.exitCode === 0 || m.exitCode === null ? "" : ` (exit ${m.exitCode})`}`;

/** picklescan's version from the setup.cfg beside its src/ folder, when there is one. */
function picklescanVersionOf(src: string): string {
  try {
    return /^version\s*=\s*(\S+)/m.exec(readFileSync(join(src, "..", "setup.cfg"), "utf8"))?.[1] ?? "";
  } catch {
    return "";
  }
}

export async function runWholeProcess(opts: WholeProcessOptions = {}): Promise<void> {
  const runs = opts.runs ?? 5;
  const ids = opts.cases && opts.cases.length > 0 ? opts.cases : Object.keys(CASES);
  const unknown = ids.filter((id) => !(id in CASES));
  if (unknown.length > 0) throw new Error(`whole-process: unknown case ${unknown.join(", ")} (cases: ${Object.keys(CASES).join(", ")})`);
  if (process.env.MODELGATE_BENCH_BIN ? !existsSync(MODELGATE) : !existsSync(join(ROOT, "dist", "cli", "main.js")))
    throw new Error(process.env.MODELGATE_BENCH_BIN ? `whole-process: MODELGATE_BENCH_BIN=${MODELGATE} does not exist` : "whole-process: dist/ is missing: run `npm run build` first (npm run bench does)");
  mkdirSync(INPUTS, { recursive: true });
  if (!HYPERFINE) process.stderr.write("whole-process: hyperfine not found: timing with our own runner (spawn + hrtime)\n");
  if (!GNU_TIME) process.stderr.write("whole-process: GNU time not found: peak RSS is VmHWM polled from /proc every 2 ms\n");
  if (!PYTHON) process.stderr.write("whole-process: python3 not found: the pickle cases (folder, small, dicts) need it to write their inputs and are skipped; no CPython references\n");
  if (!PICKLESCAN) process.stderr.write("whole-process: MODELGATE_BENCH_PICKLESCAN is not set: no picklescan column\n");
  else if (!existsSync(join(PICKLESCAN, "picklescan"))) throw new Error(`whole-process: MODELGATE_BENCH_PICKLESCAN=${PICKLESCAN} has no picklescan/ package folder`);

  const started = new Date();
  const loadAtStart = loadavg();
  const t0 = Date.now();
  const floor = await measure("node -e 0", [process.execPath, "-e", "0"], runs);
  const pyFloor = PYTHON ? await measure("python3 -c pass", [PYTHON, "-c", "pass"], runs) : undefined;
  const ctx: Ctx = { runs, floorS: floor.timing.medianS };
  const results: CaseResult[] = [];
  for (const id of ids) {
    process.stderr.write(`whole-process: ${id}…\n`);
    const c = await CASES[id]!(ctx);
    if (!c) {
      process.stderr.write(`whole-process: ${id} skipped (needs python3)\n`);
      continue;
    }
    results.push(c);
    for (const r of c.runs) process.stderr.write(`  modelgate ${r.label}: ${timed(r)} — ${r.result}\n`);
    for (const r of [...c.references, ...(c.picklescan ? [c.picklescan] : [])]) process.stderr.write(`  ${r.label}: ${timed(r)}\n`);
  }

  const cpu = cpus();
  const picklescanVersion = PICKLESCAN ? picklescanVersionOf(PICKLESCAN) : "";
  const tools = [
    HYPERFINE ? firstLine(HYPERFINE, ["--version"]) : "own runner (spawn + hrtime)",
    GNU_TIME ? "peak RSS from GNU time (%M)" : "peak RSS from /proc VmHWM polling",
    PYTHON ? `Python ${(firstLine(PYTHON, ["--version"]) ?? "").replace(/^Python /, "")}` : undefined,
    PYTHON && hasTorch() ? `torch ${firstLine(PYTHON, ["-c", "import torch; print(torch.__version__)"])}` : undefined,
    which("openssl") ? firstLine("openssl", ["version"]) : undefined,
  ].filter(Boolean);
  const machine = `${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${(totalmem() / GiB).toFixed(0)} GiB RAM, Node ${process.version}`;
  const load = `load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")} at the start (other work on the machine makes every figure slower)`;
  const psHeader = PICKLESCAN ? ` picklescan${picklescanVersion ? ` ${picklescanVersion}` : ""} (\`-p\`) |` : "";
  const lines = [
    `Whole-process benchmark, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, modelgate ${subject()}`,
    `Machine: ${machine}; ${tools.join(", ")}; ${load}.`,
    `Each command is its own process, median of ${runs} runs after one untimed run (page cache warm; that run gives the peak RSS).` +
      ` Floor: \`node -e 0\` ${timed(floor)}${pyFloor ? `; \`python3 -c pass\` ${timed(pyFloor)}` : ""}.`,
    "",
    `| case | input | modelgate command | median | peak RSS | modelgate's answer | floor \`node -e 0\` | reference(s): median, peak RSS |${psHeader} goal | met |`,
    `|---|---|---|---|---|---|---|---|${PICKLESCAN ? "---|" : ""}---|---|`,
  ];
  for (const c of results) {
    c.runs.forEach((r, i) => {
      const first = i === 0;
      const refs = first ? c.references.map((m) => `${m.label}: ${timed(m)}`).join("; ") || "—" : "″";
      const ps = PICKLESCAN ? ` ${first ? (c.picklescan ? timed(c.picklescan) : "—") : "″"} |` : "";
      const met = first ? (c.goalMet === null ? "—" : c.goalMet ? "yes" : `**no**${c.goalNote ? ` (${c.goalNote})` : ""}`) : "″";
      const note = first && c.goalMet && c.goalNote ? ` (${c.goalNote})` : "";
      lines.push(
        `| ${first ? c.title : "″"} | ${first ? fmtSize(c.inputBytes) : "″"} | \`${r.label}\` | ${sec(r.timing.medianS)} | ${mib(r.peakRssMiB)} | ${r.result} | ${first ? sec(floor.timing.medianS) : "″"} | ${refs} |${ps} ${first ? c.goal : "″"} | ${met}${note} |`,
      );
    });
  }
  const wallS = (Date.now() - t0) / 1000;
  lines.push("", `Benchmark wall time ${wallS.toFixed(0)} s.`);
  const table = lines.join("\n");
  writeFileSync(join(OUT, "whole-process.md"), `${table}\n`);
  writeFileSync(
    join(OUT, "whole-process.json"),
    `${JSON.stringify({ date: started.toISOString(), modelgate: subject(), machine, loadAverageAtStart: loadAtStart, tools, runs, floor, pythonFloor: pyFloor, results, wallS }, null, 2)}\n`,
  );
  rmSync(TMP(), { recursive: true, force: true });
  tmp = undefined;
  process.stdout.write(`${table}\n`);
}

/** Options from argv: --runs N, --case NAME (repeatable). Unknown arguments are an error. */
export function parseWholeProcessArgs(args: string[]): WholeProcessOptions {
  const { values } = parseArgs({ args, options: { runs: { type: "string" }, case: { type: "string", multiple: true } }, strict: true });
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
  return { ...(runs === undefined ? {} : { runs }), cases: values.case ?? [] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await runWholeProcess(parseWholeProcessArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
