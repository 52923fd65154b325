import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { authorize } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { deletePolicy, putPolicy } from "../db/policies.js";
import { getProjectByName } from "../db/projects.js";
import { actorOf, recordEvent } from "../events/audit.js";
import { needs } from "../middlewares/require-permission.js";
import { effectivePolicy, ORG_POLICY_SCOPE, orgPolicy, projectPolicyScope } from "../policy/effective.js";
import { validatePolicyText } from "../policy/validate.js";
import { checkName } from "../validate/names.js";

const bodySchema = {
  schema: { body: { type: "object", required: ["yaml"], additionalProperties: false, properties: { yaml: { type: "string", maxLength: 1_000_000 } } } },
};

/** The organisation policy and per-project overrides (an override replaces the organisation policy for its project). */
export function registerPolicyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/api/v1/policy", needs("policy:read"), async (request) => {
    authorize(request, "policy:read");
    const p = await orgPolicy(ctx.db, ctx.config);
    return p
      ? { yaml: p.yaml, digest: p.digest, updatedAt: p.updatedAt ?? null, source: p.source }
      : { yaml: null, digest: null, updatedAt: null, source: "default", note: "no organisation policy: versions are checked with the policy engine's default profile" };
  });

  app.put<{ Body: { yaml: string } }>("/api/v1/policy", { ...bodySchema, ...needs("policy:write") }, async (request) => {
    const principal = authorize(request, "policy:write");
    await validatePolicyText(request.body.yaml, "organisation policy");
    const stored = await ctx.db.transaction(async (tx) => {
      const s = await putPolicy(tx, ORG_POLICY_SCOPE, request.body.yaml, actorOf(principal));
      await recordEvent(ctx, { type: "policy.changed", actor: actorOf(principal), subject: "policy:org", data: { digest: s.digest } }, tx);
      return s;
    });
    return { yaml: stored.yaml, digest: stored.digest, updatedAt: stored.updatedAt, source: "org" };
  });

  app.get<{ Params: { project: string } }>("/api/v1/projects/:project/policy", needs("policy:read", "project"), async (request) => {
    const name = checkName("project name", request.params.project);
    authorize(request, "policy:read", name);
    const p = await getProjectByName(ctx.db, name);
    if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
    const e = await effectivePolicy(ctx.db, ctx.config, p.id);
    return e ? { yaml: e.yaml, digest: e.digest, updatedAt: e.updatedAt ?? null, source: e.source } : { yaml: null, digest: null, updatedAt: null, source: "default" };
  });

  app.put<{ Params: { project: string }; Body: { yaml: string } }>("/api/v1/projects/:project/policy", { ...bodySchema, ...needs("policy:write", "project") }, async (request) => {
    const name = checkName("project name", request.params.project);
    const principal = authorize(request, "policy:write", name);
    await validatePolicyText(request.body.yaml, `policy of project ${name}`);
    const stored = await ctx.db.transaction(async (tx) => {
      const p = await getProjectByName(tx, name);
      if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
      const s = await putPolicy(tx, projectPolicyScope(p.id), request.body.yaml, actorOf(principal));
      await recordEvent(ctx, { type: "policy.changed", actor: actorOf(principal), project: name, subject: `policy:project:${name}`, data: { digest: s.digest } }, tx);
      return s;
    });
    return { yaml: stored.yaml, digest: stored.digest, updatedAt: stored.updatedAt, source: "project" };
  });

  app.delete<{ Params: { project: string } }>("/api/v1/projects/:project/policy", needs("policy:write", "project"), async (request, reply) => {
    const name = checkName("project name", request.params.project);
    const principal = authorize(request, "policy:write", name);
    await ctx.db.transaction(async (tx) => {
      const p = await getProjectByName(tx, name);
      if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
      if (!(await deletePolicy(tx, projectPolicyScope(p.id)))) throw new ModelgateError("NOT_FOUND", `project ${name} has no policy override`);
      await recordEvent(ctx, { type: "policy.changed", actor: actorOf(principal), project: name, subject: `policy:project:${name}`, data: { digest: null } }, tx);
    });
    return reply.code(204).send();
  });
}
