import { mkdir } from "node:fs/promises";
import { join } from "node:path";
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
      const { createS3BlobStore } = await import("./s3-blobs.js");
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
