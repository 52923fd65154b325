/**
 * Content-addressed blobs in S3-compatible object storage (@aws-sdk/client-s3 + lib-storage), shared by every
 * API/worker process of a scaled-out server.
 *
 * The caller has already streamed the upload to a local temporary file while hashing it; `putFile` then sends
 * that file straight to its final key `blobs/<first two hex digits>/<sha256>`. An S3 object (single PUT, or a
 * multipart upload once CompleteMultipartUpload returns) becomes visible only complete, so no half-written blob
 * can be read, and because the key is the content's digest, a retried or concurrent upload of the same content is
 * harmless (and skipped when HeadObject already shows the object with the right size).
 *
 * Checksums: the SDK's default CRC32 request checksums/response validation are set to "WHEN_REQUIRED", since many
 * S3-compatible servers (s3rver, older MinIO, Ceph) do not support them; integrity is ours: the caller hashed
 * the bytes, and the key is that hash.
 */
import { createReadStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { ModelgateError } from "../../core/errors.js";
import type { BlobInfo, BlobStore, StoredBlob } from "./types.js";

export interface S3BlobConfig {
  /** e.g. http://127.0.0.1:4568 for s3rver/MinIO; absent = AWS. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Static credentials; absent = the SDK's default chain (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (endpoint/bucket/key) — needed by s3rver and most self-hosted servers. */
  forcePathStyle?: boolean;
  /** Create the bucket when it does not exist (default false: a missing bucket is a configuration error). */
  createBucket?: boolean;
  /** Multipart part size in bytes (default 16 MiB; S3 needs ≥ 5 MiB). */
  partSize?: number;
}

const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The object key of a blob: `blobs/ab/abcdef…`. */
export function blobKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new ModelgateError("INVALID_OPTION", `not a lower-case hex SHA-256: ${JSON.stringify(sha256).slice(0, 80)}`);
  return `blobs/${sha256.slice(0, 2)}/${sha256}`;
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string }).name;
  return statusOf(e) === 404 || name === "NotFound" || name === "NoSuchKey" || name === "NoSuchBucket";
}

function storageError(what: string, config: S3BlobConfig, e: unknown): ModelgateError {
  if (e instanceof ModelgateError) return e;
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const where = `${config.endpoint ?? "AWS S3"} bucket ${config.bucket}`;
  return new ModelgateError("NETWORK_ERROR", `object storage (${where}): ${what} failed: ${detail}`, { cause: e });
}

export async function createS3BlobStore(config: S3BlobConfig, tmpDir: string): Promise<BlobStore> {
  if (!config.bucket) throw new ModelgateError("INVALID_OPTION", "S3 blob storage needs a bucket name");
  if (!config.region) throw new ModelgateError("INVALID_OPTION", "S3 blob storage needs a region (any value, e.g. us-east-1, for s3rver/MinIO)");
  if ((config.accessKeyId === undefined) !== (config.secretAccessKey === undefined)) {
    throw new ModelgateError("INVALID_OPTION", "S3 credentials need both accessKeyId and secretAccessKey, or neither (default credential chain)");
  }
  const partSize = config.partSize ?? DEFAULT_PART_SIZE;
  // The temp folder is where the caller streams uploads; make sure it exists (it is the caller's to clean).
  await mkdir(tmpDir, { recursive: true });

  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle ?? false,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
  };
  if (config.endpoint) clientConfig.endpoint = config.endpoint;
  if (config.accessKeyId !== undefined && config.secretAccessKey !== undefined) {
    clientConfig.credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  }
  // The pinned SDK warns on every start under Node < 22 that *future* SDK releases will need Node 22; modelgate
  // supports Node 20.19+ with this pinned version, so the warning would only be noise in the server's log.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const client = new S3Client(clientConfig);
  const Bucket = config.bucket;

  async function headSize(sha256: string): Promise<number | undefined> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket, Key: blobKey(sha256) }));
      return head.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw storageError(`HeadObject ${sha256}`, config, e);
    }
  }

  async function ensureBucket(): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket }));
      return;
    } catch (e) {
      if (!isNotFound(e)) throw storageError("HeadBucket", config, e);
      if (!config.createBucket) {
        throw new ModelgateError("INVALID_OPTION", `S3 bucket ${Bucket} does not exist at ${config.endpoint ?? "AWS S3"} (create it, or enable createBucket)`);
      }
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket }));
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw storageError("CreateBucket", config, e);
    }
  }

  await ensureBucket();

  const store: BlobStore = {
    kind: "s3",

    async putFile(tempPath: string, info: BlobInfo, opts?: { replace?: boolean }): Promise<void> {
      const Key = blobKey(info.sha256);
      const local = await stat(tempPath);
      if (local.size !== info.size) {
        throw new ModelgateError("INTERNAL", `temporary file ${tempPath} has ${local.size} bytes, expected ${info.size} for blob ${info.sha256}`);
      }
      if (opts?.replace || (await headSize(info.sha256)) !== info.size) {
        try {
          const upload = new Upload({
            client,
            params: {
              Bucket,
              Key,
              Body: createReadStream(tempPath, { highWaterMark: 1024 * 1024 }),
              ContentLength: info.size,
              ContentType: "application/octet-stream",
              Metadata: { sha256: info.sha256 },
            },
            partSize,
            queueSize: 2,
            leavePartsOnError: false,
          });
          await upload.done();
        } catch (e) {
          throw storageError(`upload of ${info.sha256} (${info.size} bytes)`, config, e);
        }
      }
      // Consumed, like the fs store's move: the bytes now live under their digest.
      await rm(tempPath, { force: true });
    },

    async get(sha256: string): Promise<Readable> {
      const Key = blobKey(sha256);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key }));
        if (!out.Body) throw new ModelgateError("INTERNAL", `object storage returned no body for blob ${sha256}`);
        return out.Body as Readable;
      } catch (e) {
        if (isNotFound(e)) throw new ModelgateError("NOT_FOUND", `blob ${sha256} not found`);
        throw storageError(`GetObject ${sha256}`, config, e);
      }
    },

    async has(sha256: string): Promise<boolean> {
      return (await headSize(sha256)) !== undefined;
    },

    async delete(sha256: string): Promise<void> {
      const Key = blobKey(sha256); // INVALID_OPTION for a non-digest, before any request
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key }));
      } catch (e) {
        if (isNotFound(e)) return;
        throw storageError(`DeleteObject ${sha256}`, config, e);
      }
    },

    async *list(): AsyncGenerator<StoredBlob> {
      let ContinuationToken: string | undefined;
      do {
        let page;
        try {
          page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: "blobs/", ...(ContinuationToken ? { ContinuationToken } : {}) }));
        } catch (e) {
          throw storageError("ListObjectsV2", config, e);
        }
        for (const o of page.Contents ?? []) {
          const m = /^blobs\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(o.Key ?? "");
          if (m) yield { sha256: m[1]!, size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async ping(): Promise<void> {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (e) {
        throw storageError("HeadBucket", config, e);
      }
    },
  };
  return store;
}
