/**
 * Audit log routes (permission "audit:read": auditors and admins), and the log's public key (no auth):
 *   GET /api/v1/audit-log/checkpoint                        → Checkpoint (signed tree head, C2SP note)
 *   GET /api/v1/audit-log/entries?from=0&to=1000            → {entries} with from ≤ index < to (≤ 1000 a page;
 *                                                             `to` defaults to from + 1000 and is cut at the size)
 *   GET /api/v1/audit-log/proof/inclusion?index=I&size=N    → {index, treeSize, leafHash, proof}
 *   GET /api/v1/audit-log/proof/consistency?from=M&to=N     → {from, to, proof}
 *   GET /api/v1/audit-log/public-key                        → {publicKeyPem, keyId, verifierKey}
 * Query parameters are non-negative integers; anything else is a 400 INVALID_OPTION in the API's error shape.
 *
 * Reads are scoped: an organisation auditor (an admin token, which may be scoped down to `audit:*`) reads every
 * entry; a token whose project roles grant audit:read reads the entries of those projects in full, and of every
 * other entry — other projects', server-wide ones such as token creation, policy and webhook changes — only its
 * position and leaf hash: `{index, leafHash, redacted: true}`. That is enough to verify the whole log (the tree is
 * built from leaf hashes; checkpoints, consistency and inclusion proofs are the same for everyone) and to verify
 * the content of the entries it may read, without reading anyone else's. Checkpoints and proofs hold hashes only.
 * Authorisation errors are thrown on to the server's error handler (which answers 401/403 and records them).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import type { AuditEntry } from "../audit/entry.js";
import type { AuditLog } from "../audit/log.js";
import { projectsWith, type authorize as authorizeFn, type Principal } from "../auth/authorize.js";

export const AUDIT_LOG_PAGE_MAX = 1000;

export interface AuditLogRouteDeps {
  auditLog: AuditLog;
  authorize: typeof authorizeFn;
}

class BadQuery extends ModelgateError {
  constructor(message: string) {
    super("INVALID_OPTION", message);
  }
}

function intParam(query: unknown, name: string, fallback?: number): number {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined || raw === "") {
    if (fallback !== undefined) return fallback;
    throw new BadQuery(`query parameter "${name}" is required`);
  }
  if (typeof raw !== "string" || !/^[0-9]{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new BadQuery(`query parameter "${name}" must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** An entry the reader may not read: where it is and its leaf hash, nothing of its content. */
export interface RedactedAuditEntry {
  index: number;
  leafHash: string;
  redacted: true;
}

/** The entries as `principal` may read them (see the header): full, or redacted to their leaf hash. */
export function scopeEntries(principal: Principal, entries: AuditEntry[]): (AuditEntry | RedactedAuditEntry)[] {
  const projects = projectsWith(principal, "audit:read");
  if (projects === undefined) return entries; // organisation auditor
  return entries.map((e) =>
    e.project && projects.has(e.project) && !e.type.startsWith("token.") ? e : { index: e.index, leafHash: e.leafHash, redacted: true as const },
  );
}

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

export function registerAuditLogRoutes(app: FastifyInstance, deps: AuditLogRouteDeps): void {
  const { auditLog, authorize } = deps;

  /** Runs a handler; query errors and the log's own refusals become contract-shaped replies. */
  const guarded =
    (handler: (request: FastifyRequest) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      try {
        const body = await handler(request);
        void reply.header("cache-control", "no-store");
        return body;
      } catch (e) {
        if (e instanceof ModelgateError && e.code === "INVALID_OPTION") return sendError(reply, 400, "INVALID_OPTION", e.message);
        // The log found its stored history damaged (a deleted row, a rewritten prefix): say so, loudly.
        if (e instanceof ModelgateError && e.code === "VERIFICATION_FAILED") {
          request.log.error({ err: e }, "audit log integrity check failed");
          return sendError(reply, 500, "INTERNAL", e.message);
        }
        throw e;
      }
    };

  app.get(
    "/api/v1/audit-log/checkpoint",
    guarded(async (request) => {
      authorize(request, "audit:read");
      return auditLog.checkpoint();
    }),
  );

  app.get(
    "/api/v1/audit-log/entries",
    guarded(async (request) => {
      const principal = authorize(request, "audit:read");
      const size = await auditLog.size();
      const from = intParam(request.query, "from", 0);
      const requestedTo = intParam(request.query, "to", from + AUDIT_LOG_PAGE_MAX);
      if (requestedTo < from) throw new BadQuery(`"from" (${from}) must not be larger than "to" (${requestedTo})`);
      if (from > size) throw new BadQuery(`"from" (${from}) is beyond the end of the log (${size} entries)`);
      const to = Math.min(requestedTo, size, from + AUDIT_LOG_PAGE_MAX);
      return { entries: scopeEntries(principal, await auditLog.entries(from, to)) };
    }),
  );

  app.get(
    "/api/v1/audit-log/proof/inclusion",
    guarded(async (request) => {
      authorize(request, "audit:read");
      const index = intParam(request.query, "index");
      const treeSize = intParam(request.query, "size");
      const size = await auditLog.size();
      if (treeSize > size) throw new BadQuery(`"size" (${treeSize}) is larger than the log (${size} entries)`);
      if (index >= treeSize) throw new BadQuery(`"index" (${index}) must be below "size" (${treeSize})`);
      const { leafHash, proof } = await auditLog.inclusionProof(index, treeSize);
      return { index, treeSize, leafHash, proof };
    }),
  );

  app.get(
    "/api/v1/audit-log/proof/consistency",
    guarded(async (request) => {
      authorize(request, "audit:read");
      const from = intParam(request.query, "from");
      const to = intParam(request.query, "to");
      const size = await auditLog.size();
      if (from > to) throw new BadQuery(`"from" (${from}) must not be larger than "to" (${to})`);
      if (to > size) throw new BadQuery(`"to" (${to}) is larger than the log (${size} entries)`);
      return { from, to, proof: await auditLog.consistencyProof(from, to) };
    }),
  );

  // The key checkpoints are signed with: public, so anyone can pin it (no auth).
  app.get(
    "/api/v1/audit-log/public-key",
    { config: { public: true } },
    guarded(async () => auditLog.publicKey()),
  );
}
