import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, Gauge } from "prom-client";
import type { ServerContext } from "../context.js";
import { getVersionByUpload } from "../db/versions.js";
import { RateLimitedError } from "./auth-throttle.js";

/** Back-pressure on admissions: how much pending (queued, not yet decided) work the server accepts. */
export interface AdmissionLimits {
  /** Versions of one project waiting for their verdict; over it new pushes/imports of that project get 429. */
  maxPendingPerProject: number;
  /** Versions of all projects waiting for their verdict; over it every new push/import gets 503. */
  maxPendingTotal: number;
}

/** 503 with Retry-After: the whole server is saturated. */
export class OverloadedError extends RateLimitedError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, retryAfterSeconds);
    this.name = "OverloadedError";
  }
}

/** Routes that add pending work: declaring a push, completing it, requesting an import. */
const ADMITTING = new Set([
  "POST /api/v1/projects/:project/models/:model/versions",
  "POST /api/v1/projects/:project/models/:model/imports",
  "POST /api/v1/uploads/:uploadId/complete",
]);

const PROJECT_PENDING_SQL =
  "SELECT COUNT(*) AS n FROM versions v JOIN models m ON m.id = v.model_id JOIN projects p ON p.id = m.project_id WHERE v.status = 'pending' AND p.name = ?";

async function count(ctx: Pick<ServerContext, "db">, sql: string, params: string[] = []): Promise<number> {
  const row = await ctx.db.get<{ n: unknown }>(sql, params);
  return Number(row?.n ?? 0);
}

/** Retry-After grows with the backlog: about the time the workers need to work through the excess. */
function retryAfter(pending: number, limit: number): number {
  return Math.min(300, Math.max(1, Math.ceil((pending - limit + 1) / 10)));
}

/**
 * Refuses new admissions (after authorisation: an unauthenticated client learns nothing about the queue) while a
 * project's — or the server's — backlog of pending versions is at its limit. Exposes the backlog and the refusals
 * as metrics.
 */
export function registerAdmissionControl(app: FastifyInstance, ctx: Pick<ServerContext, "db" | "metrics">, limits: AdmissionLimits): void {
  const refused = new Counter({
    name: "modelgate_admissions_refused_total",
    help: "Pushes, completions and imports refused by back-pressure, by scope (project: 429, server: 503)",
    labelNames: ["scope"] as const,
    registers: [ctx.metrics.registry],
  });
  new Gauge({
    name: "modelgate_pending_versions",
    help: "Versions waiting for their verdict: the largest backlog of one project (scope=max_project) and in all (scope=total), with the limits",
    labelNames: ["scope"] as const,
    registers: [ctx.metrics.registry],
    async collect() {
      this.set({ scope: "total" }, await count(ctx, "SELECT COUNT(*) AS n FROM versions WHERE status = 'pending'"));
      const row = await ctx.db.get<{ n: unknown }>(
        "SELECT COUNT(*) AS n FROM versions v JOIN models m ON m.id = v.model_id WHERE v.status = 'pending' GROUP BY m.project_id ORDER BY n DESC LIMIT 1",
      );
      this.set({ scope: "max_project" }, Number(row?.n ?? 0));
      this.set({ scope: "limit_project" }, limits.maxPendingPerProject);
      this.set({ scope: "limit_total" }, limits.maxPendingTotal);
    },
  });

  async function projectOf(request: FastifyRequest): Promise<string | undefined> {
    const params = request.params as Record<string, string | undefined>;
    if (params.project !== undefined) return params.project;
    if (params.uploadId !== undefined) return (await getVersionByUpload(ctx.db, params.uploadId))?.project;
    return undefined;
  }

  app.addHook("preHandler", async (request) => {
    if (!ADMITTING.has(`${request.method} ${request.routeOptions.url ?? ""}`) || request.principal === undefined) return;
    const total = await count(ctx, "SELECT COUNT(*) AS n FROM versions WHERE status = 'pending'");
    if (total >= limits.maxPendingTotal) {
      refused.inc({ scope: "server" });
      throw new OverloadedError(`the server has ${total} versions waiting for their verdict (limit ${limits.maxPendingTotal}): try again later`, retryAfter(total, limits.maxPendingTotal));
    }
    const project = await projectOf(request);
    if (project === undefined) return;
    const pending = await count(ctx, PROJECT_PENDING_SQL, [project]);
    if (pending >= limits.maxPendingPerProject) {
      refused.inc({ scope: "project" });
      throw new RateLimitedError(`project ${project} has ${pending} versions waiting for their verdict (limit ${limits.maxPendingPerProject}): try again later`, retryAfter(pending, limits.maxPendingPerProject));
    }
  });
}
