import { writeFile } from "node:fs/promises";
import { parseSize } from "../../config/size.js";
import { ModelgateError } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";

interface ServeCliOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  s3Bucket?: string;
  s3Region?: string;
  s3Endpoint?: string;
  s3PathStyle?: boolean;
  policy?: string;
  vulnDb?: string;
  workers?: string;
  maxUpload?: string;
  maxImport?: string;
  logLevel?: string;
  importFrom?: string[];
  allowInternalHost?: string[];
  uploadExpiryHours?: string;
  adminTokenFile?: string;
}

function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ModelgateError("USAGE", `${name} must be an integer from ${min} to ${max}, got ${value}`);
  return n;
}

/** Front-door limits read from the environment (integers; see docs/server.md "Limits at the front door"). */
const LIMIT_ENV = {
  MODELGATE_AUTH_WINDOW_MS: "authWindowMs",
  MODELGATE_MAX_AUTH_FAILURES_PER_ADDRESS: "maxAuthFailuresPerAddress",
  MODELGATE_MAX_AUTH_FAILURES_PER_PREFIX: "maxAuthFailuresPerPrefix",
  MODELGATE_HEADERS_TIMEOUT_MS: "headersTimeoutMs",
  MODELGATE_REQUEST_TIMEOUT_MS: "requestTimeoutMs",
  MODELGATE_IDLE_TIMEOUT_MS: "idleTimeoutMs",
  MODELGATE_KEEP_ALIVE_TIMEOUT_MS: "keepAliveTimeoutMs",
  MODELGATE_MIN_UPLOAD_BYTES_PER_SECOND: "minUploadBytesPerSecond",
  MODELGATE_UPLOAD_GRACE_MS: "uploadGraceMs",
  MODELGATE_MAX_PENDING_PER_PROJECT: "maxPendingPerProject",
  MODELGATE_MAX_PENDING_TOTAL: "maxPendingTotal",
} as const;

function limitsFromEnv(env: NodeJS.ProcessEnv): Record<string, number | string[]> {
  const out: Record<string, number | string[]> = {};
  for (const [name, key] of Object.entries(LIMIT_ENV)) {
    const n = intOption(name, env[name], 0, Number.MAX_SAFE_INTEGER);
    if (n !== undefined) out[key] = n;
  }
  const proxies = (env.MODELGATE_TRUSTED_PROXIES ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  if (proxies.length > 0) out.trustedProxies = proxies;
  return out;
}

/** `modelgate serve`: runs the gate server until SIGINT/SIGTERM. */
export async function runServe(raw: Record<string, unknown>): Promise<number> {
  const o = raw as ServeCliOptions;
  let config;
  try {
    const maxUploadBytes = o.maxUpload === undefined ? undefined : parseSize(o.maxUpload);
    if (o.maxUpload !== undefined && maxUploadBytes === undefined) throw new ModelgateError("USAGE", `--max-upload must be a size such as 10GiB, got ${o.maxUpload}`);
    const maxImportBytes = o.maxImport === undefined ? undefined : parseSize(o.maxImport);
    if (o.maxImport !== undefined && maxImportBytes === undefined) throw new ModelgateError("USAGE", `--max-import must be a size such as 500GiB, got ${o.maxImport}`);
    const port = intOption("--port", o.port, 0, 65535);
    const workers = intOption("--workers", o.workers, 0, 64);
    const uploadExpiryHours = intOption("--upload-expiry-hours", o.uploadExpiryHours ?? process.env.MODELGATE_UPLOAD_EXPIRY_HOURS, 1, 24 * 365);
    const databaseUrl = o.databaseUrl ?? process.env.MODELGATE_DATABASE_URL;
    // Blobs in S3 (or any S3-compatible store) when a bucket is named; credentials from the AWS default chain.
    const s3Bucket = o.s3Bucket ?? process.env.MODELGATE_S3_BUCKET;
    const s3Endpoint = o.s3Endpoint ?? process.env.MODELGATE_S3_ENDPOINT;
    const s3Region = o.s3Region ?? process.env.MODELGATE_S3_REGION ?? process.env.AWS_REGION;
    if (s3Bucket === undefined && (o.s3Endpoint !== undefined || o.s3Region !== undefined || o.s3PathStyle)) {
      throw new ModelgateError("USAGE", "--s3-endpoint, --s3-region and --s3-path-style need --s3-bucket");
    }
    if (s3Bucket !== undefined && !s3Region) throw new ModelgateError("USAGE", "--s3-bucket needs a region: --s3-region, MODELGATE_S3_REGION or AWS_REGION");
    const s3 = s3Bucket !== undefined ? { bucket: s3Bucket, region: s3Region!, ...(s3Endpoint ? { endpoint: s3Endpoint } : {}), ...(o.s3PathStyle ? { forcePathStyle: true } : {}) } : undefined;
    const importFrom = o.importFrom ?? (process.env.MODELGATE_IMPORT_FROM ? process.env.MODELGATE_IMPORT_FROM.split(",").map((u) => u.trim()).filter(Boolean) : []);
    const hubToken = process.env.MODELGATE_HF_TOKEN;
    const allowInternalHosts = o.allowInternalHost ?? (process.env.MODELGATE_ALLOW_INTERNAL_HOSTS ? process.env.MODELGATE_ALLOW_INTERNAL_HOSTS.split(",").map((u) => u.trim()).filter(Boolean) : []);
    config = {
      dataDir: o.dataDir ?? "modelgate-data",
      ...(importFrom.length > 0 ? { importFrom } : {}),
      ...(hubToken ? { hubToken } : {}),
      ...(allowInternalHosts.length > 0 ? { allowInternalHosts } : {}),
      ...(maxImportBytes !== undefined ? { maxImportBytes } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(o.host !== undefined ? { host: o.host } : {}),
      ...(databaseUrl ? { databaseUrl } : {}),
      ...(s3 ? { s3 } : {}),
      ...(o.policy !== undefined ? { policy: o.policy } : {}),
      ...(o.vulnDb !== undefined ? { vulnDb: o.vulnDb } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(maxUploadBytes !== undefined ? { maxUploadBytes } : {}),
      ...(uploadExpiryHours !== undefined ? { uploadExpiryHours } : {}),
      ...limitsFromEnv(process.env),
      logLevel: o.logLevel ?? process.env.MODELGATE_LOG_LEVEL ?? "info",
    };
  } catch (e) {
    process.stderr.write(`modelgate serve: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }
  const { createServer } = await import("../../server/app.js");
  let server;
  try {
    server = await createServer(config);
  } catch (e) {
    if (e instanceof ModelgateError || (e as NodeJS.ErrnoException).code === "EADDRINUSE" || (e as NodeJS.ErrnoException).code === "EACCES") {
      process.stderr.write(`modelgate serve: ${(e as Error).message}\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
  // Handlers first: the banner is how a supervisor learns the server is up, and it may signal at once.
  const stopped = new Promise<number>((resolve) => {
    let closing = false;
    const stop = (signal: string): void => {
      if (closing) return;
      closing = true;
      process.stderr.write(`modelgate serve: ${signal}: shutting down (finishing running jobs)\n`);
      server.close().then(
        () => resolve(EXIT.OK),
        (e: unknown) => {
          process.stderr.write(`modelgate serve: shutdown failed: ${(e as Error).message}\n`);
          resolve(EXIT.USAGE);
        },
      );
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  const lines = [`modelgate gate server listening on ${server.url}`, `  data: ${server.config.dataDir}${server.config.databaseUrl ? ` (metadata in PostgreSQL)` : ""}${server.config.s3 ? ` (files in s3://${server.config.s3.bucket})` : ""}`, `  dashboard: ${server.url}/ (log in with a token)`];
  if (server.config.importFrom.length > 0) lines.push(`  imports (pull-through) from: ${server.config.importFrom.map((u) => u.href).join(", ")}${server.config.hubToken ? " (with a hub token)" : ""}`);
  lines.push(`  API description: ${server.url}/openapi.json`);
  lines.push(`  signing key: ${server.serverKeyHint} (publish it: consumers compare it with what modelgate server-key prints)`);
  let tokenWritten = false;
  if (server.adminToken && o.adminTokenFile !== undefined) {
    // Written before the banner (which is how a supervisor or script learns the server is up), readable by the owner only,
    // and never over an existing file: a token file from another server must not be silently replaced.
    try {
      await writeFile(o.adminTokenFile, `${server.adminToken}\n`, { mode: 0o600, flag: "wx" });
      tokenWritten = true;
      lines.push("", `  Admin token written to ${o.adminTokenFile} (mode 600; not printed, so it stays out of logs).`);
    } catch (e) {
      process.stderr.write(`modelgate serve: could not write the admin token to ${o.adminTokenFile}: ${(e as Error).message}; it is printed below instead\n`);
    }
  } else if (o.adminTokenFile !== undefined) {
    lines.push(`  admin token: not written to ${o.adminTokenFile} (this data dir was set up before; the first start's token stands)`);
  }
  if (server.adminToken) {
    lines.push(
      ...(tokenWritten ? ["", `  Next: export MODELGATE_TOKEN=$(cat ${o.adminTokenFile})`] : ["", "  Admin token (save it now: it will not be shown again):", `    ${server.adminToken}`, "", `  Next: export MODELGATE_TOKEN=<the token above>`]),
      `        modelgate project create demo --server ${server.url}`,
      `        modelgate push ./my-model --to ${server.url} --project demo --model my-model --version 1 --wait`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return stopped;
}
