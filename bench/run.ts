/**
 * `npm run bench`: scanner benchmarks on generated large inputs (bench/out/, not committed).
 * In-process cases: each runs in a fresh process calling scan(); figures are printed as a Markdown table and
 * saved to bench/out/results.{json,md}. Reference: `openssl dgst -sha256` over the same file on the same run.
 * Then the whole-process benchmark (bench/whole-process.ts): `node bin/modelgate.js …` timed as a process,
 * saved to bench/out/whole-process.{json,md}.
 *
 * usage: npm run bench [-- [NAME…] [--whole | --no-whole] [--runs N] [--case ID]…]
 *   NAME…       only the in-process cases whose input file name contains NAME (and no whole-process cases)
 *   --whole     only the whole-process benchmark; --no-whole: only the in-process cases
 *   --runs, --case: whole-process options (runs per command, default 5; cases torch, folder, small, dicts, hash)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  writeDensePickle,
  writeGzipBomb,
  writeHugeLength,
  writeMemoBomb,
  writeNestedMarks,
  writePayloadPickle,
  writeZipBomb,
} from "./inputs.js";
import { EXTRA_INPUTS } from "./formats.js";
import { runWholeProcess } from "./whole-process.js";

const OUT = new URL("./out/", import.meta.url).pathname;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface Measured {
  durationMs: number;
  bytesRead: number;
  size: number;
  format: string;
  maxRssMiB: number;
  failed: boolean;
  rules: string[];
}

export interface BenchInput {
  name: string;
  file: string;
  make: (path: string) => Promise<void>;
  /** What the figure is for, printed beside it. */
  goal: string;
  /** Also time `openssl dgst -sha256` and a scan with digests on. */
  reference?: boolean;
}

function measure(file: string, digest = false): Measured {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "case.ts"), file, ...(digest ? ["--digest"] : [])], {
    encoding: "utf8",
    maxBuffer: 16 * MiB,
  });
  if (r.status !== 0) throw new Error(`bench case failed for ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Measured;
}

function opensslMs(file: string): number {
  const t0 = process.hrtime.bigint();
  execFileSync("openssl", ["dgst", "-sha256", file], { stdio: "ignore" });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const fmtBytes = (n: number): string => (n >= GiB ? `${(n / GiB).toFixed(2)} GiB` : n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} B`);

async function inProcess(only: string[]): Promise<void> {
  const inputs: BenchInput[] = [
    { name: "pickle, 100 MiB of tensor payloads", file: "payload.pkl", make: (p: string) => writePayloadPickle(p, 100 * MiB), goal: "≥ 100 MB/s" },
    { name: "pickle, 100 MiB opcode-dense", file: "dense.pkl", make: (p: string) => writeDensePickle(p, 100 * MiB), goal: "≥ 100 MB/s" },
    { name: "zip bomb, 300 MiB of zeros", file: "bomb.zip", make: (p: string) => writeZipBomb(p, 300), goal: "< 5 s, < 512 MB" },
    { name: "gzip bomb, 300 MiB of zeros", file: "bomb.gz", make: (p: string) => writeGzipBomb(p, 300), goal: "< 5 s, < 512 MB" },
    { name: "pickle memo bomb, 5M memo entries", file: "memo.pkl", make: (p: string) => writeMemoBomb(p, 5_000_000), goal: "< 5 s, < 512 MB" },
    { name: "pickle, 200k nested MARK/LIST", file: "nested.pkl", make: (p: string) => writeNestedMarks(p, 200_000), goal: "< 5 s, < 512 MB" },
    { name: "pickle, length field 2^52", file: "hugelen.pkl", make: writeHugeLength, goal: "< 5 s, < 512 MB" },
    ...EXTRA_INPUTS,
  ].filter((i) => only.length === 0 || only.some((o) => i.file.includes(o)));

  const rows: string[] = [];
  const results: unknown[] = [];
  for (const input of inputs) {
    const path = join(OUT, input.file);
    if (!existsSync(path)) {
      process.stderr.write(`generating ${input.file}…\n`);
      await input.make(path);
    }
    const size = statSync(path).size;
    const m = measure(path);
    const mbps = size / MiB / (m.durationMs / 1000);
    let extra = "";
    let reference: Record<string, number> | undefined;
    if (input.reference) {
      const withDigest = measure(path, true);
      const ssl = opensslMs(path);
      reference = { scanWithDigestMs: withDigest.durationMs, opensslSha256Ms: ssl };
      extra = `; with --digest ${(withDigest.durationMs / 1000).toFixed(2)} s; openssl dgst -sha256 ${(ssl / 1000).toFixed(2)} s`;
    }
    const pct = ((m.bytesRead / size) * 100).toFixed(m.bytesRead / size < 0.01 ? 4 : 1);
    rows.push(
      `| ${input.name} | ${fmtBytes(size)} | ${(m.durationMs / 1000).toFixed(2)} s | ${mbps.toFixed(0)} MiB/s | ${fmtBytes(m.bytesRead)} (${pct}%) | ${m.maxRssMiB.toFixed(0)} MiB | ${m.rules.join(", ") || "none"}${extra} | ${input.goal} |`,
    );
    results.push({ name: input.name, file: input.file, goal: input.goal, ...m, reference });
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / GiB).toFixed(0)} GiB RAM, Node ${process.version}`;
  const table = [
    `Machine: ${machine}`,
    "",
    "| input | size | scan time | throughput | bytes read by analyzers | peak RSS | findings | goal |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  writeFileSync(join(OUT, "results.json"), JSON.stringify({ machine, results }, null, 2));
  writeFileSync(join(OUT, "results.md"), `${table}\n`);
  process.stdout.write(`${table}\n`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const { values, positionals } = parseArgs({
    options: { whole: { type: "boolean" }, "no-whole": { type: "boolean" }, runs: { type: "string" }, case: { type: "string", multiple: true } },
    allowPositionals: true,
  });
  if (values.whole && values["no-whole"]) throw new Error("--whole and --no-whole cannot be used together");
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
  if (!values.whole) await inProcess(positionals);
  if (values.whole || (!values["no-whole"] && positionals.length === 0)) {
    process.stderr.write("whole-process benchmark…\n");
    await runWholeProcess({ ...(runs === undefined ? {} : { runs }), cases: values.case ?? [] });
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
