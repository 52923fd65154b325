/**
 * The hashing worker, as source text for `new Worker(source, { eval: true })`. It is a string rather than a
 * module file because the same code must start from dist/ (node), from the TypeScript sources under tsx and
 * from vitest, and a worker thread cannot load a .ts file by itself. Keep it small and plain CommonJS.
 *
 * Protocol: the pool posts jobs { id, path, start, end, algorithm, noFollow } (end -1 = to the end of the
 * file); the worker answers { type: "progress", id, bytes } every PROGRESS_BYTES, then
 * { type: "done", id, bytes, digest: hex } or { type: "error", id, code, message, at }.
 * The file is read with positional reads into one reused buffer: memory stays at one chunk per worker.
 */

/**
 * Bytes read per call. Measured with bench/hash-case.ts on 4 GiB (CPU time, 128 KiB to 4 MiB): within noise of
 * each other; 256 KiB was as cheap as any and stays in the L2 cache between read and hash.
 */
export const CHUNK_BYTES = 256 * 1024;
/** How often a worker reports progress. */
export const PROGRESS_BYTES = 32 * 1024 * 1024;

export const WORKER_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const CHUNK = ${CHUNK_BYTES};
const PROGRESS = ${PROGRESS_BYTES};
const buf = Buffer.allocUnsafeSlow(CHUNK);
parentPort.on("message", (job) => {
  let fd = -1;
  let pos = job.start;
  try {
    const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (job.noFollow ? fs.constants.O_NOFOLLOW : 0);
    fd = fs.openSync(job.path, flags);
    if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error("not a regular file"), { code: "NOT_FILE" });
    const hash = createHash(job.algorithm);
    let pending = 0;
    for (;;) {
      const want = job.end < 0 ? CHUNK : Math.min(CHUNK, job.end - pos);
      if (want <= 0) break;
      const n = fs.readSync(fd, buf, 0, want, pos);
      if (n === 0) {
        if (job.end >= 0) throw Object.assign(new Error("file ended early"), { code: "TRUNCATED" });
        break;
      }
      hash.update(n === CHUNK ? buf : buf.subarray(0, n));
      pos += n;
      pending += n;
      if (pending >= PROGRESS) {
        parentPort.postMessage({ type: "progress", id: job.id, bytes: pending });
        pending = 0;
      }
    }
    parentPort.postMessage({ type: "done", id: job.id, bytes: pending, digest: hash.digest("hex") });
  } catch (e) {
    parentPort.postMessage({ type: "error", id: job.id, code: String((e && e.code) || "EUNKNOWN"), message: String((e && e.message) || e), at: pos });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
});
`;
