import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ModelgateError, type ModelgateErrorCode } from "../../core/errors.js";
import { AuthorizationError } from "../auth/authorize.js";
import { actorOf } from "../events/audit.js";
import { OverloadedError } from "./admission.js";
import { RateLimitedError, type AuthThrottle } from "./auth-throttle.js";
import { originOf } from "./request-origin.js";

/** API error codes and their HTTP statuses. */
export type ApiErrorCode = "NOT_FOUND" | "UNAUTHORIZED" | "FORBIDDEN" | "CONFLICT" | "INVALID_OPTION" | "LIMIT_EXCEEDED" | "MALFORMED_INPUT" | "UNAVAILABLE" | "RATE_LIMITED" | "INTERNAL";

const STATUS: Record<ApiErrorCode, number> = {
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  INVALID_OPTION: 400,
  LIMIT_EXCEEDED: 413,
  MALFORMED_INPUT: 400,
  UNAVAILABLE: 503,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

function apiCode(code: ModelgateErrorCode): ApiErrorCode {
  switch (code) {
    case "NOT_FOUND":
    case "PATH_NOT_FOUND":
      return "NOT_FOUND";
    case "UNAUTHORIZED":
    case "FORBIDDEN":
    case "CONFLICT":
    case "LIMIT_EXCEEDED":
    case "MALFORMED_INPUT":
    case "INVALID_OPTION":
      return code;
    case "USAGE":
    case "POLICY_INVALID":
    case "MALFORMED_BUNDLE":
    case "UNSUPPORTED":
      return "INVALID_OPTION";
    case "DATABASE_UNAVAILABLE":
    case "NETWORK_ERROR":
    case "TIMEOUT":
      return "UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}

function send(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).type("application/json; charset=utf-8").send({ error: { code, message } });
}

/**
 * Every error becomes `{ "error": { "code", "message" } }`. ModelgateErrors keep their message; fastify's own
 * errors (bad JSON 400, body too large 413, unsupported media type 415, schema validation 400) are mapped; anything
 * else is a 500 whose details go to the log only. 401/403 answers are recorded in the audit log (auth.denied).
 */
export function registerErrorHandler(app: FastifyInstance, throttle: AuthThrottle): void {
  app.setNotFoundHandler((request, reply) => send(reply, 404, "NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`));
  app.setErrorHandler(async (error: FastifyError | ModelgateError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof OverloadedError) {
      return send(reply.header("retry-after", String(error.retryAfterSeconds)), 503, "UNAVAILABLE", error.message);
    }
    if (error instanceof RateLimitedError && request.principal !== undefined && request.authFailure === undefined) {
      // Back-pressure on an authenticated request (not an authentication failure): no audit entry.
      return send(reply.header("retry-after", String(error.retryAfterSeconds)), 429, "RATE_LIMITED", error.message);
    }
    if (error instanceof RateLimitedError) {
      await auditDenied(throttle, request, error, 429);
      return send(reply.header("retry-after", String(error.retryAfterSeconds)).header("connection", "close"), 429, "RATE_LIMITED", error.message);
    }
    if (error instanceof ModelgateError) {
      const code = apiCode(error.code);
      if (code === "UNAUTHORIZED" || code === "FORBIDDEN") await auditDenied(throttle, request, error, code === "UNAUTHORIZED" ? 401 : 403);
      if (code === "LIMIT_EXCEEDED" || (code === "MALFORMED_INPUT" && request.headers["content-type"] === "application/octet-stream")) {
        // The client may still be sending a large body: close the connection rather than read it all.
        reply.header("connection", "close");
      }
      if (code === "INTERNAL" || code === "UNAVAILABLE") request.log.error({ err: error }, "request failed");
      return send(reply, STATUS[code], code, error.message);
    }
    const fe = error as FastifyError;
    if (fe.validation) return send(reply, 400, "INVALID_OPTION", `invalid request: ${fe.message}`);
    const status = typeof fe.statusCode === "number" ? fe.statusCode : 500;
    if (status === 413 || fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") return send(reply.header("connection", "close"), 413, "LIMIT_EXCEEDED", fe.message);
    if (status === 415) return send(reply, 415, "MALFORMED_INPUT", `${fe.message} (send application/json, or application/octet-stream for file bodies)`);
    if (status >= 400 && status < 500) return send(reply, status === 404 ? 404 : 400, status === 404 ? "NOT_FOUND" : "MALFORMED_INPUT", fe.message);
    request.log.error({ err: error }, "request failed");
    return send(reply, 500, "INTERNAL", "internal error (see the server log)");
  });
}

/** auth.denied in the audit log, aggregated per window and address (see AuthThrottle.denied). */
async function auditDenied(throttle: AuthThrottle, request: FastifyRequest, error: ModelgateError, status: number): Promise<void> {
  await throttle.denied({
    actor: actorOf(request.principal),
    ...(error instanceof AuthorizationError && error.project ? { project: error.project } : {}),
    subject: `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`,
    address: request.ip,
    data: {
      status,
      reason: error.message,
      ...(error instanceof AuthorizationError ? { permission: error.permission } : {}),
      ...(request.authFailure ? { authFailure: request.authFailure } : {}),
      ip: request.ip,
      origin: request.origin ?? originOf(request),
    },
  });
}
