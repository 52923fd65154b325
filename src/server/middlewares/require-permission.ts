import type { FastifyInstance } from "fastify";
import { authenticated, authorize, AuthorizationError, type Permission } from "../auth/authorize.js";

/** Per-route authorisation declared in the route's config; routes without one are refused (deny by default). */
export interface RouteAuth {
  /** Served without a token. */
  public?: boolean;
  /** What the route needs; "authenticated" = any valid token. */
  permission?: Permission | "authenticated";
  /** Path parameter naming the project the permission is checked in. */
  projectParam?: string;
}

/** Route options for a route that needs `permission` (in the project named by path parameter `projectParam`). */
export function needs(permission: Permission | "authenticated", projectParam?: string): { config: RouteAuth } {
  return { config: { permission, ...(projectParam ? { projectParam } : {}) } };
}

export const PUBLIC_ROUTE: { config: RouteAuth } = { config: { public: true } };

/**
 * The first gate, before the body is read or validated: a route that is not public refuses a request without a
 * valid token (401), a token whose scopes or roles lack the declared permission (403), and — deny by default — any
 * request when the route declares no permission. Handlers then call authorize() again for the exact project.
 */
export function registerRequirePermission(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.url === undefined) return; // no route: the 404 handler answers
    const auth = (request.routeOptions.config ?? {}) as RouteAuth;
    if (auth.public === true) return;
    if (auth.permission === undefined) {
      authenticated(request);
      throw new AuthorizationError("FORBIDDEN", "this route declares no permission: denied by default", "undeclared", undefined);
    }
    if (auth.permission === "authenticated") {
      authenticated(request);
      return;
    }
    const project = auth.projectParam ? (request.params as Record<string, string | undefined>)[auth.projectParam] : undefined;
    authorize(request, auth.permission, project);
  });
}
