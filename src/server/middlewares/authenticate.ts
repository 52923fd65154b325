import type { FastifyInstance } from "fastify";
import type { Principal } from "../auth/authorize.js";
import { hashToken, TOKEN_SHAPE } from "../auth/tokens.js";
import type { ServerContext } from "../context.js";
import { rolesOfToken } from "../db/members.js";
import { findTokenByHash, touchToken } from "../db/tokens.js";
import type { AuthThrottle } from "./auth-throttle.js";

/** last_used_at is written at most this often per token (a write per request would serialise every reader). */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves `Authorization: Bearer mg_…` to request.principal (or request.authFailure: missing, malformed, unknown,
 * expired, revoked). It never answers a request itself: authorize() in each route does, so deny-by-default holds
 * even for a route that forgets nothing but this hook.
 */
export function registerAuthenticate(app: FastifyInstance, ctx: ServerContext, throttle: AuthThrottle): void {
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
    const presented = m?.[1];
    // An address (or token prefix) over its failure budget is refused before the token is even looked up: a
    // guesser learns nothing more until the window ends, whether its next guess is right or not.
    throttle.check(request.ip, presented);
    const fail = (why: "malformed" | "unknown" | "revoked" | "expired"): void => {
      request.authFailure = why;
      throttle.fail(request.ip, presented);
    };
    if (!m || !TOKEN_SHAPE.test(presented!)) return fail("malformed");
    const token = await findTokenByHash(ctx.db, hashToken(presented!));
    if (!token) return fail("unknown");
    if (token.revokedAt) return fail("revoked");
    const now = Date.now();
    if (token.expiresAt && Date.parse(token.expiresAt) <= now) return fail("expired");
    const principal: Principal = { tokenId: token.id, name: token.name, admin: token.admin, scopes: token.scopes.length ? token.scopes : ["*"], roles: await rolesOfToken(ctx.db, token.id) };
    request.principal = principal;
    if (now - (touched.get(token.id) ?? 0) > TOUCH_INTERVAL_MS) {
      touched.set(token.id, now);
      if (touched.size > 10_000) touched.clear();
      void touchToken(ctx.db, token.id, new Date(now).toISOString()).catch((e: unknown) => request.log.warn({ err: e }, "could not record token use"));
    }
  });
}
