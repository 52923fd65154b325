import { isBlobCorrupt } from "../db/corrupt-blobs.js";
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { LimitError, ModelgateError } from "../../core/errors.js";
import { comparePaths } from "../../sign/manifest/index.js";
import { authorize, type Principal } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { getOrCreateModel } from "../db/models.js";
import { getProjectByName } from "../db/projects.js";
import { getFile, getVersionByUpload, getVersionRef, insertFiles, insertVersion, listFiles, markUploaded, type VersionRef } from "../db/versions.js";
import { actorOf, recordEvent, versionSubject } from "../events/audit.js";
import { needs } from "../middlewares/require-permission.js";
import type { SqlDatabase } from "../storage/types.js";
import { receiveToTemp } from "../uploads/receive.js";
import { queueScan } from "../versions/admit.js";
import { checkFilePath, checkName } from "../validate/names.js";

export const MAX_FILES_PER_VERSION = 10_000;

interface DeclaredFile {
  path: string;
  size: number;
  sha256: string;
}

/** model-signing subject digest of the declared files: sha256 over their digests in canonical path order. */
export function declaredDigest(files: readonly DeclaredFile[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => comparePaths(a.path, b.path))) h.update(Buffer.from(f.sha256, "hex"));
  return h.digest("hex");
}

/**
 * A blob counts as already stored for a push only when a completed upload in the same project holds it: dedupe
 * across projects would let anyone who knows a file's SHA-256 attach another project's file to their own version
 * and download it once approved.
 */
async function uploadedInProject(db: SqlDatabase, projectId: string, sha256: string): Promise<boolean> {
  const row = await db.get(
    "SELECT 1 AS x FROM version_files f JOIN versions v ON v.id = f.version_id JOIN models m ON m.id = v.model_id WHERE m.project_id = ? AND f.sha256 = ? AND f.uploaded = 1 LIMIT 1",
    [projectId, sha256],
  );
  return row !== undefined;
}

async function storedInProject(ctx: ServerContext, projectId: string, sha256: string): Promise<boolean> {
  // A blob marked corrupt (storage/verifying.ts) is not stored: the push uploads it again, which replaces it.
  return (await uploadedInProject(ctx.db, projectId, sha256)) && (await ctx.blobs.has(sha256)) && !(await isBlobCorrupt(ctx.db, sha256));
}

function uploaderOnly(v: VersionRef, principal: Principal): void {
  if (v.created_by !== principal.tokenId && !principal.admin) throw new ModelgateError("FORBIDDEN", `only the token that pushed ${versionSubject(v)} may upload its files`);
}

async function missingOf(ctx: ServerContext, versionId: string): Promise<string[]> {
  return (await listFiles(ctx.db, versionId)).filter((f) => !f.uploaded).map((f) => f.path);
}

/** Push: create a version (declaring its files), upload the missing files, complete → a scan job is queued. */
export function registerUploadRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Params: { project: string; model: string }; Body: { version: string; files: DeclaredFile[] } }>(
    "/api/v1/projects/:project/models/:model/versions",
    {
      ...needs("model:push", "project"),
      schema: {
        body: {
          type: "object",
          required: ["version", "files"],
          additionalProperties: false,
          properties: {
            version: { type: "string" },
            files: {
              type: "array",
              minItems: 1,
              maxItems: MAX_FILES_PER_VERSION,
              items: {
                type: "object",
                required: ["path", "size", "sha256"],
                additionalProperties: false,
                properties: { path: { type: "string" }, size: { type: "integer", minimum: 0 }, sha256: { type: "string", pattern: "^[0-9a-fA-F]{64}$" } },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const project = checkName("project name", request.params.project);
      const principal = authorize(request, "model:push", project);
      const modelName = checkName("model name", request.params.model);
      const version = checkName("version", request.body.version);
      const seen = new Set<string>();
      const files = request.body.files.map((f) => {
        const path = checkFilePath(f.path);
        if (seen.has(path)) throw new ModelgateError("INVALID_OPTION", `file ${path} is declared twice`);
        seen.add(path);
        if (f.size > ctx.config.maxUploadBytes) throw new LimitError("maxUploadBytes", f.size, ctx.config.maxUploadBytes, `file ${path} (${f.size} bytes) is larger than the server's limit of ${ctx.config.maxUploadBytes} bytes`);
        return { path, size: f.size, sha256: f.sha256.toLowerCase() };
      });
      const p = await getProjectByName(ctx.db, project);
      if (!p) throw new ModelgateError("NOT_FOUND", `no project ${project}`);

      const existing = await getVersionRef(ctx.db, project, modelName, version);
      if (existing) {
        // Resume: the same token pushing the same files again gets the same upload back.
        const stored = await listFiles(ctx.db, existing.id);
        const byPath = new Map(files.map((f) => [f.path, f]));
        const sameFiles = stored.length === files.length && stored.every((f) => byPath.get(f.path)?.sha256 === f.sha256 && byPath.get(f.path)?.size === f.size);
        if (existing.status === "uploading" && existing.created_by === principal.tokenId && sameFiles) {
          return reply.code(201).send({ uploadId: existing.upload_id, version, status: "uploading", missing: await missingOf(ctx, existing.id) });
        }
        throw new ModelgateError("CONFLICT", `${project}/${modelName}@${version} exists (${existing.status}); versions are immutable: push a new version`);
      }

      const present = new Map<string, boolean>();
      for (const f of files) if (!present.has(f.sha256)) present.set(f.sha256, await storedInProject(ctx, p.id, f.sha256));
      const created = await ctx.db.transaction(async (tx) => {
        // The gc job may have expired the version that held a blob since storedInProject looked: re-check the row
        // in this (serialised) transaction, so a blob gc deletes later is one our own rows now refer to — it then
        // keeps it (see deleteBlobIfUnreferenced in versions/expire.ts).
        for (const [sha, stored] of present) if (stored && !(await uploadedInProject(tx, p.id, sha))) present.set(sha, false);
        const model = await getOrCreateModel(tx, p.id, modelName);
        const ids = await insertVersion(tx, { modelId: model.id, version, createdBy: principal.tokenId, createdByName: principal.name, digest: declaredDigest(files) });
        await insertFiles(tx, ids.id, files.map((f) => ({ ...f, uploaded: present.get(f.sha256) === true })));
        await recordEvent(
          ctx,
          { type: "version.pushed", actor: actorOf(principal), project, subject: versionSubject({ project, model: modelName, version }), data: { files: files.length, bytes: files.reduce((a, f) => a + f.size, 0), digest: declaredDigest(files) } },
          tx,
        );
        return ids;
      });
      return reply.code(201).send({ uploadId: created.uploadId, version, status: "uploading", missing: files.filter((f) => !present.get(f.sha256)).map((f) => f.path) });
    },
  );

  app.put<{ Params: { uploadId: string; "*": string } }>("/api/v1/uploads/:uploadId/files/*", needs("model:push"), async (request: FastifyRequest<{ Params: { uploadId: string; "*": string } }>, reply) => {
    const v = await getVersionByUpload(ctx.db, request.params.uploadId);
    const principal = authorize(request, "model:push", v?.project ?? "\u0000no-such-upload");
    if (!v) throw new ModelgateError("NOT_FOUND", `no upload ${request.params.uploadId}`);
    uploaderOnly(v, principal);
    const path = checkFilePath(request.params["*"]);
    if (v.status !== "uploading") throw new ModelgateError("CONFLICT", `${versionSubject(v)} is ${v.status}: its files can no longer change`);
    const file = await getFile(ctx.db, v.id, path);
    if (!file) throw new ModelgateError("NOT_FOUND", `${path} is not a declared file of ${versionSubject(v)}`);
    const contentType = (request.headers["content-type"] ?? "").split(";")[0]!.trim();
    const length = request.headers["content-length"] === undefined ? undefined : Number(request.headers["content-length"]);
    if (length !== undefined && length > ctx.config.maxUploadBytes) throw new LimitError("maxUploadBytes", length, ctx.config.maxUploadBytes, `upload of ${length} bytes is larger than the server's limit of ${ctx.config.maxUploadBytes} bytes`);
    if (length !== undefined && length !== file.size) throw new ModelgateError("MALFORMED_INPUT", `${path}: Content-Length ${length} differs from the declared size ${file.size}`);
    if (request.body !== undefined && contentType !== "application/octet-stream") {
      throw new ModelgateError("MALFORMED_INPUT", `send file bytes as application/octet-stream, not ${contentType || "no content type"}`);
    }
    const body = (request.body as Readable | undefined) ?? Readable.from([]);
    const received = await receiveToTemp(body, ctx.config.tmpDir, { maxBytes: ctx.config.maxUploadBytes, expectedSize: file.size, onBytes: (n) => ctx.metrics.uploadBytes.inc(n) });
    try {
      if (received.size !== file.size) throw new ModelgateError("MALFORMED_INPUT", `${path}: received ${received.size} bytes, declared ${file.size}`);
      if (received.sha256 !== file.sha256) throw new ModelgateError("MALFORMED_INPUT", `${path}: sha256 of the received bytes is ${received.sha256}, declared ${file.sha256}`);
      await ctx.blobs.putFile(received.tempPath, { sha256: received.sha256, size: received.size });
    } finally {
      await rm(received.tempPath, { force: true });
    }
    await markUploaded(ctx.db, v.id, path);
    return reply.code(204).send();
  });

  app.post<{ Params: { uploadId: string } }>("/api/v1/uploads/:uploadId/complete", needs("model:push"), async (request, reply) => {
    const v = await getVersionByUpload(ctx.db, request.params.uploadId);
    const principal = authorize(request, "model:push", v?.project ?? "\u0000no-such-upload");
    if (!v) throw new ModelgateError("NOT_FOUND", `no upload ${request.params.uploadId}`);
    uploaderOnly(v, principal);
    if (v.status !== "uploading") throw new ModelgateError("CONFLICT", `${versionSubject(v)} is already ${v.status}`);
    const files = await listFiles(ctx.db, v.id);
    const missing = files.filter((f) => !f.uploaded).map((f) => f.path);
    if (missing.length > 0) throw new ModelgateError("CONFLICT", `${missing.length} file(s) not uploaded yet: ${missing.slice(0, 10).join(", ")}`);
    // Never admit a version without its bytes (a blob deleted since its PUT, e.g. by an operator or a gc race):
    // mark such files missing again, so that a resumed push (POST …/versions again) lists them to upload.
    const gone: string[] = [];
    for (const f of files) if (!(await ctx.blobs.has(f.sha256)) || (await isBlobCorrupt(ctx.db, f.sha256))) gone.push(f.path);
    if (gone.length > 0) {
      for (const path of gone) await ctx.db.run("UPDATE version_files SET uploaded = 0 WHERE version_id = ? AND path = ?", [v.id, path]);
      throw new ModelgateError("CONFLICT", `the stored bytes of ${gone.slice(0, 10).join(", ")} are gone: upload it again (PUT the file, or push again to resume)`);
    }
    await ctx.db.transaction(async (tx) => {
      await queueScan(ctx, tx, v);
      await recordEvent(ctx, { type: "version.uploaded", actor: actorOf(principal), project: v.project, subject: versionSubject(v), data: { files: files.length, digest: v.digest } }, tx);
    });
    ctx.queue.notify();
    return reply.code(202).send({ version: v.version, status: "pending" });
  });
}
