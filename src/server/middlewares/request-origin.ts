import type { FastifyInstance, FastifyRequest } from "fastify";
import { runWithOrigin, type RequestOrigin } from "../events/audit.js";

/** The origin of a request: the socket's peer, and X-Forwarded-For only when that peer is a trusted proxy. */
export function originOf(request: FastifyRequest): RequestOrigin {
  const address = request.raw.socket?.remoteAddress ?? request.ip;
  const forwarded = request.headers["x-forwarded-for"];
  // request.ips holds more than the peer only when fastify's trustProxy (--trusted-proxy) trusts the peer.
  if (forwarded !== undefined && request.ips !== undefined && request.ips.length > 1) {
    return { address, forwardedFor: Array.isArray(forwarded) ? forwarded.join(", ") : forwarded, client: request.ip };
  }
  return { address };
}

/**
 * Every audit entry recorded while serving a request carries where the request came from (recordEvent reads it
 * from the async context). Entered again before the handler: body parsing runs outside the first context.
 */
export function registerRequestOrigin(app: FastifyInstance): void {
  app.decorateRequest("origin", undefined);
  app.addHook("onRequest", (request, _reply, done) => {
    request.origin = originOf(request);
    runWithOrigin(request.origin, done);
  });
  app.addHook("preHandler", (request, _reply, done) => {
    runWithOrigin(request.origin ?? originOf(request), done);
  });
}

declare module "fastify" {
  interface FastifyRequest {
    origin?: RequestOrigin;
  }
}
