import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Socket } from "node:net";

/** Connection limits of the HTTP server (see ResolvedServerConfig for the defaults). */
export interface ConnectionLimits {
  /** Time a client has to send the request line and headers. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included (0 = none). */
  requestTimeoutMs: number;
  /** A connection with no traffic in either direction for this long is closed. */
  idleTimeoutMs: number;
  /** An idle keep-alive connection between requests is closed after this long. */
  keepAliveTimeoutMs: number;
  /** A request body arriving slower than this on average (after the grace period) is dropped. */
  minUploadBytesPerSecond: number;
  /** Time a body may take to get going before the minimum rate applies. */
  uploadGraceMs: number;
}

/** Fastify (and node:http) options for the limits. */
export function serverTimeoutOptions(limits: ConnectionLimits): { connectionTimeout: number; keepAliveTimeout: number; requestTimeout: number; http: { headersTimeout: number; connectionsCheckingInterval: number } } {
  const headersTimeout = limits.requestTimeoutMs > 0 ? Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) : limits.headersTimeoutMs;
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // node checks headers/request timeouts on this interval (default 30 s): check often enough for the limits to hold.
    http: { headersTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))) },
  };
}

interface Tracked {
  socket: Socket;
  start: number;
  startBytes: number;
  request: FastifyRequest;
}

const hasBody = (request: FastifyRequest): boolean => {
  const len = request.headers["content-length"];
  return (len !== undefined && len !== "0") || request.headers["transfer-encoding"] !== undefined;
};

/**
 * - A response sent before its request's body was read (401/403/404/413/429 in a hook, any early refusal) closes
 *   the connection: node would otherwise read and discard the whole body to keep the connection alive.
 * - Every request body must keep up a minimum average rate once the grace period is over (measured on the socket,
 *   so it holds for any route and before authentication): a client trickling bytes is disconnected.
 */
export function registerConnectionGuards(app: FastifyInstance, limits: ConnectionLimits, onSlowClient?: () => void): void {
  const tracked = new Set<Tracked>();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = Date.now();
    for (const t of tracked) {
      if (t.request.raw.complete || t.socket.destroyed) {
        tracked.delete(t);
        continue;
      }
      const elapsed = now - t.start;
      if (elapsed <= limits.uploadGraceMs) continue;
      const received = t.socket.bytesRead - t.startBytes;
      if (received < (limits.minUploadBytesPerSecond * elapsed) / 1000) {
        tracked.delete(t);
        t.request.log.warn({ received, elapsedMs: elapsed, minBytesPerSecond: limits.minUploadBytesPerSecond }, "request body too slow: connection closed");
        onSlowClient?.();
        t.socket.destroy();
      }
    }
    if (tracked.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  app.addHook("onRequest", (request, _reply, done) => {
    if (limits.minUploadBytesPerSecond > 0 && hasBody(request) && request.raw.socket) {
      const socket = request.raw.socket;
      tracked.add({ socket, start: Date.now(), startBytes: socket.bytesRead, request });
      if (!timer) {
        timer = setInterval(tick, Math.max(50, Math.min(1000, Math.floor(limits.uploadGraceMs / 4) || 1000)));
        timer.unref();
      }
    }
    done();
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    if (hasBody(request) && !request.raw.complete) reply.header("connection", "close");
    done(null, payload);
  });
  app.addHook("onClose", (_app, done) => {
    if (timer) clearInterval(timer);
    tracked.clear();
    done();
  });
}
