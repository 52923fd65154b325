import { createHash, randomUUID } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { LimitError, ModelgateError } from "../../core/errors.js";

export interface ReceivedFile {
  tempPath: string;
  size: number;
  sha256: string;
}

/**
 * Streams an upload body to a new file in `tmpDir` while hashing it (memory stays flat: one chunk at a time,
 * backpressure from the disk). Over `maxBytes` → LimitError (413); more than `expectedSize` → MALFORMED_INPUT (400).
 * The temp file is fsynced; on any error it is removed.
 */
export async function receiveToTemp(body: Readable, tmpDir: string, opts: { maxBytes: number; expectedSize?: number; onBytes?: (n: number) => void }): Promise<ReceivedFile> {
  const tempPath = join(tmpDir, `upload-${randomUUID()}`);
  const hash = createHash("sha256");
  let size = 0;
  const fh = await open(tempPath, "wx", 0o600);
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > opts.maxBytes) throw new LimitError("maxUploadBytes", size, opts.maxBytes, `upload is larger than the limit of ${opts.maxBytes} bytes`);
      if (opts.expectedSize !== undefined && size > opts.expectedSize) {
        throw new ModelgateError("MALFORMED_INPUT", `upload has more bytes than the declared size ${opts.expectedSize}`);
      }
      hash.update(buf);
      let off = 0;
      while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
      opts.onBytes?.(buf.length);
    }
    await fh.sync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw e;
  }
  return { tempPath, size, sha256: hash.digest("hex") };
}
