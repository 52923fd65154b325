import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

/** Chunk of a streamed digest: large enough to amortise each read, small enough to stay in cache. */
const DIGEST_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * SHA-256 of a file read from start to end in one reused buffer, reporting the bytes hashed so far
 * (`onBytes("digest", done, size)`; `size` is the size at open, `done` may pass it if the file grows).
 */
export async function sha256File(path: string, onBytes?: (phase: "digest", bytesDone: number, bytesTotal: number) => void): Promise<string> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(DIGEST_CHUNK_BYTES, size)));
    let done = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, done);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      done += bytesRead;
      onBytes?.("digest", done, size);
    }
    return hash.digest("hex");
  } finally {
    await handle.close();
  }
}
