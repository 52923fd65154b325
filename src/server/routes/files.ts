import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import type { ServerContext } from "../context.js";
import { recordDownload } from "../db/downloads.js";
import { readJson } from "../db/json.js";
import { getFile, isDownloadable } from "../db/versions.js";
import { actorOf, recordEvent, versionSubject } from "../events/audit.js";
import { emitWebhookEvent } from "../events/webhooks.js";
import { checkFilePath } from "../validate/names.js";
import { needs } from "../middlewares/require-permission.js";
import { loadVersion, type VersionParams } from "./version-lookup.js";

/**
 * Downloads. Attribute rule: only approved versions, or quarantined ones an admin released with a reason, are
 * served — to every role, admins included (release first). Each download is recorded (downloads list, audit log,
 * "download" webhook) before the bytes go out.
 */
export function registerFileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: VersionParams & { "*": string } }>("/api/v1/projects/:project/models/:model/versions/:version/files/*", needs("model:download", "project"), async (request, reply) => {
    const { v, principal } = await loadVersion(ctx, request, request.params, "model:download");
    const path = checkFilePath(request.params["*"]);
    if (!isDownloadable(v)) {
      const reasons = readJson<string[]>(v.reasons, []);
      throw new ModelgateError("FORBIDDEN", `version is ${v.status}${reasons.length ? `: ${reasons.slice(0, 5).join("; ")}` : ""} — only approved or released versions can be downloaded`);
    }
    const file = await getFile(ctx.db, v.id, path);
    if (!file) throw new ModelgateError("NOT_FOUND", `${versionSubject(v)} has no file ${path}`);
    const stream = await ctx.blobs.get(file.sha256);
    try {
      await ctx.db.transaction(async (tx) => {
        const at = await recordDownload(tx, { versionId: v.id, tokenId: principal.tokenId, tokenName: principal.name, path });
        await recordEvent(ctx, { type: "download", actor: actorOf(principal), project: v.project, subject: versionSubject(v), data: { path, sha256: file.sha256, status: v.status, released: v.released_at !== null } }, tx);
        await emitWebhookEvent(ctx, tx, "download", { project: v.project, model: v.model, version: v.version, path, by: principal.name, tokenId: principal.tokenId, at });
      });
    } catch (e) {
      stream.destroy();
      throw e;
    }
    ctx.queue.notify();
    const name = path.split("/").pop()!.replace(/[^A-Za-z0-9._-]/g, "_");
    return reply
      .type("application/octet-stream")
      .header("content-length", String(file.size))
      .header("etag", `"sha256:${file.sha256}"`)
      .header("x-modelgate-sha256", file.sha256)
      .header("x-content-type-options", "nosniff")
      .header("content-disposition", `attachment; filename="${name}"`)
      .send(stream);
  });
}
