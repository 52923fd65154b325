/**
 * A bare fastify app serving only the audit log routes over a SQLite database, with a stub authorize that
 * accepts one bearer token: what the audit log tests and benchmark verify against over loopback.
 */
import { join } from "node:path";
import Fastify, { type FastifyError, type FastifyRequest } from "fastify";
import { ModelgateError } from "../../src/core/errors.js";
import { createAuditLog, type AuditLog } from "../../src/server/audit/log.js";
import type { authorize as authorizeFn, Principal } from "../../src/server/auth/authorize.js";
import { registerAuditLogRoutes } from "../../src/server/routes/audit-log.js";
import { createSqliteDatabase } from "../../src/server/storage/sqlite.js";
import type { SqlDatabase } from "../../src/server/storage/types.js";

export const AUDITOR_TOKEN = "mg_auditor-token-for-tests";
export const CONSUMER_TOKEN = "mg_consumer-token-for-tests";

export interface AuditLogServer {
  url: string;
  db: SqlDatabase;
  log: AuditLog;
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

const stubAuthorize = ((request: FastifyRequest, permission) => {
  const auth = request.headers.authorization;
  if (auth === undefined) throw new ModelgateError("UNAUTHORIZED", "authentication required: send Authorization: Bearer <token>");
  if (auth === `Bearer ${CONSUMER_TOKEN}`) throw new ModelgateError("FORBIDDEN", `${permission} needs an auditor or admin token`);
  if (auth !== `Bearer ${AUDITOR_TOKEN}`) throw new ModelgateError("UNAUTHORIZED", "unknown token");
  const principal: Principal = { tokenId: "t-auditor", name: "auditor", admin: true, scopes: ["audit:*"], roles: [] };
  return principal;
}) as typeof authorizeFn;

const STATUS: Record<string, number> = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, INVALID_OPTION: 400 };

/** Starts the routes on 127.0.0.1 (any free port) over `dir`/audit.db, keys in `dir`/keys. */
export async function startAuditLogServer(dir: string, options: { origin?: string; keyDir?: string; db?: SqlDatabase } = {}): Promise<AuditLogServer> {
  const db = options.db ?? (await createSqliteDatabase(join(dir, "audit.db")));
  const log = await createAuditLog(db, { keyDir: options.keyDir ?? join(dir, "keys"), origin: options.origin ?? "gate.test/audit-log" });
  const app = Fastify({ logger: false });
  // The real server's error handler answers in the API's error shape; this one does the same for the stub.
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const code = err instanceof ModelgateError ? err.code : "INTERNAL";
    void reply.code(STATUS[code] ?? 500).send({ error: { code: STATUS[code] ? code : "INTERNAL", message: err.message } });
  });
  registerAuditLogRoutes(app, { auditLog: log, authorize: stubAuthorize });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url,
    db,
    log,
    async close() {
      await app.close();
      if (options.db === undefined) await db.close();
    },
  };
}
