/**
 * Scanning on worker threads gives the report a scan on one thread gives: same files, same order, same
 * findings, same summary. Runs against the built scanner (dist/, built by `npm test`'s pretest), because the
 * worker threads load dist/scan/worker.js.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanOptions } from "../../src/config/scan-options.js";
import type { Report } from "../../src/core/report.js";
import type { QueueOverrides } from "../../src/scan/scan.js";

const REPO = join(import.meta.dirname, "..", "..");
const DIST_SCAN = join(REPO, "dist", "scan", "scan.js");
const FAULTY_WORKER = new URL("./faulty-worker.mjs", import.meta.url);

type ScanWithQueue = (paths: readonly string[], options: ScanOptions, overrides: QueueOverrides | undefined) => Promise<Report>;
let scanWithQueue: ScanWithQueue;
let faults: { injectOpenFaults: (o: { inWorker: boolean }) => void; removeOpenFaults: () => void };

/** A protocol-2 pickle of a list of `n` small ints (a plain data file, clean). */
function listPickle(n: number): Buffer {
  const items: number[] = [];
  for (let i = 0; i < n; i++) items.push(0x4b, i % 256); // BININT1
  return Buffer.from([0x80, 0x02, 0x5d, 0x71, 0x00, 0x28, ...items, 0x65, 0x2e]); // PROTO 2, EMPTY_LIST, BINPUT 0, MARK … APPENDS STOP
}

/** pickle.load of this runs os.system (protocol 0). */
const MALICIOUS = Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", "latin1");

/** What may differ between two scans of the same bytes: when they ran. */
function comparable(r: Report): unknown {
  return { ...r, createdAt: undefined, summary: { ...r.summary, durationMs: undefined } };
}

let root: string;
let mixed: string;

beforeAll(async () => {
  if (!existsSync(DIST_SCAN)) throw new Error(`${DIST_SCAN} is missing: run npm run build first`);
  ({ scanWithQueue } = (await import(DIST_SCAN)) as { scanWithQueue: ScanWithQueue });
  faults = (await import(new URL("./faults.mjs", import.meta.url).href)) as typeof faults;
  root = mkdtempSync(join(tmpdir(), "modelgate-parallel-"));
  mixed = join(root, "mixed");
  mkdirSync(join(mixed, "small"), { recursive: true });
  for (let i = 0; i < 150; i++) writeFileSync(join(mixed, "small", `p${String(i).padStart(3, "0")}.pkl`), listPickle(1 + ((i * 37) % 300)));
  cpSync(join(REPO, "test", "fixtures", "pickle"), join(mixed, "pickle"), { recursive: true });
  cpSync(join(REPO, "test", "fixtures", "archive"), join(mixed, "archive"), { recursive: true });
  cpSync(join(REPO, "test", "fixtures", "hf", "gpt2"), join(mixed, "gpt2"), { recursive: true });
  writeFileSync(join(mixed, "evil.pkl"), MALICIOUS);
  writeFileSync(join(mixed, "weights.bin"), Buffer.concat([MALICIOUS, Buffer.alloc(2 * 1024 * 1024, 7)]));
  writeFileSync(join(mixed, "unreadable.bin"), listPickle(3));
  writeFileSync(join(mixed, "notes.txt"), "plain text\n");
  faults.injectOpenFaults({ inWorker: false });
});

afterAll(() => {
  faults?.removeOpenFaults();
});

describe("scan on worker threads", () => {
  it("gives the report a scan on one thread gives, on a mixed folder", async () => {
    const sequential = await scanWithQueue([mixed], { jobs: 1 }, undefined);
    // Two workers and no file on this thread; then this thread and one worker sharing the list.
    const onWorkers = await scanWithQueue([mixed], { jobs: 3 }, { workerUrl: FAULTY_WORKER, eagerWorkers: true, mainThreadScans: false });
    expect(comparable(onWorkers)).toEqual(comparable(sequential));
    const shared = await scanWithQueue([mixed], { jobs: 2 }, { workerUrl: FAULTY_WORKER, eagerWorkers: true });
    expect(comparable(shared)).toEqual(comparable(sequential));
    // The mix is what it claims to be: an archive's members, a malicious pickle, an unreadable file.
    const byPath = new Map(sequential.files.map((f) => [f.path, f]));
    expect(sequential.files.some((f) => f.container?.startsWith(join(mixed, "archive")))).toBe(true);
    expect(byPath.get(join(mixed, "evil.pkl"))!.findings.some((f) => f.severity === "critical")).toBe(true);
    expect(byPath.get(join(mixed, "unreadable.bin"))!.findings.map((f) => f.ruleId)).toEqual(["scanner/unreadable"]);
    expect(byPath.get(join(mixed, "small", "p000.pkl"))!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sequential.summary.failed).toBe(true);
  });

  it("gives the same report without digests and with limits hit", async () => {
    const options: ScanOptions = { jobs: 2, digest: false, limits: { maxMemberBytes: 1024 * 1024, maxTotalBytes: 64 * 1024, maxPickleNesting: 64 } };
    const sequential = await scanWithQueue([mixed], { ...options, jobs: 1 }, undefined);
    const parallel = await scanWithQueue([mixed], options, { workerUrl: FAULTY_WORKER, eagerWorkers: true, mainThreadScans: false });
    expect(comparable(parallel)).toEqual(comparable(sequential));
    expect(sequential.files.some((f) => f.findings.some((x) => x.ruleId === "scanner/limit-exceeded"))).toBe(true);
    expect(sequential.files.every((f) => f.sha256 === null)).toBe(true);
  });

  it("holds the time limit of each file on a worker as on one thread", async () => {
    // A 1 ms budget: whichever thread scans them, files that take longer report scanner/limit-exceeded (timeoutMs).
    const options: ScanOptions = { jobs: 2, digest: false, limits: { timeoutMs: 1 } };
    const parallel = await scanWithQueue([join(mixed, "pickle")], options, { workerUrl: FAULTY_WORKER, eagerWorkers: true, mainThreadScans: false });
    const sequential = await scanWithQueue([join(mixed, "pickle")], { ...options, jobs: 1 }, undefined);
    expect(parallel.files.map((f) => f.path)).toEqual(sequential.files.map((f) => f.path));
    for (const r of [parallel, sequential]) {
      for (const f of r.files) {
        for (const x of f.findings.filter((x) => x.ruleId === "scanner/limit-exceeded")) expect(x.evidence).toMatchObject({ limit: "timeoutMs", max: 1 });
      }
    }
  });

  it("reports a file whose worker died as not verified, and scans every other file", async () => {
    const dir = join(root, "crash");
    mkdirSync(dir);
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, `a${String(i).padStart(2, "0")}.pkl`), listPickle(5 + i));
    writeFileSync(join(dir, "b-crash-worker.bin"), listPickle(2));
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, `c${String(i).padStart(2, "0")}.pkl`), listPickle(5 + i));
    const report = await scanWithQueue([dir], { jobs: 3 }, { workerUrl: FAULTY_WORKER, eagerWorkers: true, mainThreadScans: false });
    expect(report.files).toHaveLength(81);
    const crashed = report.files.find((f) => f.path.endsWith("b-crash-worker.bin"))!;
    expect(crashed.findings.map((f) => f.ruleId)).toEqual(["scanner/analyzer-error"]);
    expect(crashed.findings[0]!.message).toMatch(/worker thread .*exited with code 70/);
    expect(crashed.findings[0]!.severity).toBe("high");
    const others = report.files.filter((f) => f !== crashed);
    expect(others.every((f) => f.format === "pickle" && f.findings.length === 0 && f.sha256 !== null)).toBe(true);
    expect(report.summary.failed).toBe(true);
  });

  it("stops a worker stuck past the time limit: the file is a limit finding, the rest is scanned", async () => {
    const dir = join(root, "hang");
    mkdirSync(dir);
    writeFileSync(join(dir, "a-hang-worker.bin"), listPickle(2));
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, `b${String(i).padStart(2, "0")}.pkl`), listPickle(5 + i));
    // One worker, which hangs on the first file: the others are scanned here once it is stopped.
    const report = await scanWithQueue([dir], { jobs: 2, limits: { timeoutMs: 200 } }, { workerUrl: FAULTY_WORKER, eagerWorkers: true, watchdogGraceMs: 200, mainThreadScans: false });
    expect(report.files).toHaveLength(31);
    const hung = report.files[0]!;
    expect(hung.findings.map((f) => f.ruleId)).toEqual(["scanner/limit-exceeded"]);
    expect(hung.findings[0]!.evidence).toMatchObject({ limit: "timeoutMs", max: 200 });
    expect(report.files.slice(1).every((f) => f.format === "pickle" && f.findings.length === 0)).toBe(true);
  });

  it("scans on this thread alone when there is no worker script", async () => {
    const report = await scanWithQueue([join(mixed, "small")], { jobs: 4 }, { workerUrl: new URL("file:///nonexistent/worker.js"), eagerWorkers: true });
    expect(report.files).toHaveLength(150);
    expect(report.files.every((f) => f.format === "pickle" && f.findings.length === 0)).toBe(true);
  });
});
