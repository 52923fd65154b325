import { access, chmod, mkdir, open, readdir, rm } from "node:fs/promises";
import { ModelgateError } from "../core/errors.js";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { createAuditLog, type AuditLog } from "./audit/log.js";
import { authorize } from "./auth/authorize.js";
import { generateToken, hashToken } from "./auth/tokens.js";
import { resolveServerConfig, type ResolvedServerConfig, type ServerConfig } from "./config.js";
import type { ServerContext } from "./context.js";
import { claimMeta, getMeta } from "./db/meta.js";
import { migrate } from "./db/migrations.js";
import { insertToken } from "./db/tokens.js";
import { deriveSecretsKey, sealStoredSecrets, useSecretsKey } from "./db/webhooks.js";
import { recordEvent } from "./events/audit.js";
import { runImportJob } from "./imports/import-job.js";
import { collectGarbage, runGcJob, startGcScheduling, type GcRunResult } from "./jobs/gc-job.js";
import { createJobQueue } from "./jobs/queue.js";
import { runReauditJob } from "./jobs/reaudit-job.js";
import { runScanJob } from "./jobs/scan-job.js";
import { runWebhookJob } from "./jobs/webhook-job.js";
import { startWorkers, type WorkerPool } from "./jobs/worker.js";
import { createServerMetrics } from "./metrics.js";
import { registerAdmissionControl } from "./middlewares/admission.js";
import { createAuthThrottle, registerAuthThrottle } from "./middlewares/auth-throttle.js";
import { registerAuthenticate } from "./middlewares/authenticate.js";
import { registerSecurityHeaders, serializeRequest } from "./middlewares/confidentiality.js";
import { registerDeclaredFileChecks } from "./middlewares/declared-files.js";
import { registerErrorHandler } from "./middlewares/error-handler.js";
import { registerRequestMetrics } from "./middlewares/metrics.js";
import { registerOctetStream } from "./middlewares/octet-stream.js";
import { registerRequestOrigin } from "./middlewares/request-origin.js";
import { registerRequirePermission } from "./middlewares/require-permission.js";
import { registerConnectionGuards, serverTimeoutOptions } from "./middlewares/slow-clients.js";
import { registerValidation } from "./middlewares/validation.js";
import { registerAuditLogRoutes } from "./routes/audit-log.js";
import { registerFileRoutes } from "./routes/files.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerImportRoutes } from "./routes/imports.js";
import { registerPolicyRoutes } from "./routes/policy.js";
import { registerProjectRoutes } from "./routes/projects.js";
import { registerTokenRoutes } from "./routes/tokens.js";
import { registerUploadRoutes } from "./routes/uploads.js";
import { registerVersionRoutes } from "./routes/versions.js";
import { registerVulnDbRoutes } from "./routes/vulndb.js";
import { registerDashboard } from "./routes/web.js";
import { registerWebhookRoutes } from "./routes/webhooks.js";
import { pinNodeKeys } from "./signing/key-pin.js";
import { loadOrCreateServerKey } from "./signing/server-key.js";
import { openStorage } from "./storage/open.js";
import type { BlobStore, SqlDatabase } from "./storage/types.js";

export type { ServerConfig } from "./config.js";

export interface RouteInfo {
  method: string;
  url: string;
  /** Served without a token (config.public). */
  public: boolean;
}

export interface GateServer {
  /** http://HOST:PORT */
  url: string;
  /** The bootstrap admin token: set on the first start only (show it once). */
  adminToken?: string;
  /** The hint of the key approved versions are signed with (what consumers compare `modelgate server-key` with). */
  serverKeyHint: string;
  app: FastifyInstance;
  db: SqlDatabase;
  blobs: BlobStore;
  auditLog: AuditLog;
  config: ResolvedServerConfig;
  /** Every registered route (tests check that each refuses a missing token and is in the OpenAPI document). */
  routes: RouteInfo[];
  /** One garbage collection pass now, as the periodic gc job does (`now` shifts the clock for tests and tools). */
  collectGarbage(now?: Date): Promise<GcRunResult>;
  close(): Promise<void>;
}


/** Removes temporary files a killed process left behind (uploads in flight, scan folders). */
async function cleanTmp(tmpDir: string): Promise<void> {
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    if (/^(upload|scan|sign|vulndb)-/.test(name)) await rm(join(tmpDir, name), { recursive: true, force: true });
  }
}

/**
 * The data folder holds the database, the blobs, temporary uploads and the keys: folders 0700, files 0600. The
 * SQLite file is created 0600 before SQLite opens it (its -wal and -shm files take the database file's mode), and
 * the modes of an existing data folder are tightened at each start.
 */
async function secureDataDir(config: ResolvedServerConfig): Promise<void> {
  for (const dir of [config.dataDir, config.tmpDir, join(config.dataDir, "blobs")]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  await chmod(config.keyDir, 0o700).catch(() => undefined);
  if (config.databaseUrl) return;
  const dbFile = join(config.dataDir, "modelgate.db");
  await (await open(dbFile, "a", 0o600)).close();
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`]) await chmod(f, 0o600).catch(() => undefined);
}

/** The key files in keys/ (server-signing.key: the model-signing key; audit-log-ed25519.pem: the checkpoint key). */
const KEY_FILES = ["server-signing.key", "audit-log-ed25519.pem"] as const;

/**
 * Keys are created only for a fresh start: a database that already pinned its keys (it has signed versions and
 * checkpoints) with key files missing means keys/ vanished — or was never copied to this node. Refuse to start
 * rather than write a fresh key pair nobody trusts.
 */
async function refuseVanishedKeys(db: SqlDatabase, keyDir: string): Promise<void> {
  const pinned = await getMeta(db, "node-keys");
  if (pinned === undefined) return; // a fresh database: first start, keys are created
  const missing: string[] = [];
  for (const f of KEY_FILES) if (!(await access(join(keyDir, f)).then(() => true, () => false))) missing.push(f);
  if (missing.length === 0) return;
  let fp: { serverSigningKey?: string; auditLogKey?: string } = {};
  try {
    fp = JSON.parse(pinned) as typeof fp;
  } catch {
    // named below as unknown
  }
  throw new ModelgateError(
    "INVALID_OPTION",
    `this node's keys in ${keyDir} are not the ones the database was started with: model-signing key ${missing.includes(KEY_FILES[0]) ? "missing" : "present"} (database: ${fp.serverSigningKey ?? "unknown"}); ` +
      `audit-log key ${missing.includes(KEY_FILES[1]) ? "missing" : "present"} (database: ${fp.auditLogKey ?? "unknown"}). ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing and no new key was written: ` +
      "restore the keys/ folder from a backup, or copy the keys/ folder of the first node's data dir to this node, then start it again.",
  );
}

/** Creates the first admin token, once per database (several nodes starting together: one wins). */
async function bootstrapAdmin(ctx: Pick<ServerContext, "db" | "auditLog">, fixed: string | undefined): Promise<string | undefined> {
  return ctx.db.transaction(async (tx) => {
    if (!(await claimMeta(tx, "bootstrap-admin", new Date().toISOString()))) return undefined;
    const token = fixed ?? generateToken();
    const rec = await insertToken(tx, { name: "bootstrap-admin", hash: hashToken(token), admin: true, scopes: [], expiresAt: null, createdBy: null });
    await recordEvent(ctx, { type: "token.created", actor: "system:bootstrap", subject: `token:${rec.id}`, data: { name: rec.name, admin: true, note: "first start: bootstrap admin token" } }, tx);
    return token;
  });
}

/** Starts the gate server: storage, migrations, audit log, keys, HTTP API, workers. Listens before returning. */
export async function createServer(input: ServerConfig): Promise<GateServer> {
  const config = resolveServerConfig(input);
  await secureDataDir(config);
  const { db, blobs } = await openStorage(config);
  let workers: WorkerPool | undefined;
  let app: FastifyInstance | undefined;
  try {
    await cleanTmp(config.tmpDir);
    await migrate(db);
    await refuseVanishedKeys(db, config.keyDir);
    const auditLog = await createAuditLog(db, { keyDir: config.keyDir, origin: config.auditLogOrigin });
    const serverKey = await loadOrCreateServerKey(config.keyDir);
    await pinNodeKeys(db, { serverSigningKeyPem: serverKey.publicKeyPem, auditLogVerifierKey: auditLog.publicKey().verifierKey }, config.keyDir);
    useSecretsKey(db, deriveSecretsKey(serverKey.privateKeyPem));
    await sealStoredSecrets(db);
    const queue = createJobQueue(db);
    // A server killed mid-scan leaves its jobs running under a lease nobody renews: take them over now.
    await queue.releaseDeadLocalLeases();
    const metrics = createServerMetrics(db, queue);

    app = Fastify({
      logger: {
        level: config.logLevel,
        redact: ["req.headers.authorization", "req.headers.cookie"],
        serializers: { req: serializeRequest },
        ...(config.logStream ? { stream: config.logStream } : {}),
      },
      exposeHeadRoutes: false,
      routerOptions: { maxParamLength: 4096 },
      bodyLimit: 2 * 1024 * 1024,
      return503OnClosing: true,
      ...serverTimeoutOptions(config),
      ...(config.trustedProxies.length > 0 ? { trustProxy: config.trustedProxies } : {}),
    });
    const ctx: ServerContext = { config, db, blobs, auditLog, queue, metrics, serverKey, log: app.log };
    const routes: RouteInfo[] = [];
    app.addHook("onRoute", (r) => {
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      const isPublic = (r.config as { public?: boolean } | undefined)?.public === true;
      for (const method of methods) routes.push({ method: String(method), url: r.url, public: isPublic });
    });

    const throttle = createAuthThrottle(ctx, { windowMs: config.authWindowMs, maxFailuresPerAddress: config.maxAuthFailuresPerAddress, maxFailuresPerPrefix: config.maxAuthFailuresPerPrefix });
    registerAuthThrottle(app, throttle);
    registerConnectionGuards(app, config);
    registerSecurityHeaders(app);
    registerRequestOrigin(app);
    registerErrorHandler(app, throttle);
    registerValidation(app);
    registerOctetStream(app);
    registerAuthenticate(app, ctx, throttle);
    registerRequestMetrics(app, metrics);
    registerAdmissionControl(app, ctx, config);
    registerDeclaredFileChecks(app);
    // The core API in one encapsulated context whose onRequest hook authorises every route before its body is
    // read (routes declare their permission; a route that declares none is refused). The audit-log and dashboard
    // modules register at the root and authorise in their handlers.
    await app.register(async (api) => {
      registerRequirePermission(api);
      registerHealthRoutes(api, ctx);
      registerTokenRoutes(api, ctx);
      registerProjectRoutes(api, ctx);
      registerUploadRoutes(api, ctx);
      registerImportRoutes(api, ctx);
      registerVersionRoutes(api, ctx);
      registerFileRoutes(api, ctx);
      registerPolicyRoutes(api, ctx);
      registerWebhookRoutes(api, ctx);
      registerVulnDbRoutes(api, ctx);
    });
    registerAuditLogRoutes(app, { auditLog, authorize });
    registerDashboard(app);

    const adminToken = await bootstrapAdmin(ctx, config.adminToken);
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;

    // Nodes with workers keep one periodic gc job scheduled (expiry of abandoned uploads; one node runs it at a time).
    const stopGc = config.workers > 0 ? await startGcScheduling(ctx) : () => undefined;
    if (config.workers > 0) workers = startWorkers(ctx, config.workers, { scan: runScanJob, reaudit: runReauditJob, webhook: runWebhookJob, import: runImportJob, gc: runGcJob });
    const server: GateServer = {
      url,
      ...(adminToken !== undefined ? { adminToken } : {}),
      serverKeyHint: serverKey.hint,
      app,
      db,
      blobs,
      auditLog,
      config,
      routes,
      collectGarbage: (now?: Date) => collectGarbage(ctx, now),
      async close() {
        stopGc();
        await workers?.stop();
        await app!.close();
        await db.close();
      },
    };
    return server;
  } catch (e) {
    await workers?.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw e;
  }
}
