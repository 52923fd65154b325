/**
 * Integrity of stored blobs: every read re-checks that the bytes still hash to the blob's address, while they
 * stream (no second read). The last chunk is held back until the digest is known, so a consumer — the scan
 * worker materialising a version, a download response — never receives the complete altered file: on a mismatch
 * the stream fails instead (a download response is destroyed before its declared length), and the blob is
 * marked corrupt (db/corrupt-blobs.ts), which fails /readyz. A corrupt blob counts as absent for new pushes (routes/uploads.ts), so
 * uploading the same bytes again replaces it and clears the mark.
 */
import { createHash } from "node:crypto";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { ModelgateError } from "../../core/errors.js";
import type { BlobInfo, BlobStore } from "./types.js";

export interface CorruptionRegistry {
  isCorrupt(sha256: string): Promise<boolean>;
  markCorrupt(sha256: string, detail: string): Promise<void>;
  clearCorrupt(sha256: string): Promise<void>;
}

export class CorruptBlobError extends ModelgateError {
  readonly sha256: string;
  constructor(sha256: string) {
    super("VERIFICATION_FAILED", `the stored bytes of blob sha256:${sha256} no longer match their digest (altered or damaged on disk); the blob is marked corrupt: upload the same file again to repair it`);
    this.name = "CorruptBlobError";
    this.sha256 = sha256;
  }
}

/** A pass-through that hashes what flows and fails at the end, withholding the last chunk, unless it is `sha256`. */
export function verifyingStream(sha256: string, onMismatch: () => Promise<void>): Transform {
  const hash = createHash("sha256");
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      hash.update(chunk);
      const out = held;
      held = chunk;
      cb(null, out);
    },
    flush(cb: TransformCallback) {
      if (hash.digest("hex") === sha256) return cb(null, held);
      held = undefined;
      onMismatch().then(
        () => cb(new CorruptBlobError(sha256)),
        () => cb(new CorruptBlobError(sha256)),
      );
    },
  });
}

export function createVerifyingBlobStore(inner: BlobStore, registry: CorruptionRegistry, onError: (e: unknown, sha256: string) => void = () => undefined): BlobStore {
  return {
    kind: inner.kind,
    async putFile(tempPath: string, info: BlobInfo, opts?: { replace?: boolean }): Promise<void> {
      // The caller hashed these bytes: a blob marked corrupt is replaced with them, then counts as sound again.
      const corrupt = await registry.isCorrupt(info.sha256);
      await inner.putFile(tempPath, info, { ...opts, ...(corrupt ? { replace: true } : {}) });
      if (corrupt) await registry.clearCorrupt(info.sha256);
    },
    async get(sha256: string): Promise<Readable> {
      if (await registry.isCorrupt(sha256)) throw new CorruptBlobError(sha256);
      const source = await inner.get(sha256);
      const check = verifyingStream(sha256, () =>
        registry.markCorrupt(sha256, "its bytes hash to another digest").catch((e: unknown) => onError(e, sha256)),
      );
      source.on("error", (e) => check.destroy(e));
      check.on("close", () => {
        if (!source.destroyed) source.destroy();
      });
      return source.pipe(check);
    },
    // No database read here: has() is called inside write transactions (gc, import), where a query on another
    // connection path would wait for the transaction itself. Pushes check the corrupt mark themselves.
    has: (sha256) => inner.has(sha256),
    delete: (sha256) => inner.delete(sha256),
    list: () => inner.list(),
    ping: () => inner.ping(),
  };
}
