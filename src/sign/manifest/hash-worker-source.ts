/**
 * The hashing loop, shared by the worker threads and the pool's inline path for small models. The workers run it
 * from source text (`new Worker(source, { eval: true })`) because the same code must start from dist/ (node), from
 * the TypeScript sources under tsx and from vitest, and a worker thread cannot load a .ts file by itself; so
 * hashJob() must stay self-contained: it uses only its arguments, no imports and no helpers.
 *
 * Protocol: the pool posts jobs { id, path, start, end, algorithm, noFollow } (end -1 = to the end of the
 * file); the worker answers { type: "progress", id, bytes } every PROGRESS_BYTES, then
 * { type: "done", id, bytes, digest: hex } or { type: "error", id, code, message, at }.
 * The file is read with positional reads into one reused buffer: memory stays at one chunk per worker.
 */
import type * as fsModule from "node:fs";
import type { createHash as createHashFn } from "node:crypto";

/**
 * Bytes read per call. Measured with bench/hash-case.ts on 4 GiB (CPU time, 128 KiB to 4 MiB): within noise of
 * each other; 256 KiB was as cheap as any and stays in the L2 cache between read and hash.
 */
export const CHUNK_BYTES = 256 * 1024;
/** How often a worker reports progress. */
export const PROGRESS_BYTES = 32 * 1024 * 1024;

export interface HashJob {
  id: number;
  path: string;
  start: number;
  end: number;
  algorithm: string;
  noFollow: boolean;
}

export type HashJobMessage =
  | { type: "progress"; id: number; bytes: number }
  | { type: "done"; id: number; bytes: number; digest: string }
  | { type: "error"; id: number; code: string; message: string; at: number };

export interface HashJobDeps {
  fs: typeof fsModule;
  createHash: typeof createHashFn;
  /** Reused read buffer of `chunk` bytes. */
  buf: Buffer;
  chunk: number;
  progress: number;
  post: (m: HashJobMessage) => void;
}

/** Hashes one unit synchronously, posting progress and then exactly one "done" or "error" message. */
export function hashJob(job: HashJob, d: HashJobDeps): void {
  let fd = -1;
  let pos = job.start;
  try {
    const flags = d.fs.constants.O_RDONLY | d.fs.constants.O_NONBLOCK | (job.noFollow ? d.fs.constants.O_NOFOLLOW : 0);
    fd = d.fs.openSync(job.path, flags);
    if (!d.fs.fstatSync(fd).isFile()) throw Object.assign(new Error("not a regular file"), { code: "NOT_FILE" });
    const hash = d.createHash(job.algorithm);
    let pending = 0;
    for (;;) {
      const want = job.end < 0 ? d.chunk : Math.min(d.chunk, job.end - pos);
      if (want <= 0) break;
      const n = d.fs.readSync(fd, d.buf, 0, want, pos);
      if (n === 0) {
        if (job.end >= 0) throw Object.assign(new Error("file ended early"), { code: "TRUNCATED" });
        break;
      }
      hash.update(n === d.chunk ? d.buf : d.buf.subarray(0, n));
      pos += n;
      pending += n;
      if (pending >= d.progress) {
        d.post({ type: "progress", id: job.id, bytes: pending });
        pending = 0;
      }
    }
    d.post({ type: "done", id: job.id, bytes: pending, digest: hash.digest("hex") });
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown } | undefined;
    d.post({ type: "error", id: job.id, code: String(err?.code ?? "EUNKNOWN"), message: String(err?.message ?? e), at: pos });
  } finally {
    if (fd >= 0) d.fs.closeSync(fd);
  }
}

/** The worker thread: hashJob() for every job the pool posts. (`__name`: tsx/vitest wrap named functions in it.) */
export const WORKER_SOURCE = `
"use strict";
var __name = (f) => f;
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const hashJob = (${hashJob.toString()});
const deps = { fs, createHash, buf: Buffer.allocUnsafeSlow(${CHUNK_BYTES}), chunk: ${CHUNK_BYTES}, progress: ${PROGRESS_BYTES}, post: (m) => parentPort.postMessage(m) };
parentPort.on("message", (job) => hashJob(job, deps));
`;
