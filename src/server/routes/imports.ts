import type { FastifyInstance } from "fastify";
import { LimitError, ModelgateError } from "../../core/errors.js";
import { authorize } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { getOrCreateModel } from "../db/models.js";
import { getProjectByName } from "../db/projects.js";
import { getVersionRef, insertVersion, type VersionSource } from "../db/versions.js";
import { actorOf, recordEvent, versionSubject } from "../events/audit.js";
import { checkRevision, parseHubSource, resolveRevision, type HubRevision } from "../imports/hub.js";
import { IMPORT_ATTEMPTS } from "../imports/import-job.js";
import { needs } from "../middlewares/require-permission.js";
import { checkName } from "../validate/names.js";
import { MAX_FILES_PER_VERSION } from "./uploads.js";

interface ImportBody {
  source: string;
  revision?: string;
  version?: string;
  hub?: string;
}

/** Hub answers, told as what they mean for this request (a hub's 401 is not the caller's token being refused). */
function hubError(e: unknown, what: string): unknown {
  if (!(e instanceof ModelgateError)) return e;
  if (e.code === "UNAUTHORIZED") return new ModelgateError("FORBIDDEN", `the hub refused access to ${what} (a gated or private repository needs MODELGATE_HF_TOKEN on the server): ${e.message}`);
  if (e.code === "NOT_FOUND") return new ModelgateError("NOT_FOUND", `the hub has no ${what}: ${e.message}`);
  return e;
}

/**
 * Pull-through: `POST …/imports` asks the server to fetch a model from a Hugging Face-compatible hub itself. The
 * revision is resolved to its commit now (so the version records exactly what will be fetched); the files are
 * fetched by an `import` job, then scanned and checked like any push.
 */
export function registerImportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Params: { project: string; model: string }; Body: ImportBody }>(
    "/api/v1/projects/:project/models/:model/imports",
    {
      ...needs("model:push", "project"),
      schema: {
        body: {
          type: "object",
          required: ["source"],
          additionalProperties: false,
          properties: { source: { type: "string", maxLength: 400 }, revision: { type: "string", maxLength: 200 }, version: { type: "string" }, hub: { type: "string", maxLength: 400 } },
        },
      },
    },
    async (request, reply) => {
      const project = checkName("project name", request.params.project);
      const principal = authorize(request, "model:push", project);
      const modelName = checkName("model name", request.params.model);
      if (ctx.config.importFrom.length === 0) {
        throw new ModelgateError("FORBIDDEN", "imports are off on this server: an administrator starts it with --import-from https://huggingface.co (or another hub) to allow them");
      }
      const parsed = parseHubSource(request.body.source);
      const revision = checkRevision(request.body.revision ?? parsed.revision ?? "main");
      const hub = request.body.hub === undefined ? ctx.config.importFrom[0]! : ctx.config.importFrom.find((h) => h.href === request.body.hub || h.href === `${request.body.hub}/`);
      if (!hub) throw new ModelgateError("INVALID_OPTION", `${request.body.hub} is not an import hub of this server; allowed: ${ctx.config.importFrom.map((h) => h.href).join(", ")}`);
      const p = await getProjectByName(ctx.db, project);
      if (!p) throw new ModelgateError("NOT_FOUND", `no project ${project}`);

      const what = `hf://${parsed.repo}@${revision}`;
      let resolved: HubRevision;
      try {
        resolved = await resolveRevision(hub, parsed.repo, revision, ctx.config.hubToken, MAX_FILES_PER_VERSION, ctx.config.outboundAllow);
      } catch (e) {
        throw hubError(e, what);
      }
      for (const f of resolved.files) {
        if (f.size > ctx.config.maxUploadBytes) throw new LimitError("maxUploadBytes", f.size, ctx.config.maxUploadBytes, `${what}: ${f.path} (${f.size} bytes) is larger than the server's limit of ${ctx.config.maxUploadBytes} bytes`);
      }
      const bytes = resolved.files.reduce((a, f) => a + f.size, 0);
      if (bytes > ctx.config.maxImportBytes) {
        throw new LimitError("maxImportBytes", bytes, ctx.config.maxImportBytes, `${what} is ${bytes} bytes in all, more than the server's import limit of ${ctx.config.maxImportBytes} bytes (--max-import)`);
      }
      const version = checkName("version", request.body.version ?? resolved.commit.slice(0, 12));
      if (await getVersionRef(ctx.db, project, modelName, version)) {
        throw new ModelgateError("CONFLICT", `${project}/${modelName}@${version} exists; versions are immutable: import under another version`);
      }
      const source: VersionSource = { hub: hub.href, repo: parsed.repo, revision, commit: resolved.commit };
      const subject = versionSubject({ project, model: modelName, version });
      await ctx.db.transaction(async (tx) => {
        const model = await getOrCreateModel(tx, p.id, modelName);
        const ids = await insertVersion(tx, { modelId: model.id, version, createdBy: principal.tokenId, createdByName: principal.name, digest: null, source });
        await ctx.queue.enqueue(tx, "import", { versionId: ids.id, files: resolved.files }, { maxAttempts: IMPORT_ATTEMPTS });
        await recordEvent(
          ctx,
          { type: "version.import-requested", actor: actorOf(principal), project, subject, data: { source, files: resolved.files.length, bytes } },
          tx,
        );
      });
      ctx.queue.notify();
      return reply.code(202).send({ project, model: modelName, version, status: "uploading", source, files: resolved.files.length });
    },
  );
}
