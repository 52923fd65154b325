/**
 * `npm run bench:hash`: model-signing hashing throughput and peak memory on a generated model folder
 * (bench/out/hash-model/, not committed; default 4 GiB in 8 files of random data), against
 * `openssl dgst -sha256` run over the same files in parallel on all cores (xargs -P), on the same run.
 * Each figure is the best of ROUNDS interleaved runs (the machine may be shared). Goals: ≥ 0.9× openssl,
 * peak RSS < 200 MB. Options: --gib N (total size), --files N, --rounds N.
 * Results: printed as Markdown and saved to bench/out/hash-results.{json,md}.
 */
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const OUT = new URL("./out/", import.meta.url).pathname;

const { values } = parseArgs({ options: { gib: { type: "string", default: "4" }, files: { type: "string", default: "8" }, rounds: { type: "string", default: "3" } } });
const totalBytes = Math.round(Number(values.gib) * GiB);
const fileCount = Number(values.files);
const rounds = Number(values.rounds);
const DIR = join(OUT, "hash-model");

/** Writes `size` bytes of random data in 8 MiB chunks (never the whole file in memory). */
function writeRandomFile(path: string, size: number): void {
  const chunk = Buffer.allocUnsafe(8 * MiB);
  const fd = openSync(path, "w");
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(chunk.length, size - done);
      randomFillSync(chunk, 0, n);
      writeSync(fd, chunk, 0, n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

function makeModel(): string[] {
  const per = Math.floor(totalBytes / fileCount);
  const names = Array.from({ length: fileCount }, (_, i) => `model-${String(i + 1).padStart(5, "0")}-of-${String(fileCount).padStart(5, "0")}.safetensors`);
  const ok = existsSync(DIR) && readdirSync(DIR).length === fileCount && names.every((n) => existsSync(join(DIR, n)) && statSync(join(DIR, n)).size === per);
  if (!ok) {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    process.stderr.write(`generating ${fileCount} × ${(per / MiB).toFixed(0)} MiB in ${DIR}…\n`);
    for (const n of names) writeRandomFile(join(DIR, n), per);
  }
  return names.map((n) => join(DIR, n));
}

interface Case {
  durationMs: number;
  cpuMs: number;
  subject: string;
  maxRssMiB: number;
}

function runCase(mode: string): Case {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "hash-case.ts"), DIR, mode], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`hash case ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Case;
}

/** Wall and CPU time (children included, via bash's `time`) of openssl dgst -sha256 over the files, all cores. */
function opensslParallel(files: string[]): { durationMs: number; cpuMs: number } {
  const script = `TIMEFORMAT='%R %U %S'; time (xargs -0 -P ${availableParallelism()} -n 1 openssl dgst -sha256 > /dev/null)`;
  const r = spawnSync("bash", ["-c", script], { input: files.join("\0"), encoding: "utf8" });
  const t = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !t) throw new Error(`openssl dgst failed: ${r.stderr}`);
  return { durationMs: Number(t[1]) * 1000, cpuMs: (Number(t[2]) + Number(t[3])) * 1000 };
}

const files = makeModel();
// One untimed pass so every contender starts from a warm page cache.
opensslParallel(files);

const MODES = [
  ["files-sha256", "hashModel, files method, sha256 (worker threads)"],
  ["shards-sha256", "hashModel, shards method (256 MiB shards), sha256"],
  ["files-blake2b", "hashModel, files method, blake2b"],
  ["streams-sha256", "alternative: concurrent streams, hashed on the main thread"],
] as const;
const runs: Record<string, Case[]> = {};
const openssl: { durationMs: number; cpuMs: number }[] = [];
for (let round = 0; round < rounds; round++) {
  openssl.push(opensslParallel(files));
  process.stderr.write(`round ${round + 1}: openssl ${(openssl.at(-1)!.durationMs / 1000).toFixed(2)} s\n`);
  for (const [mode] of MODES) {
    const c = runCase(mode);
    (runs[mode] ??= []).push(c);
    process.stderr.write(`round ${round + 1}: ${mode} ${(c.durationMs / 1000).toFixed(2)} s, ${c.maxRssMiB.toFixed(0)} MiB\n`);
  }
}
// Fastest run for time; highest peak RSS over all runs for memory.
const best = Object.fromEntries(
  Object.entries(runs).map(([mode, cs]) => [mode, { ...cs.reduce((a, b) => (b.durationMs < a.durationMs ? b : a)), maxRssMiB: Math.max(...cs.map((c) => c.maxRssMiB)) }]),
) as Record<string, Case>;
for (const [mode, cs] of Object.entries(runs)) if (new Set(cs.map((c) => c.subject)).size !== 1) throw new Error(`${mode}: runs disagree on the subject digest`);
if (best["files-sha256"]!.subject !== best["streams-sha256"]!.subject) throw new Error("the two sha256 designs disagree on the subject digest");

const sslMs = Math.min(...openssl.map((o) => o.durationMs));
const sslCpuMs = Math.min(...openssl.map((o) => o.cpuMs));
const size = files.length * statSync(files[0]!).size;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const rate = (ms: number): string => `${(size / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / GiB).toFixed(0)} GiB RAM, Node ${process.version}, ${spawnSync("openssl", ["version"], { encoding: "utf8" }).stdout.trim()}`;
const rows = [
  `| openssl dgst -sha256, ${availableParallelism()} in parallel (xargs -P) | ${sec(sslMs)} | ${rate(sslMs)} | 1.00× | ${sec(sslCpuMs)} | 1.00× | — | reference |`,
  ...MODES.map(([mode, label]) => {
    const c = best[mode]!;
    const cpu = Math.min(...runs[mode]!.map((r) => r.cpuMs));
    const goal = mode === "files-sha256" || mode === "shards-sha256" ? "≥ 0.9×, < 200 MB" : "";
    return `| ${label} | ${sec(c.durationMs)} | ${rate(c.durationMs)} | ${(sslMs / c.durationMs).toFixed(2)}× | ${sec(cpu)} | ${(sslCpuMs / cpu).toFixed(2)}× | ${c.maxRssMiB.toFixed(0)} MiB | ${goal} |`;
  }),
];
const table = [
  `Machine: ${machine}`,
  `Model: ${files.length} files, ${(size / GiB).toFixed(2)} GiB of random data (page cache warm); best of ${rounds} interleaved rounds.`,
  "Speed = openssl time / our time (wall clock, higher is better); CPU = the same over CPU seconds (steadier on a busy machine).",
  "",
  "| hashing | wall time | throughput | speed vs openssl | CPU time | CPU vs openssl | peak RSS | goal |",
  "|---|---|---|---|---|---|---|---|",
  ...rows,
].join("\n");
writeFileSync(join(OUT, "hash-results.json"), JSON.stringify({ machine, size, files: files.length, rounds, opensslMs: openssl, runs }, null, 2));
writeFileSync(join(OUT, "hash-results.md"), `${table}\n`);
process.stdout.write(`${table}\n`);
