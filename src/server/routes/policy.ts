import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { AuthorizationError, authorize } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { deletePolicy, getPolicy, putPolicy } from "../db/policies.js";
import { getProjectByName } from "../db/projects.js";
import { actorOf, recordEvent } from "../events/audit.js";
import { needs } from "../middlewares/require-permission.js";
import { ORG_POLICY_SCOPE, orgPolicy, projectPolicyScope, storedEffectivePolicy } from "../policy/effective.js";
import { policyDiff, projectBelowFloor } from "../policy/floor.js";
import { validatePolicyText } from "../policy/validate.js";
import { checkName } from "../validate/names.js";

const bodySchema = {
  schema: { body: { type: "object", required: ["yaml"], additionalProperties: false, properties: { yaml: { type: "string", maxLength: 1_000_000 } } } },
};

/**
 * The organisation policy and per-project overrides. The organisation policy is the floor: a project override
 * replaces it for its project but may only tighten it; a weaker one needs an organisation admin (an admin
 * token). Every change is in the audit log with the digests before and after and a line diff.
 */
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
      const before = await getPolicy(tx, ORG_POLICY_SCOPE);
      const s = await putPolicy(tx, ORG_POLICY_SCOPE, request.body.yaml, actorOf(principal));
      await recordEvent(
        ctx,
        { type: "policy.changed", actor: actorOf(principal), subject: "policy:org", data: { digest: s.digest, previousDigest: before?.digest ?? null, diff: policyDiff(before?.yaml, s.yaml) } },
        tx,
      );
      return s;
    });
    return { yaml: stored.yaml, digest: stored.digest, updatedAt: stored.updatedAt, source: "org" };
  });

  app.get<{ Params: { project: string } }>("/api/v1/projects/:project/policy", needs("policy:read", "project"), async (request) => {
    const name = checkName("project name", request.params.project);
    authorize(request, "policy:read", name);
    const p = await getProjectByName(ctx.db, name);
    if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
    const e = await storedEffectivePolicy(ctx.db, ctx.config, p.id);
    return e ? { yaml: e.yaml, digest: e.digest, updatedAt: e.updatedAt ?? null, source: e.source } : { yaml: null, digest: null, updatedAt: null, source: "default" };
  });

  app.put<{ Params: { project: string }; Body: { yaml: string } }>("/api/v1/projects/:project/policy", { ...bodySchema, ...needs("policy:write", "project") }, async (request) => {
    const name = checkName("project name", request.params.project);
    const principal = authorize(request, "policy:write", name);
    const file = `policy of project ${name}`;
    await validatePolicyText(request.body.yaml, file);
    // Four eyes: a project admin may tighten the organisation's floor, never relax it for its own pushes.
    const below = await projectBelowFloor(ctx.db, ctx.config, request.body.yaml, file);
    if (below.length > 0 && !principal.admin) {
      throw new AuthorizationError(
        "FORBIDDEN",
        `the ${file} is weaker than the organisation policy (${below.join("; ")}); a project policy may only tighten it — relaxing it needs an organisation admin`,
        "policy:write",
        name,
      );
    }
    const stored = await ctx.db.transaction(async (tx) => {
      const p = await getProjectByName(tx, name);
      if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
      const before = await getPolicy(tx, projectPolicyScope(p.id));
      const s = await putPolicy(tx, projectPolicyScope(p.id), request.body.yaml, actorOf(principal));
      const data = { digest: s.digest, previousDigest: before?.digest ?? null, diff: policyDiff(before?.yaml, s.yaml), ...(below.length > 0 ? { belowFloor: below } : {}) };
      await recordEvent(ctx, { type: "policy.changed", actor: actorOf(principal), project: name, subject: `policy:project:${name}`, data }, tx);
      return s;
    });
    return { yaml: stored.yaml, digest: stored.digest, updatedAt: stored.updatedAt, source: "project", ...(below.length > 0 ? { belowFloor: below } : {}) };
  });

  app.delete<{ Params: { project: string } }>("/api/v1/projects/:project/policy", needs("policy:write", "project"), async (request, reply) => {
    const name = checkName("project name", request.params.project);
    const principal = authorize(request, "policy:write", name);
    await ctx.db.transaction(async (tx) => {
      const p = await getProjectByName(tx, name);
      if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
      const before = await getPolicy(tx, projectPolicyScope(p.id));
      if (!before || !(await deletePolicy(tx, projectPolicyScope(p.id)))) throw new ModelgateError("NOT_FOUND", `project ${name} has no policy override`);
      await recordEvent(
        ctx,
        { type: "policy.changed", actor: actorOf(principal), project: name, subject: `policy:project:${name}`, data: { digest: null, previousDigest: before.digest, diff: policyDiff(before.yaml, undefined) } },
        tx,
      );
    });
    return reply.code(204).send();
  });
}
