import type { FastifyRequest } from "fastify";
import { ModelgateError } from "../../core/errors.js";
import { GLOBAL_PERMISSIONS, roleGrants, scopeAllows, type Role } from "./roles.js";

export type { Role } from "./roles.js";

export type Permission =
  | "project:create"
  | "project:read"
  | "project:admin"
  | "model:push"
  | "model:read"
  | "model:download"
  | "version:approve"
  | "version:release"
  | "version:quarantine"
  | "version:reject"
  | "version:revoke"
  | "token:admin"
  | "policy:read"
  | "policy:write"
  | "webhook:admin"
  | "vulndb:update"
  | "audit:read"
  /** Incident response reads: who downloaded a version, the quarantine queue (reviewer, auditor, admin). */
  | "incident:read";

export interface Principal {
  tokenId: string;
  name: string;
  admin: boolean;
  scopes: string[];
  roles: { project: string; role: Role }[];
}

/** Why a request has no principal: set by the authenticate hook. */
export type AuthFailure = "missing" | "malformed" | "unknown" | "expired" | "revoked";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    authFailure?: AuthFailure;
  }
}

/** Thrown by authorize(); the error handler answers 401/403 and records an auth.denied audit event. */
export class AuthorizationError extends ModelgateError {
  readonly permission: string;
  readonly project: string | undefined;
  constructor(code: "UNAUTHORIZED" | "FORBIDDEN", message: string, permission: string, project: string | undefined) {
    super(code, message);
    this.name = "AuthorizationError";
    this.permission = permission;
    this.project = project;
  }
}

const FAILURE_TEXT: Record<AuthFailure, string> = {
  missing: "authentication required: send Authorization: Bearer <token>",
  malformed: "the Authorization header is not a modelgate bearer token",
  unknown: "unknown token",
  expired: "the token has expired",
  revoked: "the token has been revoked",
};

/** True when the principal holds `permission` in `project` (or, without a project, in at least one project). */
export function holds(principal: Principal, permission: Permission, project?: string): boolean {
  if (!scopeAllows(principal.scopes, permission)) return false;
  if (principal.admin) return true;
  if (project === undefined) {
    if (GLOBAL_PERMISSIONS.has(permission)) return false;
    return principal.roles.some((r) => roleGrants(r.role, permission));
  }
  return principal.roles.some((r) => r.project === project && roleGrants(r.role, permission));
}

/** Project names in which the principal holds `permission`; undefined means every project (admin). */
export function projectsWith(principal: Principal, permission: Permission): Set<string> | undefined {
  if (!scopeAllows(principal.scopes, permission)) return new Set();
  if (principal.admin) return undefined;
  return new Set(principal.roles.filter((r) => roleGrants(r.role, permission)).map((r) => r.project));
}

/**
 * Every route calls this first. Deny by default: no valid token → 401; the token's scopes or roles do not grant
 * `permission` (in `project`, when given) → 403. Without a project, a permission granted by some project role
 * passes (list routes then filter to those projects); server-wide permissions need an admin token.
 */
export function authorize(request: FastifyRequest, permission: Permission, project?: string): Principal {
  const principal = request.principal;
  if (!principal) {
    throw new AuthorizationError("UNAUTHORIZED", FAILURE_TEXT[request.authFailure ?? "missing"], permission, project);
  }
  if (!scopeAllows(principal.scopes, permission)) {
    throw new AuthorizationError("FORBIDDEN", `the token's scopes (${principal.scopes.join(", ")}) do not include ${permission}`, permission, project);
  }
  if (!holds(principal, permission, project)) {
    throw new AuthorizationError(
      "FORBIDDEN",
      project === undefined ? `${permission} needs an admin token` : `no role in project ${project} grants ${permission}`,
      permission,
      project,
    );
  }
  return principal;
}

/** For routes open to any valid token whatever its roles (GET /api/v1/me): 401 without one. */
export function authenticated(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (!principal) throw new AuthorizationError("UNAUTHORIZED", FAILURE_TEXT[request.authFailure ?? "missing"], "authenticated", undefined);
  return principal;
}
