import type { Permission } from "./authorize.js";

/** Roles a token holds per project. A token with `admin` set holds every permission everywhere. */
export type Role = "admin" | "publisher" | "reviewer" | "consumer" | "auditor";

export const ROLES: readonly Role[] = ["admin", "publisher", "reviewer", "consumer", "auditor"];

export const PERMISSIONS: readonly Permission[] = [
  "project:create",
  "project:read",
  "project:admin",
  "model:push",
  "model:read",
  "model:download",
  "version:approve",
  "version:release",
  "version:quarantine",
  "version:reject",
  "version:revoke",
  "token:admin",
  "policy:read",
  "policy:write",
  "webhook:admin",
  "vulndb:update",
  "audit:read",
  "incident:read",
];

/**
 * What each project role may do in its project. Deny by default: a permission not listed here is held only by
 * admin tokens. Attribute rules on top (routes): downloads need an approved or released version; the token that
 * pushed a version cannot approve or release it.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: [
    "project:read",
    "project:admin",
    "model:push",
    "model:read",
    "model:download",
    "version:approve",
    "version:release",
    "version:quarantine",
    "version:reject",
    "version:revoke",
    "policy:read",
    "policy:write",
    "audit:read",
    "incident:read",
  ],
  publisher: ["project:read", "model:read", "model:push", "model:download", "policy:read"],
  reviewer: ["project:read", "model:read", "model:download", "version:approve", "version:quarantine", "version:reject", "version:revoke", "policy:read", "incident:read"],
  consumer: ["project:read", "model:read", "model:download"],
  auditor: ["project:read", "model:read", "policy:read", "audit:read", "incident:read"],
};

/** Permissions that act on the whole server: only admin tokens hold them, whatever their project roles. */
export const GLOBAL_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>(["project:create", "token:admin", "webhook:admin", "vulndb:update", "policy:write"]);

export function roleGrants(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Scopes narrow what a token may do whatever its roles: "*", a permission ("model:read") or a prefix ("model:*"). */
export function scopeAllows(scopes: readonly string[], permission: Permission): boolean {
  if (scopes.length === 0) return true;
  return scopes.some((s) => s === "*" || s === permission || (s.endsWith(":*") && permission.startsWith(s.slice(0, -1))));
}

export function isValidScope(scope: string): boolean {
  if (scope === "*") return true;
  if (scope.endsWith(":*")) return PERMISSIONS.some((p) => p.startsWith(scope.slice(0, -1)));
  return (PERMISSIONS as readonly string[]).includes(scope);
}
