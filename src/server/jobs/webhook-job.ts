import { randomUUID } from "node:crypto";
import { ModelgateError } from "../../core/errors.js";
import { outboundFetch } from "../../net/outbound.js";
import type { ServerContext } from "../context.js";
import { getWebhook } from "../db/webhooks.js";
import { SIGNATURE_HEADER, signWebhookBody } from "../events/webhooks.js";
import type { Job } from "./queue.js";

const TIMEOUT_MS = 10_000;

/** Thrown for a delivery to retry (network error, timeout, 5xx, 429). */
export class RetryableDeliveryError extends Error {}

/**
 * POSTs one webhook event: JSON body, `X-Modelgate-Signature: sha256=<HMAC-SHA256(secret, body)>`, event name and
 * delivery id headers, 10 s timeout, no redirects. 2xx = delivered; 4xx other than 408/429 = the receiver refuses,
 * no retry; anything else retries with backoff (the queue bounds the attempts). The receiver's address is resolved
 * and checked at each delivery (net/outbound.ts) and the connection made to the checked address: a hook whose name
 * now resolves to loopback, a private network or a metadata address is not delivered (and not retried) unless the
 * operator allowlisted it (--allow-internal-host).
 */
export async function runWebhookJob(ctx: ServerContext, job: Job): Promise<void> {
  const hook = await getWebhook(ctx.db, String(job.payload.webhookId));
  if (!hook) return; // deleted since
  const body = JSON.stringify({ id: job.id, event: job.payload.event, at: job.payload.at, data: job.payload.data });
  let res: Response;
  try {
    res = await outboundFetch(hook.url, {
      method: "POST",
      allow: ctx.config.outboundAllow,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "modelgate-webhook/1",
        [SIGNATURE_HEADER]: signWebhookBody(hook.secret, body),
        "X-Modelgate-Event": String(job.payload.event),
        "X-Modelgate-Delivery": job.id || randomUUID(),
      },
      body,
    });
    await res.arrayBuffer().catch(() => undefined);
  } catch (e) {
    if (e instanceof ModelgateError && e.code === "FORBIDDEN") {
      ctx.log.warn({ webhook: hook.id, err: e.message }, "webhook receiver is an internal address; not delivered");
      return;
    }
    throw new RetryableDeliveryError(`delivery to ${hook.url} failed: ${(e as Error).message}`);
  }
  if (res.status >= 200 && res.status < 300) return;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    ctx.log.warn({ webhook: hook.id, status: res.status }, "webhook receiver refused the delivery; not retried");
    return;
  }
  throw new RetryableDeliveryError(`delivery to ${hook.url} got HTTP ${res.status}`);
}
