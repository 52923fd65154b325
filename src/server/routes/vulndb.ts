import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { authorize } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { actorOf, recordEvent } from "../events/audit.js";
import { updateDatabase } from "../../deps/index.js";
import { vulnDbTarget } from "../jobs/vuln-db.js";
import { needs } from "../middlewares/require-permission.js";
import { receiveToTemp } from "../uploads/receive.js";

/** Largest OSV archive accepted (the PyPI export is about 30 MB zipped). */
export const MAX_VULNDB_BYTES = 1024 ** 3;

/** POST /api/v1/vulndb/update (admin): body = an OSV zip export; imports it and re-audits every approved version. */
export function registerVulnDbRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post("/api/v1/vulndb/update", needs("vulndb:update"), async (request, reply) => {
    const principal = authorize(request, "vulndb:update");
    const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim();
    if (!(request.body instanceof Readable) || (type !== "application/zip" && type !== "application/octet-stream")) {
      throw new ModelgateError("MALFORMED_INPUT", "send the OSV export (all.zip) as the request body with Content-Type application/zip");
    }
    const received = await receiveToTemp(request.body, ctx.config.tmpDir, { maxBytes: MAX_VULNDB_BYTES });
    let result;
    try {
      const zipPath = `${received.tempPath}.zip`;
      await import("node:fs/promises").then((fs) => fs.rename(received.tempPath, zipPath));
      received.tempPath = zipPath;
      result = await updateDatabase({ db: vulnDbTarget(ctx.config), from: zipPath });
    } finally {
      await rm(received.tempPath, { force: true });
    }
    const queued = await ctx.db.transaction(async (tx) => {
      const approved = await tx.all<{ id: string }>("SELECT id FROM versions WHERE status = 'approved'");
      for (const v of approved) await ctx.queue.enqueue(tx, "reaudit", { versionId: v.id }, { maxAttempts: 3 });
      await recordEvent(ctx, { type: "vulndb.updated", actor: actorOf(principal), subject: "vulndb", data: { sha256: received.sha256, bytes: received.size, metadata: result.metadata, reaudits: approved.length } }, tx);
      return approved.length;
    });
    ctx.queue.notify();
    return reply.code(202).send({ database: result.metadata, reaudits: queued });
  });
}
