import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { ModelgateError } from "../../core/errors.js";
import type { FileRecord } from "../db/versions.js";
import type { BlobStore } from "../storage/types.js";
import { checkFilePath } from "../validate/names.js";

export interface Materialized {
  /** The model folder: root/<model>. */
  dir: string;
  /** Holds dir; remove it with cleanup(). */
  root: string;
  cleanup(): Promise<void>;
}

/** Writes a version's files from the blob store into a new temporary folder `tmpDir/<prefix>-…/<model>/`. */
export async function materializeVersion(blobs: BlobStore, tmpDir: string, prefix: string, model: string, files: readonly FileRecord[]): Promise<Materialized> {
  const root = await mkdtemp(join(tmpDir, `${prefix}-`));
  const dir = join(root, model);
  const cleanup = (): Promise<void> => rm(root, { recursive: true, force: true });
  try {
    await mkdir(dir);
    for (const f of files) {
      checkFilePath(f.path);
      const target = resolve(dir, ...f.path.split("/"));
      if (!target.startsWith(dir + sep)) throw new ModelgateError("INVALID_OPTION", `file path ${f.path} leaves the model folder`);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(await blobs.get(f.sha256), createWriteStream(target, { flags: "wx", mode: 0o600 }));
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { dir, root, cleanup };
}
