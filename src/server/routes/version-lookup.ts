import type { FastifyRequest } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { authorize, holds, type Permission, type Principal } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { getVersionRef, type VersionRef } from "../db/versions.js";
import { checkName } from "../validate/names.js";

export interface VersionParams {
  project: string;
  model: string;
  version: string;
}

/**
 * Validates the names, authorises `permission` in the project, then finds the version. A version still uploading
 * is visible only to tokens that may push in the project (to everyone else it does not exist).
 */
export async function loadVersion(ctx: ServerContext, request: FastifyRequest, params: VersionParams, permission: Permission): Promise<{ v: VersionRef; principal: Principal }> {
  const project = checkName("project name", params.project);
  const model = checkName("model name", params.model);
  const version = checkName("version", params.version);
  const principal = authorize(request, permission, project);
  const v = await getVersionRef(ctx.db, project, model, version);
  if (!v || (v.status === "uploading" && !holds(principal, "model:push", project))) {
    throw new ModelgateError("NOT_FOUND", `no version ${project}/${model}@${version}`);
  }
  return { v, principal };
}
