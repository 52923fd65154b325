import { createHmac, randomBytes } from "node:crypto";
import type { ServerContext } from "../context.js";
import { listWebhooks, type WebhookEvent } from "../db/webhooks.js";
import type { SqlDatabase } from "../storage/types.js";

export const SIGNATURE_HEADER = "X-Modelgate-Signature";

/** `sha256=<hex HMAC-SHA256 of the exact body bytes with the webhook's secret>` */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

/**
 * Queues one delivery job per webhook subscribed to `event` (inside the caller's transaction, so an event is
 * delivered exactly when its state change commits). Delivery happens in the workers: never on the request path.
 */
export async function emitWebhookEvent(ctx: Pick<ServerContext, "queue" | "config">, tx: SqlDatabase, event: WebhookEvent, data: Record<string, unknown>): Promise<void> {
  const hooks = (await listWebhooks(tx)).filter((h) => h.events.includes(event));
  if (hooks.length === 0) return;
  const at = new Date().toISOString();
  for (const h of hooks) {
    await ctx.queue.enqueue(tx, "webhook", { webhookId: h.id, event, at, data }, { maxAttempts: ctx.config.webhookAttempts });
  }
}
