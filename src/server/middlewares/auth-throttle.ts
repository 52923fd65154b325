import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import type { ServerContext } from "../context.js";
import { recordEvent } from "../events/audit.js";

/** 429: too many failed authentications from this address (or with this token prefix); retry after `retryAfterSeconds`. */
export class RateLimitedError extends ModelgateError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super("LIMIT_EXCEEDED", message);
    this.name = "RateLimitedError";
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface AuthThrottleOptions {
  /** Length of one counting window; default 60 s. */
  windowMs: number;
  /** Failed authentications (a credential that is malformed, unknown, expired or revoked) per address and window; default 30. */
  maxFailuresPerAddress: number;
  /** Failed authentications per token prefix (the first 8 characters after `mg_`) and window; default 10. */
  maxFailuresPerPrefix: number;
}

interface Counter {
  count: number;
  until: number;
}

interface Denials {
  first: string;
  last: string;
  until: number;
  /** Denials after the first one of the window (the first is recorded at once). */
  count: number;
  type: string;
  actor: string;
  project: string | undefined;
  data: Record<string, unknown>;
  reasons: Record<string, number>;
  routes: Record<string, number>;
}

/** At most this many addresses/prefixes/aggregates are tracked; past it the oldest windows are dropped (flushed). */
const MAX_TRACKED = 20_000;
const MAX_ROUTES_PER_ENTRY = 20;

export interface AuthThrottle {
  /** Throws RateLimitedError when `address` or the token's prefix is over its limit. */
  check(address: string, token: string | undefined): void;
  /** Counts one failed authentication. */
  fail(address: string, token: string | undefined): void;
  /**
   * Records a denied request in the audit log: the first denial of a window per address (and actor, status) at
   * once, the rest as one aggregated `auth.denied` entry with a `count` when the window ends.
   */
  denied(event: { actor: string; project?: string; subject: string; address: string; data: Record<string, unknown> }): Promise<void>;
  /** Writes every pending aggregate (server close). */
  flush(all?: boolean): Promise<void>;
  stop(): void;
}

export function tokenPrefix(token: string | undefined): string | undefined {
  if (token === undefined || !token.startsWith("mg_") || token.length < 11) return undefined;
  return token.slice(3, 11);
}

export function createAuthThrottle(ctx: Pick<ServerContext, "auditLog" | "log">, options: AuthThrottleOptions): AuthThrottle {
  const counters = new Map<string, Counter>();
  const aggregates = new Map<string, Denials>();
  const now = (): number => Date.now();

  const live = (key: string): Counter | undefined => {
    const c = counters.get(key);
    if (c && c.until <= now()) {
      counters.delete(key);
      return undefined;
    }
    return c;
  };
  const bump = (key: string): void => {
    const c = live(key);
    if (c) c.count++;
    else {
      if (counters.size >= MAX_TRACKED) {
        for (const [k, v] of counters) if (v.until <= now() || counters.size >= MAX_TRACKED) counters.delete(k);
      }
      counters.set(key, { count: 1, until: now() + options.windowMs });
    }
  };
  const retryAfter = (c: Counter): number => Math.max(1, Math.ceil((c.until - now()) / 1000));

  async function writeAggregate(a: Denials): Promise<void> {
    if (a.count === 0) return;
    try {
      await recordEvent(ctx, {
        type: a.type,
        actor: a.actor,
        ...(a.project ? { project: a.project } : {}),
        subject: `${a.count} more denied request(s)`,
        data: { ...a.data, aggregated: true, count: a.count, from: a.first, to: a.last, reasons: a.reasons, routes: a.routes },
      });
    } catch (e) {
      ctx.log.error({ err: e }, "could not record aggregated auth.denied in the audit log");
    }
  }

  async function flush(all = false): Promise<void> {
    const t = now();
    for (const [key, a] of aggregates) {
      if (!all && a.until > t) continue;
      aggregates.delete(key);
      await writeAggregate(a);
    }
  }

  const timer = setInterval(() => void flush(), Math.max(50, Math.min(options.windowMs / 4, 5_000)));
  timer.unref();

  return {
    check(address, token) {
      const byAddress = live(`a:${address}`);
      if (byAddress && byAddress.count >= options.maxFailuresPerAddress) {
        throw new RateLimitedError(`too many failed authentications from this address: retry in ${retryAfter(byAddress)} s`, retryAfter(byAddress));
      }
      const prefix = tokenPrefix(token);
      const byPrefix = prefix === undefined ? undefined : live(`p:${prefix}`);
      if (byPrefix && byPrefix.count >= options.maxFailuresPerPrefix) {
        throw new RateLimitedError(`too many failed authentications with this token: retry in ${retryAfter(byPrefix)} s`, retryAfter(byPrefix));
      }
    },
    fail(address, token) {
      bump(`a:${address}`);
      const prefix = tokenPrefix(token);
      if (prefix !== undefined) bump(`p:${prefix}`);
    },
    async denied(event) {
      const status = String(event.data.status ?? "");
      const key = `${event.address}|${event.actor}|${status}`;
      const at = new Date().toISOString();
      const reason = String(event.data.authFailure ?? event.data.reason ?? "denied");
      const a = aggregates.get(key);
      if (a && a.until > now()) {
        a.count++;
        a.last = at;
        a.reasons[reason] = (a.reasons[reason] ?? 0) + 1;
        if (a.routes[event.subject] !== undefined || Object.keys(a.routes).length < MAX_ROUTES_PER_ENTRY) a.routes[event.subject] = (a.routes[event.subject] ?? 0) + 1;
        return;
      }
      if (a) {
        aggregates.delete(key);
        await writeAggregate(a);
      }
      if (aggregates.size >= MAX_TRACKED) await flush(true);
      aggregates.set(key, { first: at, last: at, until: now() + options.windowMs, count: 0, type: "auth.denied", actor: event.actor, project: event.project, data: { status: event.data.status, ip: event.address }, reasons: {}, routes: {} });
      try {
        await recordEvent(ctx, { type: "auth.denied", actor: event.actor, ...(event.project ? { project: event.project } : {}), subject: event.subject, data: event.data });
      } catch (e) {
        ctx.log.error({ err: e }, "could not record auth.denied in the audit log");
      }
    },
    flush,
    stop() {
      clearInterval(timer);
    },
  };
}

/** Flushes pending aggregates when the server closes. */
export function registerAuthThrottle(app: FastifyInstance, throttle: AuthThrottle): void {
  app.addHook("onClose", async () => {
    throttle.stop();
    await throttle.flush(true);
  });
}
