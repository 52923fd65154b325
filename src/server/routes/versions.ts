import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import type { Report } from "../../core/report.js";
import { isSeverity, severityRank, type Severity } from "../../core/severity.js";
import { formatHtml } from "../../report/html.js";
import { authorize, holds } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { listDownloads } from "../db/downloads.js";
import { readJson } from "../db/json.js";
import { getModel } from "../db/models.js";
import { getProjectByName } from "../db/projects.js";
import { listFiles, listVersionRefs, versionDetail, versionSummary, type ScanSummary, type VersionRef } from "../db/versions.js";
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

/** Why a version is held, as lists show it (the dashboard's "Worst finding"). */
export interface HoldSummary {
  /** The most severe of the scan findings and of the failing policy results (dependency advice carries its own). */
  maxSeverity?: Severity;
  /** Where that severity comes from: the scan's findings, or a failing policy result (then `rule` names it). */
  from?: "findings" | "policy";
  rule?: string;
  /** How many reasons the version carries, and how many policy results failed (or could not be evaluated). */
  reasons: number;
  failing: number;
}

/**
 * The worst reason a version is held for. A version quarantined by its dependencies (e.g. three critical torch and
 * transformers advisories) has no scan finding at all: its severity is on the verdict's failing results.
 */
export function holdSummary(v: Pick<VersionRef, "scan_summary" | "verdict" | "reasons">): HoldSummary {
  const scan = readJson<Partial<ScanSummary> | null>(v.scan_summary, null);
  const verdict = readJson<{ models?: { results?: { ruleId?: unknown; status?: unknown; severity?: unknown }[] }[] } | null>(v.verdict, null);
  const results = Array.isArray(verdict?.models) ? verdict.models.flatMap((m) => (Array.isArray(m?.results) ? m.results : [])) : [];
  const failing = results.filter((r) => r && (r.status === "fail" || r.status === "error"));
  let worst: { severity: Severity; rule: string } | undefined;
  for (const r of failing) {
    if (isSeverity(r.severity) && (!worst || severityRank(r.severity) > severityRank(worst.severity))) worst = { severity: r.severity, rule: String(r.ruleId ?? "") };
  }
  const reasons = readJson<unknown[]>(v.reasons, []);
  const out: HoldSummary = { reasons: Array.isArray(reasons) ? reasons.length : 0, failing: failing.length };
  const scanMax = isSeverity(scan?.maxSeverity) ? scan.maxSeverity : undefined;
  if (worst && (!scanMax || severityRank(worst.severity) > severityRank(scanMax))) Object.assign(out, { maxSeverity: worst.severity, from: "policy", ...(worst.rule ? { rule: worst.rule } : {}) });
  else if (scanMax) Object.assign(out, { maxSeverity: scanMax, from: "findings" });
  return out;
}

/** A file name part from a model or version name (for Content-Disposition). */
const fileNamePart = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");

/** Versions: lists, details, stored documents (report, SBOM, audit, signature), downloads list and decisions. */
export function registerVersionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { project: string; model: string } }>("/api/v1/projects/:project/models/:model/versions", needs("model:read", "project"), async (request) => {
    const project = checkName("project name", request.params.project);
    authorize(request, "model:read", project);
    const modelName = checkName("model name", request.params.model);
    const p = await getProjectByName(ctx.db, project);
    const m = p && (await getModel(ctx.db, p.id, modelName));
    if (!p || !m) throw new ModelgateError("NOT_FOUND", `no model ${project}/${modelName}`);
    return (await listVersionRefs(ctx.db, "v.model_id = ? AND v.status <> 'uploading'", [m.id])).map((v) => ({ ...versionSummary(v), digest: v.digest, hold: holdSummary(v) }));
  });

  app.get<{ Params: VersionParams }>(BASE, needs("model:read", "project"), async (request) => {
    const { v } = await loadVersion(ctx, request, request.params, "model:read");
    return { ...versionDetail(v, await listFiles(ctx.db, v.id)), hold: holdSummary(v) };
  });

  const document = (suffix: "sbom" | "audit", column: "sbom" | "audit", what: string): void => {
    app.get<{ Params: VersionParams }>(`${BASE}/${suffix}`, needs("model:read", "project"), async (request, reply) => {
      const { v } = await loadVersion(ctx, request, request.params, "model:read");
      const text = v[column];
      if (!text) {
        throw new ModelgateError("NOT_FOUND", `${v.project}/${v.model}@${v.version} has no ${what}${v.status === "pending" ? " yet (the scan is queued or running)" : ""}`);
      }
      return reply.type("application/json; charset=utf-8").send(text);
    });
  };
  // The scan report; `?format=html` renders it as the self-contained HTML report of `modelgate scan --format html`,
  // `?format=json` sends the stored JSON as a download.
  app.get<{ Params: VersionParams; Querystring: { format?: "json" | "html" } }>(
    `${BASE}/report`,
    { ...needs("model:read", "project"), schema: { querystring: { type: "object", properties: { format: { type: "string", enum: ["json", "html"] } } } } },
    async (request, reply) => {
      const { v } = await loadVersion(ctx, request, request.params, "model:read");
      if (!v.report) {
        throw new ModelgateError("NOT_FOUND", `${v.project}/${v.model}@${v.version} has no scan report${v.status === "pending" ? " yet (the scan is queued or running)" : ""}`);
      }
      const format = request.query.format;
      if (format === undefined) return reply.type("application/json; charset=utf-8").send(v.report);
      const name = `${fileNamePart(v.model)}-${fileNamePart(v.version)}-scan-report.${format}`;
      reply.header("content-disposition", `attachment; filename="${name}"`);
      if (format === "json") return reply.type("application/json; charset=utf-8").send(v.report);
      const html = formatHtml(JSON.parse(v.report) as Report);
      // The page has no script (and says so in its own CSP); sandboxed as well in case it is ever opened in place.
      return reply.type("text/html; charset=utf-8").header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox").send(html);
    },
  );
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
    return rows.filter((v) => holds(principal, "incident:read", v.project)).map((v) => ({ ...versionSummary(v), hold: holdSummary(v) }));
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
