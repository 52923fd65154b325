import type { FastifyInstance } from "fastify";
import type { Principal } from "../auth/authorize.js";
import { hashToken, TOKEN_SHAPE } from "../auth/tokens.js";
import type { ServerContext } from "../context.js";
import { rolesOfToken } from "../db/members.js";
import { findTokenByHash, touchToken } from "../db/tokens.js";

/** last_used_at is written at most this often per token (a write per request would serialise every reader). */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves `Authorization: Bearer mg_…` to request.principal (or request.authFailure: missing, malformed, unknown,
 * expired, revoked). It never answers a request itself: authorize() in each route does, so deny-by-default holds
 * even for a route that forgets nothing but this hook.
 */
export function registerAuthenticate(app: FastifyInstance, ctx: ServerContext): void {
  const touched = new Map<string, number>();
  app.decorateRequest("principal", undefined);
  app.decorateRequest("authFailure", undefined);
  app.addHook("onRequest", async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header === "") {
      request.authFailure = "missing";
      return;
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !TOKEN_SHAPE.test(m[1]!)) {
      request.authFailure = "malformed";
      return;
    }
    const token = await findTokenByHash(ctx.db, hashToken(m[1]!));
    if (!token) {
      request.authFailure = "unknown";
      return;
    }
    if (token.revokedAt) {
      request.authFailure = "revoked";
      return;
    }
    const now = Date.now();
    if (token.expiresAt && Date.parse(token.expiresAt) <= now) {
      request.authFailure = "expired";
      return;
    }
    const principal: Principal = { tokenId: token.id, name: token.name, admin: token.admin, scopes: token.scopes.length ? token.scopes : ["*"], roles: await rolesOfToken(ctx.db, token.id) };
    request.principal = principal;
    if (now - (touched.get(token.id) ?? 0) > TOUCH_INTERVAL_MS) {
      touched.set(token.id, now);
      if (touched.size > 10_000) touched.clear();
      void touchToken(ctx.db, token.id, new Date(now).toISOString()).catch((e: unknown) => request.log.warn({ err: e }, "could not record token use"));
    }
  });
}
