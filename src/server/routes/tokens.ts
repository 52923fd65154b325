import type { FastifyInstance } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { authenticated, authorize } from "../auth/authorize.js";
import { isValidScope, ROLES, type Role } from "../auth/roles.js";
import { generateToken, hashToken } from "../auth/tokens.js";
import type { ServerContext } from "../context.js";
import { allRoles, setMember } from "../db/members.js";
import { getProjectByName } from "../db/projects.js";
import { getToken, insertToken, listTokens, revokeToken } from "../db/tokens.js";
import { actorOf, recordEvent } from "../events/audit.js";
import { needs } from "../middlewares/require-permission.js";
import { checkName } from "../validate/names.js";

export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 3650;

interface CreateTokenBody {
  name: string;
  expiresInDays?: number;
  scopes?: string[];
  admin?: boolean;
  roles?: { project: string; role: Role }[];
}

/** Tokens: created by admins only, shown once, stored as SHA-256, scoped, expiring, revocable. */
export function registerTokenRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get("/api/v1/me", needs("authenticated"), async (request) => authenticated(request));

  app.post<{ Body: CreateTokenBody }>(
    "/api/v1/tokens",
    {
      ...needs("token:admin"),
      schema: {
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1, maxLength: 128 },
            expiresInDays: { type: "integer", minimum: 1, maximum: MAX_TOKEN_DAYS },
            scopes: { type: "array", maxItems: 50, items: { type: "string", maxLength: 64 } },
            admin: { type: "boolean" },
            roles: {
              type: "array",
              maxItems: 1000,
              items: {
                type: "object",
                required: ["project", "role"],
                additionalProperties: false,
                properties: { project: { type: "string" }, role: { type: "string", enum: [...ROLES] } },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, "token:admin");
      const body = request.body;
      const scopes = body.scopes ?? [];
      for (const s of scopes) if (!isValidScope(s)) throw new ModelgateError("INVALID_OPTION", `unknown scope ${JSON.stringify(s)}: use "*", a permission such as "model:read", or a prefix such as "model:*"`);
      const token = generateToken();
      const days = body.expiresInDays ?? DEFAULT_TOKEN_DAYS;
      const expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
      const roles = body.roles ?? [];
      const record = await ctx.db.transaction(async (tx) => {
        const projects = [];
        for (const r of roles) {
          const p = await getProjectByName(tx, checkName("project name", r.project));
          if (!p) throw new ModelgateError("INVALID_OPTION", `no project ${r.project}: create it first`);
          projects.push({ p, role: r.role });
        }
        const rec = await insertToken(tx, { name: body.name, hash: hashToken(token), admin: body.admin === true, scopes, expiresAt, createdBy: principal.tokenId });
        for (const { p, role } of projects) await setMember(tx, p.id, rec.id, role);
        await recordEvent(ctx, { type: "token.created", actor: actorOf(principal), subject: `token:${rec.id}`, data: { name: rec.name, admin: rec.admin, scopes, roles, expiresAt } }, tx);
        return rec;
      });
      return reply.code(201).send({ id: record.id, token, name: record.name, admin: record.admin, scopes, roles, expiresAt });
    },
  );

  app.get("/api/v1/tokens", needs("token:admin"), async (request) => {
    authorize(request, "token:admin");
    const roles = await allRoles(ctx.db);
    return (await listTokens(ctx.db)).map((t) => ({
      id: t.id,
      name: t.name,
      admin: t.admin,
      roles: roles.get(t.id) ?? [],
      scopes: t.scopes.length ? t.scopes : ["*"],
      createdAt: t.createdAt,
      expiresAt: t.expiresAt,
      lastUsedAt: t.lastUsedAt,
      revoked: t.revokedAt !== null,
      ...(t.revokedAt ? { revokedAt: t.revokedAt } : {}),
    }));
  });

  app.delete<{ Params: { id: string } }>("/api/v1/tokens/:id", needs("token:admin"), async (request, reply) => {
    const principal = authorize(request, "token:admin");
    const id = request.params.id;
    await ctx.db.transaction(async (tx) => {
      const t = await getToken(tx, id);
      if (!t) throw new ModelgateError("NOT_FOUND", `no token ${id}`);
      if (!(await revokeToken(tx, id))) throw new ModelgateError("CONFLICT", `token ${id} is already revoked`);
      await recordEvent(ctx, { type: "token.revoked", actor: actorOf(principal), subject: `token:${id}`, data: { name: t.name } }, tx);
    });
    return reply.code(204).send();
  });
}
