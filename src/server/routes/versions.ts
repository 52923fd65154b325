import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { authorize, holds } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { listDownloads } from "../db/downloads.js";
import { readJson } from "../db/json.js";
import { getModel } from "../db/models.js";
import { getProjectByName } from "../db/projects.js";
import { listFiles, listVersionRefs, versionDetail, versionSummary } from "../db/versions.js";
import { needs } from "../middlewares/require-permission.js";
import { decideVersion, type Decision } from "../versions/decide.js";
import { checkName } from "../validate/names.js";
import { loadVersion, type VersionParams } from "./version-lookup.js";

const BASE = "/api/v1/projects/:project/models/:model/versions/:version";

const DECISION_PERMISSION = {
  approve: "version:approve",
  quarantine: "version:quarantine",
  reject: "version:reject",
  revoke: "version:revoke",
  release: "version:release",
} as const;

/** Versions: lists, details, stored documents (report, SBOM, audit, signature), downloads list and decisions. */
export function registerVersionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { project: string; model: string } }>("/api/v1/projects/:project/models/:model/versions", needs("model:read", "project"), async (request) => {
    const project = checkName("project name", request.params.project);
    authorize(request, "model:read", project);
    const modelName = checkName("model name", request.params.model);
    const p = await getProjectByName(ctx.db, project);
    const m = p && (await getModel(ctx.db, p.id, modelName));
    if (!p || !m) throw new ModelgateError("NOT_FOUND", `no model ${project}/${modelName}`);
    return (await listVersionRefs(ctx.db, "v.model_id = ? AND v.status <> 'uploading'", [m.id])).map(versionSummary);
  });

  app.get<{ Params: VersionParams }>(BASE, needs("model:read", "project"), async (request) => {
    const { v } = await loadVersion(ctx, request, request.params, "model:read");
    return versionDetail(v, await listFiles(ctx.db, v.id));
  });

  const document = (suffix: "report" | "sbom" | "audit", column: "report" | "sbom" | "audit", what: string): void => {
    app.get<{ Params: VersionParams }>(`${BASE}/${suffix}`, needs("model:read", "project"), async (request, reply) => {
      const { v } = await loadVersion(ctx, request, request.params, "model:read");
      const text = v[column];
      if (!text) {
        throw new ModelgateError("NOT_FOUND", `${v.project}/${v.model}@${v.version} has no ${what}${v.status === "pending" ? " yet (the scan is queued or running)" : ""}`);
      }
      return reply.type("application/json; charset=utf-8").send(text);
    });
  };
  document("report", "report", "scan report");
  document("sbom", "sbom", "SBOM");
  document("audit", "audit", "dependency audit");

  app.get<{ Params: VersionParams }>(`${BASE}/signature`, needs("model:read", "project"), async (request, reply) => {
    const { v } = await loadVersion(ctx, request, request.params, "model:read");
    if (v.status !== "approved" || !v.signature) throw new ModelgateError("NOT_FOUND", `${v.project}/${v.model}@${v.version} is ${v.status}: only approved versions carry the server's signature`);
    return reply.type("application/json; charset=utf-8").header("content-disposition", 'attachment; filename="model.sig"').send(v.signature);
  });

  app.get<{ Params: VersionParams }>(`${BASE}/downloads`, needs("incident:read", "project"), async (request) => {
    const { v } = await loadVersion(ctx, request, request.params, "incident:read");
    return listDownloads(ctx.db, v.id);
  });

  for (const decision of Object.keys(DECISION_PERMISSION) as Decision[]) {
    app.post<{ Params: VersionParams; Body: { reason: string } }>(
      `${BASE}/${decision}`,
      { ...needs(DECISION_PERMISSION[decision], "project"), schema: { body: { type: "object", required: ["reason"], additionalProperties: false, properties: { reason: { type: "string", minLength: 1, maxLength: 2000 } } } } },
      async (request) => {
        const { v, principal } = await loadVersion(ctx, request, request.params, DECISION_PERMISSION[decision]);
        const updated = await decideVersion(ctx, v, decision, principal, request.body.reason);
        return versionDetail(updated, await listFiles(ctx.db, updated.id));
      },
    );
  }

  app.get("/api/v1/quarantine", needs("incident:read"), async (request) => {
    const principal = authorize(request, "incident:read");
    const rows = await listVersionRefs(ctx.db, "v.status = 'quarantined'", []);
    return rows.filter((v) => holds(principal, "incident:read", v.project)).map(versionSummary);
  });

  app.get<{ Querystring: { days?: number } }>(
    "/api/v1/stats/findings",
    { ...needs("model:read"), schema: { querystring: { type: "object", properties: { days: { type: "integer", minimum: 1, maximum: 366 } } } } },
    async (request) => {
      const principal = authorize(request, "model:read");
      const days = request.query.days ?? 30;
      const start = new Date();
      start.setUTCHours(0, 0, 0, 0);
      start.setUTCDate(start.getUTCDate() - (days - 1));
      const rows = await listVersionRefs(ctx.db, "v.scanned_at >= ?", [start.toISOString()]);
      const byDate = new Map<string, { date: string; critical: number; high: number; medium: number; low: number; info: number; versions: number }>();
      for (let i = 0; i < days; i++) {
        const d = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
        byDate.set(d, { date: d, critical: 0, high: 0, medium: 0, low: 0, info: 0, versions: 0 });
      }
      for (const v of rows) {
        if (!holds(principal, "model:read", v.project)) continue;
        const day = byDate.get(String(v.scanned_at).slice(0, 10));
        if (!day) continue;
        const s = readJson<{ bySeverity?: Record<string, number> }>(v.scan_summary, {});
        day.versions++;
        for (const k of ["critical", "high", "medium", "low", "info"] as const) day[k] += s.bySeverity?.[k] ?? 0;
      }
      return [...byDate.values()];
    },
  );
}
