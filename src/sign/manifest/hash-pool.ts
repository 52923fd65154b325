import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ModelgateError } from "../../core/errors.js";
import type { HashAlgorithm } from "./options.js";
import { CHUNK_BYTES, hashJob, PROGRESS_BYTES, WORKER_SOURCE, type HashJobMessage } from "./hash-worker-source.js";

/** One piece of work: a whole file or a byte range of it. */
export interface HashUnit {
  /** Absolute path to read. */
  path: string;
  start: number;
  /** Exclusive end offset, or -1 to read to the end of the file (whole-file hashing). */
  end: number;
  /** Expected bytes (for scheduling and progress). */
  size: number;
}

export interface HashPoolOptions {
  algorithm: HashAlgorithm;
  /** Refuse to open a path that is (now) a symbolic link: closes the gap between listing and reading. */
  noFollow: boolean;
  /**
   * Worker threads; default min(available cores, MAX_WORKERS), never more than the units — or none for a model
   * of at most INLINE_MAX_BYTES, hashed on the calling thread. 0 forces that inline path.
   */
  workers?: number;
  /** Called as bytes are hashed (every PROGRESS_BYTES per worker, and at the end of each unit). */
  onBytes?: (unit: number, bytes: number) => void;
  /** Called when a unit's digest is ready. */
  onUnitDone?: (unit: number) => void;
}

/** Beyond this many threads a pool only costs memory (about 10 MB each): disks do not go faster. */
export const MAX_WORKERS = 8;

/**
 * Up to this many bytes in all, hashing runs on the calling thread: starting one worker thread costs about 40 ms
 * of CPU here (Node 20, measured), while reading and hashing 1 MiB takes about 2 ms. The gate server signs every
 * approved version, most of them small, on the same two cores that serve the API.
 */
export const INLINE_MAX_BYTES = 1024 * 1024;

const NODE_ALGORITHM: Record<HashAlgorithm, string> = { sha256: "sha256", blake2b: "blake2b512" };


function unitError(unit: HashUnit, code: string, message: string, at: number): ModelgateError {
  const p = unit.path;
  switch (code) {
    case "ENOENT":
      return new ModelgateError("PATH_NOT_FOUND", `${p} disappeared while the model was being hashed`);
    case "EACCES":
    case "EPERM":
      return new ModelgateError("PATH_UNREADABLE", `cannot read ${p}: permission denied`);
    case "ELOOP":
      return new ModelgateError("SYMLINK_NOT_ALLOWED", `${p} is a symbolic link; symbolic links are refused unless allowed (--allow-symlinks)`);
    case "NOT_FILE":
      return new ModelgateError("UNSUPPORTED", `cannot hash ${p}: it is not a regular file`);
    case "TRUNCATED":
      return new ModelgateError("PATH_UNREADABLE", `${p} changed while it was being hashed: it ends at byte ${at}, before ${unit.end}`);
    default:
      return new ModelgateError("PATH_UNREADABLE", `cannot read ${p}: ${message} (${code})`);
  }
}

/**
 * Hashes every unit on a pool of worker threads (one synchronous read-and-hash loop per thread, so hashing
 * runs on all cores; node:crypto's hash.update runs on the calling thread, so concurrent streams on the main
 * thread would use one core). Biggest units go first, so the last finishers are small. Digests come back in
 * the units' order. On the first error every worker is stopped and the error (a ModelgateError naming the
 * file) is thrown. A model of at most INLINE_MAX_BYTES is hashed on the calling thread instead, by the same loop.
 */
export async function hashUnits(units: readonly HashUnit[], options: HashPoolOptions): Promise<Buffer[]> {
  const digests: Buffer[] = new Array<Buffer>(units.length);
  if (units.length === 0) return digests;
  const algorithm = NODE_ALGORITHM[options.algorithm];
  /** Applies one message of hashJob() to the digests and callbacks; throws the unit's error. */
  const apply = (m: HashJobMessage): void => {
    if (m.type === "progress") {
      options.onBytes?.(m.id, m.bytes);
      return;
    }
    if (m.type === "error") throw unitError(units[m.id]!, m.code, m.message, m.at);
    digests[m.id] = Buffer.from(m.digest, "hex");
    if (m.bytes > 0) options.onBytes?.(m.id, m.bytes);
    options.onUnitDone?.(m.id);
  };

  const total = units.reduce((n, u) => n + u.size, 0);
  if (options.workers === 0 || (options.workers === undefined && total <= INLINE_MAX_BYTES)) {
    // Messages are applied after hashJob() returns, so that a throwing callback stops the hashing with its own
    // error instead of being reported by hashJob() as a read error.
    const messages: HashJobMessage[] = [];
    const deps = { fs, createHash, buf: Buffer.allocUnsafe(CHUNK_BYTES), chunk: CHUNK_BYTES, progress: PROGRESS_BYTES, post: (m: HashJobMessage) => messages.push(m) };
    units.forEach((u, id) => {
      hashJob({ id, path: u.path, start: u.start, end: u.end, algorithm, noFollow: options.noFollow }, deps);
      for (const m of messages.splice(0)) apply(m);
    });
    return digests;
  }

  const count = Math.max(1, Math.min(options.workers ?? Math.min(availableParallelism(), MAX_WORKERS), units.length));
  const queue = units.map((_, i) => i).sort((a, b) => units[b]!.size - units[a]!.size);
  const workers: Worker[] = [];

  try {
    await new Promise<void>((resolvePool, rejectPool) => {
      let remaining = units.length;
      let failed = false;
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        rejectPool(e);
      };
      const next = (worker: Worker): void => {
        const id = queue.shift();
        if (id === undefined || failed) return;
        const u = units[id]!;
        worker.postMessage({ id, path: u.path, start: u.start, end: u.end, algorithm, noFollow: options.noFollow });
      };
      for (let i = 0; i < count; i++) {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          execArgv: [],
          stdout: false,
          stderr: false,
          resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
        });
        workers.push(worker);
        worker.on("message", (m: HashJobMessage) => {
          if (failed) return;
          try {
            apply(m);
          } catch (e) {
            // The unit's error, or one thrown by a progress callback: either stops the hashing.
            fail(e);
            return;
          }
          if (m.type !== "done") return;
          if (--remaining === 0) resolvePool();
          else next(worker);
        });
        worker.on("error", (e) => fail(new ModelgateError("INTERNAL", `hashing worker failed: ${e.message}`, { cause: e })));
        worker.on("exit", (code) => {
          if (remaining > 0) fail(new ModelgateError("INTERNAL", `hashing worker stopped (exit code ${code})`));
        });
        next(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return digests;
}
