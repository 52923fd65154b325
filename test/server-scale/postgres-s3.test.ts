/**
 * The gate server's whole end-to-end and security suite (test/server/suite.ts) on the scaled-out storage: a real
 * PostgreSQL (throwaway cluster on loopback) for metadata and jobs, s3rver for blobs.
 */
import { afterAll } from "vitest";
import { describeServerSuite } from "../server/suite.js";
import { postgresSupport, startPostgres, type PostgresCluster } from "../helpers/postgres.js";
import { startS3rver, type S3rverInstance } from "../helpers/s3rver.js";

const support = postgresSupport();
let pg: PostgresCluster | undefined;
let s3: S3rverInstance | undefined;

afterAll(async () => {
  await s3?.stop();
  await pg?.stop();
});

describeServerSuite(
  "PostgreSQL + S3 (s3rver)",
  async () => {
    pg ??= await startPostgres();
    s3 ??= await startS3rver();
    return { databaseUrl: await pg.createDatabase(), s3: s3.config };
  },
  { skip: support.skip },
);
