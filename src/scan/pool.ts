import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import type { FileProgressPhase, ResolvedScanOptions } from "../config/scan-options.js";
import type { DiskFileResult, FileBytesListener } from "./scan.js";

/** One file handed to a worker: its place in the sorted list (results are put back in that order) and its path. */
export interface PoolFile {
  index: number;
  path: string;
}

/** What a worker is started with (workerData): the resolved options, without the progress callback. */
export interface WorkerSetup {
  options: ResolvedScanOptions & { onProgress: undefined };
  /** Send byte progress of large files. */
  progress: boolean;
}

/** Main thread → worker. */
export interface ScanBatchMessage {
  type: "scan";
  files: PoolFile[];
}

/** Worker → main thread. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "result"; index: number; result: DiskFileResult }
  | { type: "bytes"; index: number; phase: FileProgressPhase; bytesDone: number; bytesTotal: number };

/** Why a file's scan ended without a result from its worker. */
export type WorkerFailure = { kind: "crashed"; message: string } | { kind: "timeout"; elapsedMs: number; limitMs: number };

export interface FileQueueOptions {
  /** Threads scanning at once, this one included. */
  jobs: number;
  options: ResolvedScanOptions;
  /** Scans one file on this thread. Must not throw (failures are findings). */
  scanHere: (path: string, onBytes: FileBytesListener | undefined) => Promise<DiskFileResult>;
  /** The report of a file whose worker died or overran its time while scanning it. */
  failed: (path: string, failure: WorkerFailure) => DiskFileResult;
  onFileDone?: (index: number, path: string) => void;
  /** Byte progress of a large file in progress, on whichever thread. */
  onFileBytes?: (index: number, path: string, phase: FileProgressPhase, bytesDone: number, bytesTotal: number) => void;
  /** The worker script; default `./worker.js` beside this module. Without one on disk, everything is scanned here. */
  workerUrl?: URL;
  /** Start workers at once instead of when the work seen so far says they pay (tests). */
  eagerWorkers?: boolean;
  /** How long past its time limit a silent worker may go on before it is stopped; default 5 s. */
  watchdogGraceMs?: number;
  /** This thread scans files too (default); false leaves them to the workers while any is alive (tests). */
  mainThreadScans?: boolean;
}

/**
 * Workers start once the files left would take this long on this thread alone. Measured on 2 cores (Node 20,
 * 2026-12-07): a worker is ready ~70–100 ms after it starts, and while it boots it takes the core V8's own
 * compiler and collector threads use, so 1,000 small pickles (~150 ms of work) finish sooner on one thread
 * (0.31 s against 0.37 s whole-process, medians of 9).
 */
const WORKERS_PAY_AFTER_MS = 250;
/** Files whose pace on this thread estimates the rest: the latest this many, once twice as many are done. */
const RATE_WINDOW = 32;
/** Or at once for this many files (the sooner a worker starts, the more it does). */
const EAGER_WORKER_FILES = 2048;
/** Or at once when this thread meets a file this large and others are waiting. */
const LARGE_FILE_BYTES = 16 * 1024 * 1024;
/** Batches a worker holds at once (the one it scans and the next): a bounded queue, no idle round trip. */
const BATCHES_IN_FLIGHT = 2;
const MAX_BATCH = 32;
/** A worker that sends nothing this long past a file's time limit is stopped, and the file reported as timed out. */
const WATCHDOG_GRACE_MS = 5_000;
const WATCHDOG_EVERY_MS = 500;

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  /** Files sent and not yet answered, in the order the worker scans them. */
  inFlight: PoolFile[];
  batches: number[];
  /** When the file it is scanning now started (its previous answer, or the dispatch that woke it). */
  fileSince: number;
  /** Set when this side stopped the worker: why, and which file it was scanning then. */
  stopped: { failure: WorkerFailure; index: number } | undefined;
  error: Error | undefined;
}

function defaultWorkerUrl(): URL | undefined {
  const url = new URL("./worker.js", import.meta.url);
  // Run from the TypeScript sources (tests, tsx) there is no worker.js beside this module: scan on this thread.
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * Scans `paths`, returning their results in the same order. This thread scans files one by one from the
 * front of the list; when the rest of the work is large enough to pay for them, `jobs - 1` worker threads
 * take batches from the same list. Each file is scanned whole by one thread with the same code and options,
 * so the results are the same whichever thread scanned it. A worker that dies fails the file it was
 * scanning (a finding, never a skip); the files it had not started go back to the list.
 */
export async function scanFileQueue(paths: readonly string[], o: FileQueueOptions): Promise<DiskFileResult[]> {
  const results = new Array<DiskFileResult | undefined>(paths.length);
  const retry: PoolFile[] = [];
  let cursor = 0;
  let workersAllowed = o.jobs > 1 && paths.length > 1;
  const workerUrl = workersAllowed ? (o.workerUrl ?? defaultWorkerUrl()) : undefined;
  if (!workerUrl) workersAllowed = false;
  const workers: PoolWorker[] = [];
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const remaining = (): number => retry.length + (paths.length - cursor);
  const take = (): PoolFile | undefined => {
    const r = retry.shift();
    if (r) return r;
    if (cursor >= paths.length) return undefined;
    const index = cursor++;
    return { index, path: paths[index]! };
  };
  const finish = (index: number, result: DiskFileResult): void => {
    if (results[index] !== undefined) return;
    results[index] = result;
    o.onFileDone?.(index, paths[index]!);
  };

  const dispatch = (pw: PoolWorker): void => {
    if (!pw.ready || pw.stopped) return;
    while (pw.batches.length < BATCHES_IN_FLIGHT && remaining() > 0) {
      const threads = workers.length + 1;
      const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(remaining() / (threads * 4))));
      const files: PoolFile[] = [];
      for (let f = take(); f; f = files.length < size ? take() : undefined) files.push(f);
      if (pw.inFlight.length === 0) pw.fileSince = Date.now();
      pw.inFlight.push(...files);
      pw.batches.push(files.length);
      const message: ScanBatchMessage = { type: "scan", files };
      pw.worker.postMessage(message);
    }
  };

  const answered = (pw: PoolWorker, index: number): void => {
    const at = pw.inFlight.findIndex((f) => f.index === index);
    if (at >= 0) pw.inFlight.splice(at, 1);
    pw.fileSince = Date.now();
    if (pw.batches.length > 0 && --pw.batches[0]! <= 0) pw.batches.shift();
  };

  let closing = false;
  const retire = (pw: PoolWorker): void => {
    const i = workers.indexOf(pw);
    if (i < 0 || closing) return;
    workers.splice(i, 1);
    const pending = pw.inFlight.splice(0);
    pw.batches = [];
    if (!pw.ready) {
      // It never started: its files were not touched, and no further worker is tried.
      workersAllowed = false;
      retry.unshift(...pending);
    } else {
      // The first file it holds is the one it was scanning; the others were not started. (A worker stopped for
      // time that answered for that file before it ended blames no other.)
      const culprit = pw.stopped && pending[0]?.index !== pw.stopped.index ? undefined : pending.shift();
      const failure = pw.stopped?.failure ?? { kind: "crashed" as const, message: pw.error?.message ?? "the worker thread ended" };
      if (culprit) finish(culprit.index, o.failed(culprit.path, failure));
      retry.unshift(...pending);
    }
    for (const other of workers) dispatch(other);
    notify();
  };

  const startWorkers = (): void => {
    if (!workersAllowed || !workerUrl) return;
    workersAllowed = false;
    const setup: WorkerSetup = { options: { ...o.options, onProgress: undefined }, progress: o.onFileBytes !== undefined };
    // Loaded here, not at the top: a one-file scan never starts a worker and need not load the module.
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    for (let n = 0; n < o.jobs - 1; n++) {
      const worker = new Worker(workerUrl, { workerData: setup });
      const pw: PoolWorker = { worker, ready: false, inFlight: [], batches: [], fileSince: Date.now(), stopped: undefined, error: undefined };
      workers.push(pw);
      worker.on("message", (m: WorkerMessage) => {
        if (m.type === "ready") {
          pw.ready = true;
          dispatch(pw);
        } else if (m.type === "result") {
          answered(pw, m.index);
          finish(m.index, m.result);
          dispatch(pw);
        } else if (m.type === "bytes") {
          o.onFileBytes?.(m.index, paths[m.index]!, m.phase, m.bytesDone, m.bytesTotal);
          return;
        }
        notify();
      });
      worker.on("error", (e) => {
        pw.error = e;
      });
      worker.on("messageerror", (e) => {
        pw.error = e;
        void worker.terminate();
      });
      worker.on("exit", (code) => {
        pw.error ??= new Error(`the worker thread exited with code ${code}`);
        retire(pw);
      });
    }
  };

  const watchdog = setInterval(() => {
    const now = Date.now();
    const limit = o.options.limits.timeoutMs + (o.watchdogGraceMs ?? WATCHDOG_GRACE_MS);
    for (const pw of workers) {
      const current = pw.inFlight[0];
      if (pw.stopped || !current || now - pw.fileSince <= limit) continue;
      pw.stopped = { failure: { kind: "timeout", elapsedMs: now - pw.fileSince, limitMs: o.options.limits.timeoutMs }, index: current.index };
      void pw.worker.terminate();
    }
  }, Math.min(WATCHDOG_EVERY_MS, o.watchdogGraceMs ?? WATCHDOG_EVERY_MS));
  watchdog.unref();

  try {
    if (o.eagerWorkers || paths.length >= EAGER_WORKER_FILES) startWorkers();
    // When the last RATE_WINDOW files here were done: the estimate of what is left uses their pace, not the first
    // files' (those pay for loading and compiling the analyzers, and would start workers for any folder).
    const doneAt: number[] = [];
    let doneHere = 0;
    for (;;) {
      const file = o.mainThreadScans !== false || workers.length === 0 ? take() : undefined;
      if (!file) {
        if (remaining() === 0 && workers.every((pw) => pw.inFlight.length === 0)) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const onBytes = o.onFileBytes || workersAllowed ? createHereListener(file, o, () => remaining() > 0 && startWorkers()) : undefined;
      finish(file.index, await o.scanHere(file.path, onBytes));
      const now = performance.now();
      doneAt[doneHere++ % RATE_WINDOW] = now;
      if (workersAllowed && remaining() > 0 && doneHere >= 2 * RATE_WINDOW) {
        const since = doneAt[doneHere % RATE_WINDOW]!;
        if (((now - since) / (RATE_WINDOW - 1)) * remaining() >= WORKERS_PAY_AFTER_MS) startWorkers();
      }
      // Let worker answers in and new batches out between files.
      if (workers.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    closing = true;
    clearInterval(watchdog);
    await Promise.all(workers.map((pw) => pw.worker.terminate()));
  }
  return results.map((r, i) => r ?? o.failed(paths[i]!, { kind: "crashed", message: "no thread returned a result for this file" }));
}

/** Byte progress of a file scanned on this thread; a large one is also the sign to start workers for the rest. */
function createHereListener(file: PoolFile, o: FileQueueOptions, large: () => void): FileBytesListener {
  let signalled = false;
  return (phase, bytesDone, bytesTotal) => {
    if (!signalled && bytesTotal >= LARGE_FILE_BYTES) {
      signalled = true;
      large();
    }
    o.onFileBytes?.(file.index, file.path, phase, bytesDone, bytesTotal);
  };
}
