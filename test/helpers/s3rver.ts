/**
 * A real S3 endpoint for tests: s3rver (filesystem-backed S3 API) on 127.0.0.1 with a random port and a temporary
 * folder, one bucket created up front. `stop()` closes it and removes the folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export interface S3TestConfig {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface S3rverInstance {
  /** Ready for createS3BlobStore / ServerConfig.s3. */
  config: S3TestConfig;
  /** Where s3rver keeps the objects (to assert on what is stored). */
  directory: string;
  /** "METHOD /path?query" of every request received, in order (to assert on how clients talk to S3). */
  requests: string[];
  stop(): Promise<void>;
}

export async function startS3rver(options: { bucket?: string; createBucket?: boolean } = {}): Promise<S3rverInstance> {
  const directory = mkdtempSync(join(tmpdir(), "modelgate-s3-"));
  const bucket = options.bucket ?? "modelgate-test";
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: options.createBucket === false ? [] : [{ name: bucket }],
  });
  const address = await server.run();
  const requests: string[] = [];
  server.httpServer.on("request", (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  let stopped = false;
  return {
    config: {
      endpoint: `http://127.0.0.1:${address.port}`,
      region: "us-east-1",
      bucket,
      // s3rver checks signatures made with these fixed credentials.
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    },
    directory,
    requests,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
