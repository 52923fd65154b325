import type { FastifyInstance } from "fastify";
import { checkFilePath, checkFileSet } from "../validate/names.js";

const DECLARING = "POST /api/v1/projects/:project/models/:model/versions";

/**
 * A push declares its files all at once: before the route creates anything, the declared paths are checked as a
 * set (checkFileSet: NFC/NFD spellings of one name, case-only twins, a path that is both a file and a folder), each
 * path first on its own (checkFilePath: bidi and zero-width characters among the rest). Errors name only the
 * declared paths, never a server path.
 */
export function registerDeclaredFileChecks(app: FastifyInstance): void {
  app.addHook("preHandler", async (request) => {
    if (`${request.method} ${request.routeOptions.url ?? ""}` !== DECLARING) return;
    const files = (request.body as { files?: { path?: unknown }[] } | undefined)?.files;
    if (!Array.isArray(files)) return;
    checkFileSet(files.map((f) => checkFilePath(f.path)));
  });
}
