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

/** Appends to the transparency log; pass the transaction of the state change it records. */
export async function recordEvent(ctx: Pick<ServerContext, "auditLog">, event: EventInput, tx?: SqlDatabase): Promise<void> {
  await ctx.auditLog.append(event, tx);
}

/** `project/model@version` as the subject of version events. */
export function versionSubject(v: { project: string; model: string; version: string }): string {
  return `${v.project}/${v.model}@${v.version}`;
}
