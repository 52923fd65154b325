import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { authorize } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { deleteWebhook, getWebhook, insertWebhook, listWebhooks, WEBHOOK_EVENTS, type WebhookEvent } from "../db/webhooks.js";
import { actorOf, recordEvent } from "../events/audit.js";
import { newWebhookSecret } from "../events/webhooks.js";
import { checkDestination } from "../../net/outbound.js";
import { needs } from "../middlewares/require-permission.js";

/** Webhooks (admin): events POSTed as JSON, signed with HMAC-SHA256 in X-Modelgate-Signature. */
export function registerWebhookRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/api/v1/webhooks", needs("webhook:admin"), async (request) => {
    authorize(request, "webhook:admin");
    return (await listWebhooks(ctx.db)).map((w) => ({ id: w.id, url: w.url, events: w.events, createdAt: w.createdAt }));
  });

  app.post<{ Body: { url: string; events: WebhookEvent[]; secret?: string } }>(
    "/api/v1/webhooks",
    {
      ...needs("webhook:admin"),
      schema: {
        body: {
          type: "object",
          required: ["url", "events"],
          additionalProperties: false,
          properties: {
            url: { type: "string", maxLength: 2000 },
            events: { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", enum: [...WEBHOOK_EVENTS] } },
            secret: { type: "string", minLength: 16, maxLength: 200 },
          },
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, "webhook:admin");
      let url: URL;
      try {
        url = new URL(request.body.url);
      } catch {
        throw new ModelgateError("INVALID_OPTION", `webhook url is not a URL: ${request.body.url}`);
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new ModelgateError("INVALID_OPTION", "webhook url must be http:// or https://");
      if (url.username || url.password) throw new ModelgateError("INVALID_OPTION", "webhook url must not carry credentials (the HMAC signature authenticates deliveries)");
      // Loopback, private, link-local and metadata receivers are refused now (and again at each delivery), unless
      // the operator allowlisted them; a name that does not resolve yet is checked when a delivery is made.
      try {
        await checkDestination(url, { allow: ctx.config.outboundAllow });
      } catch (e) {
        if (!(e instanceof ModelgateError) || e.code !== "NETWORK_ERROR") throw e instanceof ModelgateError ? new ModelgateError("INVALID_OPTION", `webhook url: ${e.message}`) : e;
      }
      const secret = request.body.secret ?? newWebhookSecret();
      const hook = await ctx.db.transaction(async (tx) => {
        const h = await insertWebhook(tx, { url: url.toString(), events: request.body.events, secret, createdBy: actorOf(principal) });
        await recordEvent(ctx, { type: "webhook.changed", actor: actorOf(principal), subject: `webhook:${h.id}`, data: { url: h.url, events: h.events, action: "created" } }, tx);
        return h;
      });
      return reply.code(201).send({ id: hook.id, url: hook.url, events: hook.events, secret, createdAt: hook.createdAt });
    },
  );

  app.delete<{ Params: { id: string } }>("/api/v1/webhooks/:id", needs("webhook:admin"), async (request, reply) => {
    const principal = authorize(request, "webhook:admin");
    await ctx.db.transaction(async (tx) => {
      const h = await getWebhook(tx, request.params.id);
      if (!h || !(await deleteWebhook(tx, h.id))) throw new ModelgateError("NOT_FOUND", `no webhook ${request.params.id}`);
      await recordEvent(ctx, { type: "webhook.changed", actor: actorOf(principal), subject: `webhook:${h.id}`, data: { url: h.url, action: "deleted" } }, tx);
    });
    return reply.code(204).send();
  });
}
