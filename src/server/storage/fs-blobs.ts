import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat, unlink, access, constants } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { ModelgateError } from "../../core/errors.js";
import type { BlobInfo, BlobStore, StoredBlob } from "./types.js";

const SHA256 = /^[0-9a-f]{64}$/;

function checkDigest(sha256: string): void {
  if (!SHA256.test(sha256)) throw new ModelgateError("INVALID_OPTION", `not a lower-case hex SHA-256: ${sha256.slice(0, 80)}`);
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Content-addressed blobs in a folder: `root/ab/cdef…` for digest `abcdef…`. putFile fsyncs the temp file, renames it
 * into place (atomic on one file system: tmpDir must be on the same one as root) and fsyncs the folder, so a crash
 * never leaves a half-written blob under a digest.
 */
export async function createFsBlobStore(root: string): Promise<BlobStore> {
  await mkdir(root, { recursive: true });
  const pathOf = (sha256: string): string => join(root, sha256.slice(0, 2), sha256.slice(2));
  return {
    kind: "fs",
    async putFile(tempPath: string, info: BlobInfo, opts?: { replace?: boolean }): Promise<void> {
      checkDigest(info.sha256);
      const target = pathOf(info.sha256);
      const st = await stat(tempPath);
      if (st.size !== info.size) throw new ModelgateError("INTERNAL", `temp file ${tempPath} has ${st.size} bytes, expected ${info.size}`);
      const existing = await stat(target).catch(() => undefined);
      if (existing?.isFile() && existing.size === info.size && !opts?.replace) {
        await unlink(tempPath).catch(() => undefined);
        return;
      }
      await mkdir(dirname(target), { recursive: true });
      await fsyncPath(tempPath);
      await rename(tempPath, target);
      await fsyncPath(dirname(target));
    },
    async get(sha256: string): Promise<Readable> {
      checkDigest(sha256);
      const path = pathOf(sha256);
      try {
        await access(path, constants.R_OK);
      } catch {
        throw new ModelgateError("NOT_FOUND", `blob ${sha256} is not stored`);
      }
      return createReadStream(path, { highWaterMark: 1 << 20 });
    },
    async has(sha256: string): Promise<boolean> {
      checkDigest(sha256);
      const st = await stat(pathOf(sha256)).catch(() => undefined);
      return st?.isFile() === true;
    },
    async delete(sha256: string): Promise<void> {
      checkDigest(sha256);
      await rm(pathOf(sha256), { force: true });
    },
    async *list(): AsyncGenerator<StoredBlob> {
      for (const dir of (await readdir(root).catch(() => [] as string[])).sort()) {
        if (!/^[0-9a-f]{2}$/.test(dir)) continue;
        for (const name of (await readdir(join(root, dir)).catch(() => [] as string[])).sort()) {
          if (!/^[0-9a-f]{62}$/.test(name)) continue;
          const st = await stat(join(root, dir, name)).catch(() => undefined);
          if (st?.isFile()) yield { sha256: dir + name, size: st.size, modifiedAt: st.mtime };
        }
      }
    },
    async ping(): Promise<void> {
      await access(root, constants.R_OK | constants.W_OK);
    },
  };
}
