import { AsyncLocalStorage } from "node:async_hooks";
import type { Principal } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import type { SqlDatabase } from "../storage/types.js";

/** The audit actor of a token: stable (the id) and readable (the name). */
export function actorOf(principal: Pick<Principal, "tokenId" | "name"> | undefined): string {
  return principal ? `token:${principal.tokenId} (${principal.name})` : "anonymous";
}

export const SCANNER_ACTOR = "system:scanner";

export interface EventInput {
  type: string;
  actor: string;
  project?: string;
  subject?: string;
  data?: Record<string, unknown>;
}

/** Where a request came from: the peer's address; what a trusted proxy forwarded, only when one is configured. */
export interface RequestOrigin {
  address: string;
  /** X-Forwarded-For as the trusted proxy sent it. */
  forwardedFor?: string;
  /** The client address the forwarded chain names (what rate limits count). */
  client?: string;
}

const requestOrigin = new AsyncLocalStorage<RequestOrigin>();

/** Runs `fn` (and everything it starts) as work done for a request from `origin`: its audit entries record it. */
export function runWithOrigin<T>(origin: RequestOrigin, fn: () => T): T {
  return requestOrigin.run(origin, fn);
}

/**
 * Appends to the transparency log; pass the transaction of the state change it records. An event recorded while
 * serving a request carries `data.origin` (see RequestOrigin); events of jobs and start-up have none.
 */
export async function recordEvent(ctx: Pick<ServerContext, "auditLog">, event: EventInput, tx?: SqlDatabase): Promise<void> {
  const origin = requestOrigin.getStore();
  const withOrigin = origin && event.data?.origin === undefined ? { ...event, data: { ...(event.data ?? {}), origin } } : event;
  await ctx.auditLog.append(withOrigin, tx);
}

/** `project/model@version` as the subject of version events. */
export function versionSubject(v: { project: string; model: string; version: string }): string {
  return `${v.project}/${v.model}@${v.version}`;
}
