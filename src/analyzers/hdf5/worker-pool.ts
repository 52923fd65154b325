import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { LimitError, ModelgateError } from "../../core/errors.js";
import type { ByteSource } from "../../core/source.js";
import {
  CONTROL_LENGTH,
  CONTROL_STATE,
  DATA_OFFSET,
  READ_WINDOW_BYTES,
  STATE_ERROR,
  STATE_READY,
  STATE_WAITING,
  type Hdf5Event,
  type Hdf5Job,
  type Hdf5JobLimits,
  type WorkerHealth,
  type WorkerToMain,
} from "./protocol.js";
import { hdf5WorkerMain, type WorkerBoot } from "./worker-main.js";

/**
 * Runs h5wasm (the HDF5 C library compiled to wasm) in worker threads. Why a worker: the library is
 * synchronous and hostile files have made it loop or trap before; a thread can be terminated at the
 * deadline and thrown away after a trap without touching the scan. Why lazy reads: an HDF5 weights file
 * can be gigabytes, while what is checked (attributes, links, layouts) lives in object headers, so the
 * worker asks the main thread for the pages it touches and never sees the rest.
 */

export type Hdf5Outcome =
  /** The walk finished. */
  | { kind: "done"; objects: number; bytesRead: number }
  /** HDF5 could not open or walk the file. */
  | { kind: "failed"; message: string }
  /** A job limit was hit (also reported as a `limit` event). */
  | { kind: "limit"; error: LimitError }
  /** The scan's deadline passed; the worker was terminated. */
  | { kind: "timeout"; error: LimitError }
  /** The worker died (a wasm trap, out of memory). */
  | { kind: "crashed"; message: string };

export interface Hdf5InspectRequest {
  source: ByteSource;
  limits: Hdf5JobLimits;
  /** Throws (a LimitError) when the scan's time is up; called while waiting and on every read. */
  checkDeadline(): void;
}

export interface Hdf5Inspection {
  /** Everything the worker found, in order, up to the outcome. */
  events: Hdf5Event[];
  outcome: Hdf5Outcome;
}

export interface Hdf5WorkerPool {
  inspect(request: Hdf5InspectRequest): Promise<Hdf5Inspection>;
  /** Terminates every worker. */
  close(): Promise<void>;
}

export interface Hdf5WorkerPoolOptions {
  /** Workers running at once (jobs beyond wait). */
  maxWorkers?: number;
  /** Idle workers kept for reuse. */
  maxIdle?: number;
  /** A worker is replaced after this many jobs… */
  maxJobsPerWorker?: number;
  /** …or once its wasm heap has grown past this many bytes. */
  maxHeapBytes?: number;
}

const BOOT_SOURCE = (fn: string): string => `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
var __name = (f) => f;
// The library's diagnostics are turned into errors; anything else it would print is dropped here
// (piping the worker's stdio instead would keep the process alive).
process.stdout.write = () => true;
process.stderr.write = () => true;
import(workerData.h5wasmUrl)
  .then(async (h5) => { await h5.ready; (${fn})(h5, parentPort, workerData); })
  .catch((e) => parentPort.postMessage({ t: "fatal", message: String((e && e.message) || e) }));
`;

/** Emscripten allows 4096 open streams; a worker leaking them is retired long before. */
const MAX_OPEN_STREAMS = 64;

/** Library errors a worker may have unwound through h5wasm (each can leak handles) before it is retired. */
const MAX_LIBRARY_ERRORS = 200;

/** How often the deadline is checked while a job runs, in milliseconds. */
const DEADLINE_POLL_MS = 100;

interface PooledWorker {
  worker: Worker;
  sab: SharedArrayBuffer;
  ctrl: Int32Array;
  data: Uint8Array;
  ready: Promise<void>;
  jobs: number;
  dead: boolean;
  exitMessage?: string;
}

function resolveH5wasm(): string {
  try {
    return import.meta.resolve("h5wasm");
  } catch (e) {
    throw new ModelgateError("INTERNAL", `the h5wasm package is not installed: ${(e as Error).message}`);
  }
}

export function createHdf5WorkerPool(options: Hdf5WorkerPoolOptions = {}): Hdf5WorkerPool {
  const maxWorkers = options.maxWorkers ?? 2;
  const maxIdle = options.maxIdle ?? 1;
  const maxJobs = options.maxJobsPerWorker ?? 2000;
  const maxHeap = options.maxHeapBytes ?? 256 * 1024 * 1024;
  const idle: PooledWorker[] = [];
  const waiters: Array<() => void> = [];
  const all = new Set<PooledWorker>();
  let nextJob = 1;
  let h5wasmUrl: string | undefined;

  const spawn = (): PooledWorker => {
    h5wasmUrl ??= resolveH5wasm();
    const sab = new SharedArrayBuffer(DATA_OFFSET + READ_WINDOW_BYTES);
    const boot: WorkerBoot = {
      h5wasmUrl,
      hostProbePath: fileURLToPath(h5wasmUrl),
      sab,
      dataOffset: DATA_OFFSET,
      windowBytes: READ_WINDOW_BYTES,
      state: { waiting: STATE_WAITING, ready: STATE_READY, error: STATE_ERROR },
      control: { state: CONTROL_STATE, length: CONTROL_LENGTH },
    };
    const worker = new Worker(BOOT_SOURCE(hdf5WorkerMain.toString()), {
      eval: true,
      workerData: boot,
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    const pw: PooledWorker = {
      worker,
      sab,
      ctrl: new Int32Array(sab, 0, 4),
      data: new Uint8Array(sab, DATA_OFFSET, READ_WINDOW_BYTES),
      ready: Promise.resolve(),
      jobs: 0,
      dead: false,
    };
    pw.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerToMain): void => {
        if (m.t === "ready") {
          worker.off("message", onMessage);
          resolve();
        } else if (m.t === "fatal") {
          worker.off("message", onMessage);
          reject(new ModelgateError("INTERNAL", `the HDF5 worker could not start: ${m.message}`));
        }
      };
      worker.on("message", onMessage);
      worker.once("exit", (code) => reject(new ModelgateError("INTERNAL", `the HDF5 worker exited while starting (code ${code})`)));
    });
    pw.ready.catch(() => undefined);
    worker.on("error", (e) => {
      pw.dead = true;
      pw.exitMessage = e.message;
    });
    worker.on("exit", () => {
      pw.dead = true;
      all.delete(pw);
      const i = idle.indexOf(pw);
      if (i >= 0) idle.splice(i, 1);
      waiters.shift()?.();
    });
    all.add(pw);
    return pw;
  };

  const kill = (pw: PooledWorker): void => {
    pw.dead = true;
    void pw.worker.terminate();
  };

  const acquire = async (checkDeadline: () => void): Promise<PooledWorker> => {
    while (true) {
      checkDeadline();
      const pw = idle.pop();
      if (pw && !pw.dead) {
        pw.worker.ref();
        return pw;
      }
      if (all.size < maxWorkers) {
        const fresh = spawn();
        await fresh.ready;
        return fresh;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(wake);
          if (i >= 0) waiters.splice(i, 1);
          resolve();
        }, DEADLINE_POLL_MS * 5);
        const wake = (): void => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(wake);
      });
    }
  };

  const release = (pw: PooledWorker, health: WorkerHealth | undefined): void => {
    const healthy =
      health !== undefined && !health.trapped && health.heapBytes <= maxHeap && health.openStreams <= MAX_OPEN_STREAMS && health.errors <= MAX_LIBRARY_ERRORS;
    if (!pw.dead && healthy && pw.jobs < maxJobs && idle.length < maxIdle) {
      pw.worker.unref();
      idle.push(pw);
      waiters.shift()?.();
      return;
    }
    if (!pw.dead) kill(pw);
    // The exit handler wakes a waiter once the thread is gone.
  };

  const inspect = async (request: Hdf5InspectRequest): Promise<Hdf5Inspection> => {
    const pw = await acquire(() => request.checkDeadline());
    const id = nextJob++;
    pw.jobs++;
    const events: Hdf5Event[] = [];
    return new Promise<Hdf5Inspection>((resolve) => {
      let finished = false;
      let limitError: LimitError | undefined;
      const finish = (outcome: Hdf5Outcome, health?: WorkerHealth): void => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        pw.worker.off("message", onMessage);
        pw.worker.off("exit", onExit);
        release(pw, health);
        resolve({ events, outcome });
      };
      const answer = (state: number, bytes?: Buffer): void => {
        if (bytes) {
          pw.data.set(bytes);
          Atomics.store(pw.ctrl, CONTROL_LENGTH, bytes.length);
        }
        Atomics.store(pw.ctrl, CONTROL_STATE, state);
        Atomics.notify(pw.ctrl, CONTROL_STATE);
      };
      const deadline = (): boolean => {
        try {
          request.checkDeadline();
          return false;
        } catch (e) {
          const error = e instanceof LimitError ? e : new LimitError("timeoutMs", 0, 0, (e as Error).message);
          kill(pw);
          finish({ kind: "timeout", error });
          return true;
        }
      };
      const onMessage = (m: WorkerToMain): void => {
        if (finished) return;
        switch (m.t) {
          case "read": {
            if (m.id !== id || deadline()) return;
            const length = Math.min(m.length, READ_WINDOW_BYTES);
            request.source.read(m.offset, length).then(
              (bytes) => {
                if (!finished) answer(STATE_READY, bytes);
              },
              () => {
                if (!finished) answer(STATE_ERROR);
              },
            );
            return;
          }
          case "event":
            if (m.id !== id) return;
            if (m.ev.kind === "limit") limitError = new LimitError(m.ev.limit, m.ev.value, m.ev.max, hdf5LimitMessage(m.ev.limit, m.ev.value, m.ev.max));
            events.push(m.ev);
            return;
          case "done":
            if (m.id !== id) return;
            finish(limitError ? { kind: "limit", error: limitError } : { kind: "done", objects: m.objects, bytesRead: m.bytesRead }, m.health);
            return;
          case "failed":
            if (m.id !== id) return;
            finish(limitError ? { kind: "limit", error: limitError } : { kind: "failed", message: m.message }, m.health);
            return;
          default:
            return;
        }
      };
      const onExit = (): void => {
        finish({ kind: "crashed", message: pw.exitMessage ?? "the HDF5 worker stopped" });
      };
      const timer = setInterval(deadline, DEADLINE_POLL_MS);
      pw.worker.on("message", onMessage);
      pw.worker.on("exit", onExit);
      if (pw.dead) {
        onExit();
        return;
      }
      const job: Hdf5Job = { t: "job", id, size: request.source.size, limits: request.limits };
      pw.worker.postMessage(job);
    });
  };

  const close = async (): Promise<void> => {
    const workers = [...all];
    idle.length = 0;
    await Promise.all(workers.map((pw) => pw.worker.terminate()));
  };

  return { inspect, close };
}

function hdf5LimitMessage(limit: keyof Hdf5JobLimits, value: number, max: number): string {
  switch (limit) {
    case "maxObjects":
      return `HDF5 file has more than ${max} links and objects`;
    case "maxAttributeBytes":
      return `HDF5 attribute of ${value} bytes is larger than the ${max}-byte limit`;
    case "maxReadBytes":
      return `HDF5 metadata reads went past ${max} bytes`;
    case "maxEvents":
      return `HDF5 file produced more than ${max} findings`;
  }
}

let shared: Hdf5WorkerPool | undefined;

/** The pool the HDF5 analyzer uses: created on first use; idle workers do not keep the process alive. */
export function sharedHdf5WorkerPool(): Hdf5WorkerPool {
  shared ??= createHdf5WorkerPool();
  return shared;
}
