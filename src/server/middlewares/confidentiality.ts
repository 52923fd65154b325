import type { FastifyInstance, FastifyRequest } from "fastify";

/** Query parameters whose values are credentials (compared case-insensitively, `-` and `_` ignored). */
const CREDENTIAL_PARAMS = new Set([
  "token",
  "accesstoken",
  "idtoken",
  "refreshtoken",
  "authtoken",
  "apikey",
  "key",
  "secret",
  "clientsecret",
  "password",
  "passwd",
  "pwd",
  "auth",
  "authorization",
  "credential",
  "credentials",
  "signature",
  "sig",
  "session",
  "sessionid",
  "code",
  "xamzsignature",
  "xamzcredential",
  "xamzsecuritytoken",
  "hftoken",
  "mgtoken",
]);

const normalise = (name: string): string => name.toLowerCase().replace(/[-_.]/g, "");
/** A modelgate token anywhere in a URL (path or query) — in case it is sent under a parameter name nobody expected. */
const TOKEN_ANYWHERE = /mg_[A-Za-z0-9_-]{8,}/g;

/** The URL as it may be logged: values of credential query parameters replaced, tokens anywhere masked. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  let path = q < 0 ? url : url.slice(0, q);
  path = path.replace(TOKEN_ANYWHERE, "mg_[REDACTED]");
  if (q < 0) return path;
  const parts = url.slice(q + 1).split("&").map((pair) => {
    const eq = pair.indexOf("=");
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " "));
    } catch {
      // keep the raw name
    }
    if (eq >= 0 && CREDENTIAL_PARAMS.has(normalise(name))) return `${rawName}=[REDACTED]`;
    return pair.replace(TOKEN_ANYWHERE, "mg_[REDACTED]");
  });
  return `${path}?${parts.join("&")}`;
}

/** pino serializer of requests in the access log: no credentials in the URL, no headers. */
export function serializeRequest(req: FastifyRequest): { method: string; url: string; host: string | undefined; remoteAddress: string; remotePort: number | undefined } {
  return { method: req.method, url: redactUrl(req.url), host: req.headers.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/**
 * Every response says `X-Content-Type-Options: nosniff` (a stored file is never rendered as HTML by a browser) and,
 * unless its route chose otherwise, `Cache-Control: no-store` (no proxy or browser cache keeps API answers, tokens
 * or files).
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook("onSend", (_request, reply, payload, done) => {
    reply.header("x-content-type-options", "nosniff");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    done(null, payload);
  });
}
