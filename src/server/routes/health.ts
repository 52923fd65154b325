import type { FastifyInstance } from "fastify";
import type { ServerContext } from "../context.js";
import { listCorruptBlobs } from "../db/corrupt-blobs.js";
import { PUBLIC_ROUTE as PUBLIC } from "../middlewares/require-permission.js";
import { OPENAPI_DOCUMENT } from "../openapi.js";

/** Routes without authentication (marked `config.public`): probes, metrics, the API description, the server's public key. */
export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/healthz", PUBLIC, async () => ({ status: "ok" }));

  app.get("/readyz", PUBLIC, async (request, reply) => {
    try {
      await ctx.db.get("SELECT 1 AS ok");
      await ctx.blobs.ping();
      // A stored file found altered (its bytes no longer hash to its digest) fails readiness until it is
      // uploaded again: the operator must look, and a load balancer should not route to a store that lies.
      const corrupt = await listCorruptBlobs(ctx.db, 10);
      if (corrupt.length > 0) {
        return reply.code(503).send({
          status: "unavailable",
          error: { code: "UNAVAILABLE", message: `${corrupt.length}${corrupt.length === 10 ? "+" : ""} stored blob(s) are corrupt (first: sha256:${corrupt[0]!.sha256}, detected ${corrupt[0]!.detectedAt}); push the same files again to replace them` },
          corruptBlobs: corrupt.map((c) => c.sha256),
        });
      }
      return { status: "ready" };
    } catch (e) {
      request.log.warn({ err: e }, "not ready");
      return reply.code(503).send({ status: "unavailable", error: { code: "UNAVAILABLE", message: (e as Error).message } });
    }
  });

  // Prometheus scrapes without a token: the metrics hold counts and latencies, no names or secrets. Keep the port
  // on a trusted network (the default host is 127.0.0.1).
  app.get("/metrics", PUBLIC, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });

  app.get("/openapi.json", PUBLIC, async () => OPENAPI_DOCUMENT);

  app.get("/api/v1/server-key", PUBLIC, async () => ({ publicKeyPem: ctx.serverKey.publicKeyPem, keyHint: ctx.serverKey.hint, algorithm: "ECDSA P-256 (model-signing key method)" }));
}
