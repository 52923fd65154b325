import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { countByStatus } from "./db/versions.js";
import type { JobQueue } from "./jobs/queue.js";
import type { SqlDatabase } from "./storage/types.js";

/** Prometheus metrics of one server (its own registry, so several servers can live in one process). */
export interface ServerMetrics {
  registry: Registry;
  requests: Counter<"method" | "route" | "status">;
  latency: Histogram<"method" | "route">;
  uploadBytes: Counter;
  jobs: Counter<"type" | "outcome">;
  /** Abandoned pushes/imports the gc job expired (version rows deleted). */
  expiredUploads: Counter;
  /** Blobs the gc job deleted (no version referred to them any more). */
  deletedBlobs: Counter;
}

export function createServerMetrics(db: SqlDatabase, queue: JobQueue): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "modelgate_" });
  const requests = new Counter({
    name: "modelgate_http_requests_total",
    help: "HTTP requests by method, route pattern and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "modelgate_http_request_duration_seconds",
    help: "HTTP request latency by method and route pattern",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  const uploadBytes = new Counter({ name: "modelgate_upload_bytes_total", help: "Bytes received in file uploads", registers: [registry] });
  const jobs = new Counter({ name: "modelgate_jobs_total", help: "Jobs run by this process's workers, by type and outcome", labelNames: ["type", "outcome"] as const, registers: [registry] });
  const expiredUploads = new Counter({ name: "modelgate_gc_expired_uploads_total", help: "Uploads left unfinished past --upload-expiry-hours that this process's gc job expired", registers: [registry] });
  const deletedBlobs = new Counter({ name: "modelgate_gc_deleted_blobs_total", help: "Blobs no version referred to any more that this process's gc job deleted", registers: [registry] });
  new Gauge({
    name: "modelgate_versions",
    help: "Model versions by status (whole database)",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const counts = await countByStatus(db);
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: "modelgate_queue_depth",
    help: "Jobs queued or running, by type (whole database)",
    labelNames: ["type"] as const,
    registers: [registry],
    async collect() {
      for (const [type, n] of Object.entries(await queue.depth())) this.set({ type }, n);
    },
  });
  return { registry, requests, latency, uploadBytes, jobs, expiredUploads, deletedBlobs };
}
