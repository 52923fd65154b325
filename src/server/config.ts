import { resolve } from "node:path";
import { ModelgateError } from "../core/errors.js";
import { parseAllowlist, type OutboundAllowlist } from "../net/outbound.js";

/** Options of `modelgate serve` and of createServer(); see ResolvedServerConfig for the defaults. */
export interface ServerConfig {
  /** Default 8414; 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Holds the SQLite database, blobs/, tmp/ and keys/. */
  dataDir: string;
  /** postgres://… → PostgreSQL; absent → SQLite in dataDir. */
  databaseUrl?: string;
  /** S3-compatible object storage for blobs; absent → content-addressed folder dataDir/blobs. */
  s3?: { endpoint?: string; region: string; bucket: string; accessKeyId?: string; secretAccessKey?: string; forcePathStyle?: boolean };
  /** In-process workers (scan, re-audit, webhook delivery); default 1; 0 = API only (stateless API node). */
  workers?: number;
  /** Largest file accepted in an upload, in bytes; default 64 GiB. */
  maxUploadBytes?: number;
  /** Organisation policy file (issue 6 format); a policy stored with PUT /api/v1/policy takes precedence. */
  policy?: string;
  /** OSV vulnerability database folder for dependency audits. */
  vulnDb?: string;
  /** pino level; default "info" ("silent" in tests). */
  logLevel?: string;
  /** Fixed bootstrap admin token (tests); otherwise one is generated on first start and shown once. */
  adminToken?: string;
  /** Audit log origin line (C2SP checkpoint); default "modelgate/audit-log". */
  auditLogOrigin?: string;
  /** How long a worker holds a job before another may take it over; default 60 s (renewed while it runs). */
  jobLeaseMs?: number;
  /** How often idle workers look for jobs (they are also woken in-process on enqueue); default 1000 ms. */
  jobPollMs?: number;
  /** Webhook delivery attempts before giving up; default 5 (backoff 1 s, 2 s, 4 s, …). */
  webhookAttempts?: number;
  /**
   * Hugging Face-compatible hubs the server may import (pull through) models from, e.g. https://huggingface.co.
   * Empty (the default): imports are off and the server never connects anywhere by itself.
   */
  importFrom?: string[];
  /** Token sent to the import hubs (gated or private repositories); never logged or stored. */
  hubToken?: string;
  /**
   * Internal destinations outbound requests (imports and their redirects, webhooks) may reach anyway: IPs, CIDR
   * ranges or host names. Default none: loopback, private, link-local and metadata addresses are refused.
   */
  allowInternalHosts?: string[];
  /** Largest import in bytes, all files together (each file is also held to maxUploadBytes); default 1 TiB. */
  maxImportBytes?: number;
  /** An import download that receives nothing for this long is aborted (and retried); default 60 s. */
  hubStallMs?: number;
  /** A push (or import) still `uploading` after this many hours is expired and its unshared blobs deleted; default 24. */
  uploadExpiryHours?: number;
  /** Window in which failed authentications are counted (and denied requests aggregated in the audit log); default 60 s. */
  authWindowMs?: number;
  /** Failed authentications per client address and window before 429; default 30. */
  maxAuthFailuresPerAddress?: number;
  /** Failed authentications per token prefix (first 8 characters after mg_) and window before 429; default 10. */
  maxAuthFailuresPerPrefix?: number;
  /** Time a client has to send the request line and headers; default 20 s. */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request, body included; default 6 h (0 = none). */
  requestTimeoutMs?: number;
  /** A connection with no traffic either way for this long is closed; default 60 s. */
  idleTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this long; default 5 s. */
  keepAliveTimeoutMs?: number;
  /** A request body slower than this on average (after uploadGraceMs) is dropped; default 16 KiB/s (0 = off). */
  minUploadBytesPerSecond?: number;
  /** How long a body may take to get going before the minimum rate applies; default 10 s. */
  uploadGraceMs?: number;
  /** Versions of one project waiting for their verdict before new pushes/imports of it get 429; default 200. */
  maxPendingPerProject?: number;
  /** Versions of all projects waiting for their verdict before new pushes/imports get 503; default 2000. */
  maxPendingTotal?: number;
  /** Where the JSON logs go; default stdout. */
  logStream?: { write(line: string): void };
  /**
   * Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed: the client address is taken from it for
   * rate limits, and audit entries record it beside the proxy's address. Default none: the socket's peer is the client.
   */
  trustedProxies?: string[];
}

export interface ResolvedServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  s3: ServerConfig["s3"];
  workers: number;
  maxUploadBytes: number;
  policy: string | undefined;
  vulnDb: string | undefined;
  logLevel: string;
  adminToken: string | undefined;
  auditLogOrigin: string;
  jobLeaseMs: number;
  jobPollMs: number;
  webhookAttempts: number;
  /** Normalised hub base URLs (ending in /). */
  importFrom: URL[];
  hubToken: string | undefined;
  /** Parsed allowInternalHosts. */
  outboundAllow: OutboundAllowlist;
  maxImportBytes: number;
  hubStallMs: number;
  uploadExpiryHours: number;
  authWindowMs: number;
  maxAuthFailuresPerAddress: number;
  maxAuthFailuresPerPrefix: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  minUploadBytesPerSecond: number;
  uploadGraceMs: number;
  maxPendingPerProject: number;
  maxPendingTotal: number;
  logStream: ServerConfig["logStream"];
  trustedProxies: string[];
  tmpDir: string;
  keyDir: string;
}

export const DEFAULT_PORT = 8414;
export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 ** 3;
export const DEFAULT_MAX_IMPORT_BYTES = 1024 ** 4;

function nonNegativeInt(name: string, v: number | undefined, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min) throw new ModelgateError("INVALID_OPTION", `${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

function hubUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ModelgateError("INVALID_OPTION", `import hub must be an http(s) URL such as https://huggingface.co, got ${JSON.stringify(text)}`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.search || url.hash) {
    throw new ModelgateError("INVALID_OPTION", `import hub must be a plain http(s) URL without credentials or query, got ${JSON.stringify(text)}`);
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

export function resolveServerConfig(config: ServerConfig): ResolvedServerConfig {
  if (!config.dataDir) throw new ModelgateError("INVALID_OPTION", "dataDir is required");
  const dataDir = resolve(config.dataDir);
  const port = nonNegativeInt("port", config.port, DEFAULT_PORT);
  if (port > 65535) throw new ModelgateError("INVALID_OPTION", `port must be 0…65535, got ${port}`);
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ModelgateError("INVALID_OPTION", `database URL must start with postgres:// (SQLite is the default and needs no URL), got ${config.databaseUrl}`);
  }
  if (config.adminToken !== undefined && !/^mg_[A-Za-z0-9_-]{20,}$/.test(config.adminToken)) {
    throw new ModelgateError("INVALID_OPTION", "adminToken must look like mg_<base64url, at least 20 characters>");
  }
  return {
    port,
    host: config.host ?? "127.0.0.1",
    dataDir,
    databaseUrl: config.databaseUrl,
    s3: config.s3,
    workers: nonNegativeInt("workers", config.workers, 1),
    maxUploadBytes: nonNegativeInt("maxUploadBytes", config.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES, 1),
    policy: config.policy === undefined ? undefined : resolve(config.policy),
    vulnDb: config.vulnDb === undefined ? undefined : resolve(config.vulnDb),
    logLevel: config.logLevel ?? "info",
    adminToken: config.adminToken,
    auditLogOrigin: config.auditLogOrigin ?? "modelgate/audit-log",
    jobLeaseMs: nonNegativeInt("jobLeaseMs", config.jobLeaseMs, 60_000, 100),
    jobPollMs: nonNegativeInt("jobPollMs", config.jobPollMs, 1000, 10),
    webhookAttempts: nonNegativeInt("webhookAttempts", config.webhookAttempts, 5, 1),
    importFrom: (config.importFrom ?? []).map(hubUrl),
    hubToken: config.hubToken || undefined,
    outboundAllow: parseAllowlist(config.allowInternalHosts),
    maxImportBytes: nonNegativeInt("maxImportBytes", config.maxImportBytes, DEFAULT_MAX_IMPORT_BYTES, 1),
    hubStallMs: nonNegativeInt("hubStallMs", config.hubStallMs, 60_000, 10),
    uploadExpiryHours: nonNegativeInt("uploadExpiryHours", config.uploadExpiryHours, 24, 1),
    authWindowMs: nonNegativeInt("authWindowMs", config.authWindowMs, 60_000, 100),
    maxAuthFailuresPerAddress: nonNegativeInt("maxAuthFailuresPerAddress", config.maxAuthFailuresPerAddress, 30, 1),
    maxAuthFailuresPerPrefix: nonNegativeInt("maxAuthFailuresPerPrefix", config.maxAuthFailuresPerPrefix, 10, 1),
    headersTimeoutMs: nonNegativeInt("headersTimeoutMs", config.headersTimeoutMs, 20_000, 100),
    requestTimeoutMs: nonNegativeInt("requestTimeoutMs", config.requestTimeoutMs, 6 * 3600_000),
    idleTimeoutMs: nonNegativeInt("idleTimeoutMs", config.idleTimeoutMs, 60_000, 100),
    keepAliveTimeoutMs: nonNegativeInt("keepAliveTimeoutMs", config.keepAliveTimeoutMs, 5_000, 100),
    minUploadBytesPerSecond: nonNegativeInt("minUploadBytesPerSecond", config.minUploadBytesPerSecond, 16 * 1024),
    uploadGraceMs: nonNegativeInt("uploadGraceMs", config.uploadGraceMs, 10_000, 100),
    maxPendingPerProject: nonNegativeInt("maxPendingPerProject", config.maxPendingPerProject, 200, 1),
    maxPendingTotal: nonNegativeInt("maxPendingTotal", config.maxPendingTotal, 2000, 1),
    logStream: config.logStream,
    trustedProxies: (config.trustedProxies ?? []).map((p) => {
      if (!/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(p)) throw new ModelgateError("INVALID_OPTION", `trusted proxy must be an IP address or CIDR range, got ${JSON.stringify(p)}`);
      return p;
    }),
    tmpDir: resolve(dataDir, "tmp"),
    keyDir: resolve(dataDir, "keys"),
  };
}
