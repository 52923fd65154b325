import type { FastifyInstance } from "fastify";
import type { ServerMetrics } from "../metrics.js";

/** Counts requests and observes latency by route pattern (never the raw URL: bounded label values). */
export function registerRequestMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
