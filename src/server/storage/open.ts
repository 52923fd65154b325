import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ModelgateError } from "../../core/errors.js";
import type { ResolvedServerConfig } from "../config.js";
import { clearBlobCorrupt, isBlobCorrupt, markBlobCorrupt } from "../db/corrupt-blobs.js";
import { createFsBlobStore } from "./fs-blobs.js";
import { createSqliteDatabase } from "./sqlite.js";
import type { BlobStore, SqlDatabase } from "./types.js";
import { createVerifyingBlobStore } from "./verifying.js";

/**
 * Opens the metadata database and the blob store the configuration names: SQLite + folder by default. The
 * PostgreSQL and S3 adapters are imported only when configured (the AWS SDK is large to load for nothing).
 * Every blob read is verified against its digest while it streams (storage/verifying.ts).
 */
/** The AWS SDK packages the S3 blob store needs: optional (peer) dependencies, installed by those who use S3. */
export const S3_PACKAGES = ["@aws-sdk/client-s3", "@aws-sdk/lib-storage"] as const;

/**
 * The S3 blob store's module. The AWS SDK is not installed with modelgate (about 22 MB and 100 packages that only
 * an S3 deployment uses): when it is missing, the error says what to install.
 */
async function importS3Store(): Promise<typeof import("./s3-blobs.js")> {
  try {
    return await import("./s3-blobs.js");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const missing = S3_PACKAGES.find((p) => (e as Error).message.includes(p));
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && missing !== undefined) {
      throw new ModelgateError("INVALID_OPTION", `--s3-bucket needs the AWS SDK, which is not installed with modelgate: run npm install ${S3_PACKAGES.map((p) => `${p}@3`).join(" ")} where modelgate is installed (${missing} is missing)`, { cause: e });
    }
    throw e;
  }
}

export async function openStorage(config: ResolvedServerConfig): Promise<{ db: SqlDatabase; blobs: BlobStore }> {
  await mkdir(config.dataDir, { recursive: true });
  await mkdir(config.tmpDir, { recursive: true });
  let db: SqlDatabase;
  if (config.databaseUrl) {
    const { createPostgresDatabase } = await import("./postgres.js");
    db = await createPostgresDatabase(config.databaseUrl);
  } else {
    db = await createSqliteDatabase(join(config.dataDir, "modelgate.db"));
  }
  let blobs: BlobStore;
  try {
    if (config.s3) {
      const { createS3BlobStore } = await importS3Store();
      blobs = await createS3BlobStore(config.s3, config.tmpDir);
    } else {
      blobs = await createFsBlobStore(join(config.dataDir, "blobs"));
    }
  } catch (e) {
    await db.close();
    throw e;
  }
  const verified = createVerifyingBlobStore(blobs, {
    isCorrupt: (sha256) => isBlobCorrupt(db, sha256),
    markCorrupt: (sha256, detail) => markBlobCorrupt(db, sha256, detail),
    clearCorrupt: (sha256) => clearBlobCorrupt(db, sha256),
  });
  return { db, blobs: verified };
}
