import type { FastifyBaseLogger } from "fastify";
import type { AuditLog } from "./audit/log.js";
import type { ResolvedServerConfig } from "./config.js";
import type { JobQueue } from "./jobs/queue.js";
import type { ServerMetrics } from "./metrics.js";
import type { ServerKey } from "./signing/server-key.js";
import type { BlobStore, SqlDatabase } from "./storage/types.js";

/** What route modules, jobs and services share: one per server process. */
export interface ServerContext {
  config: ResolvedServerConfig;
  db: SqlDatabase;
  blobs: BlobStore;
  auditLog: AuditLog;
  queue: JobQueue;
  metrics: ServerMetrics;
  serverKey: ServerKey;
  log: FastifyBaseLogger;
}
