import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { authorize, projectsWith } from "../auth/authorize.js";
import { ROLES, type Role } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { removeMember, setMember } from "../db/members.js";
import { listModels } from "../db/models.js";
import { putPolicy } from "../db/policies.js";
import { getProjectByName, insertProject, listProjects } from "../db/projects.js";
import { getToken } from "../db/tokens.js";
import { actorOf, recordEvent } from "../events/audit.js";
import { needs } from "../middlewares/require-permission.js";
import { projectPolicyScope } from "../policy/effective.js";
import { validatePolicyText } from "../policy/validate.js";
import { checkName } from "../validate/names.js";

/** Projects, their members (roles) and models. */
export function registerProjectRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: { name: string; policy?: string } }>(
    "/api/v1/projects",
    {
      ...needs("project:create"),
      schema: {
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name: { type: "string" }, policy: { type: "string", maxLength: 1_000_000 } },
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, "project:create");
      const name = checkName("project name", request.body.name);
      if (request.body.policy !== undefined) await validatePolicyText(request.body.policy, `policy of project ${name}`);
      const project = await ctx.db.transaction(async (tx) => {
        if (await getProjectByName(tx, name)) throw new ModelgateError("CONFLICT", `project ${name} exists`);
        const p = await insertProject(tx, name, actorOf(principal));
        await recordEvent(ctx, { type: "project.created", actor: actorOf(principal), project: name, subject: `project:${name}` }, tx);
        if (request.body.policy !== undefined) {
          const stored = await putPolicy(tx, projectPolicyScope(p.id), request.body.policy, actorOf(principal));
          await recordEvent(ctx, { type: "policy.changed", actor: actorOf(principal), project: name, subject: `policy:project:${name}`, data: { digest: stored.digest } }, tx);
        }
        return p;
      });
      return reply.code(201).send({ name: project.name, createdAt: project.createdAt, models: 0 });
    },
  );

  app.get("/api/v1/projects", needs("project:read"), async (request) => {
    const principal = authorize(request, "project:read");
    const visible = projectsWith(principal, "project:read");
    return (await listProjects(ctx.db)).filter((p) => !visible || visible.has(p.name)).map((p) => ({ name: p.name, createdAt: p.createdAt, models: p.models }));
  });

  app.get<{ Params: { project: string } }>("/api/v1/projects/:project/members", needs("project:admin", "project"), async (request) => {
    const name = checkName("project name", request.params.project);
    authorize(request, "project:admin", name);
    const p = await getProjectByName(ctx.db, name);
    if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
    const rows = await ctx.db.all<{ token_id: string; role: Role; name: string; updated_at: string }>(
      "SELECT m.token_id AS token_id, m.role AS role, t.name AS name, m.updated_at AS updated_at FROM members m JOIN tokens t ON t.id = m.token_id WHERE m.project_id = ? ORDER BY t.name",
      [p.id],
    );
    return rows.map((r) => ({ tokenId: r.token_id, name: r.name, role: r.role, updatedAt: r.updated_at }));
  });

  app.put<{ Params: { project: string; tokenId: string }; Body: { role: Role } }>(
    "/api/v1/projects/:project/members/:tokenId",
    {
      ...needs("project:admin", "project"),
      schema: {
        body: { type: "object", required: ["role"], additionalProperties: false, properties: { role: { type: "string", enum: [...ROLES] } } },
      },
    },
    async (request) => {
      const name = checkName("project name", request.params.project);
      const principal = authorize(request, "project:admin", name);
      const { tokenId } = request.params;
      const role = request.body.role;
      await ctx.db.transaction(async (tx) => {
        const p = await getProjectByName(tx, name);
        if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
        const t = await getToken(tx, tokenId);
        if (!t || t.revokedAt) throw new ModelgateError("NOT_FOUND", `no active token ${tokenId}`);
        await setMember(tx, p.id, tokenId, role);
        await recordEvent(ctx, { type: "member.set", actor: actorOf(principal), project: name, subject: `token:${tokenId}`, data: { role, name: t.name } }, tx);
      });
      return { project: name, tokenId, role };
    },
  );

  app.delete<{ Params: { project: string; tokenId: string } }>("/api/v1/projects/:project/members/:tokenId", needs("project:admin", "project"), async (request, reply) => {
    const name = checkName("project name", request.params.project);
    const principal = authorize(request, "project:admin", name);
    const { tokenId } = request.params;
    await ctx.db.transaction(async (tx) => {
      const p = await getProjectByName(tx, name);
      if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
      if (!(await removeMember(tx, p.id, tokenId))) throw new ModelgateError("NOT_FOUND", `token ${tokenId} has no role in ${name}`);
      await recordEvent(ctx, { type: "member.set", actor: actorOf(principal), project: name, subject: `token:${tokenId}`, data: { role: null } }, tx);
    });
    return reply.code(204).send();
  });

  app.get<{ Params: { project: string } }>("/api/v1/projects/:project/models", needs("model:read", "project"), async (request) => {
    const name = checkName("project name", request.params.project);
    authorize(request, "model:read", name);
    const p = await getProjectByName(ctx.db, name);
    if (!p) throw new ModelgateError("NOT_FOUND", `no project ${name}`);
    return listModels(ctx.db, p.id);
  });
}
