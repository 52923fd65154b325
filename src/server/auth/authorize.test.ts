import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { authorize, holds, projectsWith, type Principal } from "./authorize.js";
import { isValidScope, PERMISSIONS, ROLE_PERMISSIONS } from "./roles.js";

const req = (principal?: Principal, authFailure?: FastifyRequest["authFailure"]): FastifyRequest => ({ principal, authFailure }) as FastifyRequest;
const p = (roles: Principal["roles"], extra: Partial<Principal> = {}): Principal => ({ tokenId: "t", name: "n", admin: false, scopes: ["*"], roles, ...extra });

describe("authorize", () => {
  it("401 without a principal, naming why", () => {
    expect(() => authorize(req(), "model:read", "a")).toThrow(expect.objectContaining({ code: "UNAUTHORIZED" }));
    expect(() => authorize(req(undefined, "expired"), "model:read", "a")).toThrow(/expired/);
    expect(() => authorize(req(undefined, "revoked"), "model:read", "a")).toThrow(/revoked/);
  });

  it("roles grant permissions in their project only", () => {
    const consumer = p([{ project: "a", role: "consumer" }]);
    expect(authorize(req(consumer), "model:download", "a")).toBe(consumer);
    expect(() => authorize(req(consumer), "model:download", "b")).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
    for (const perm of ["model:push", "version:approve", "version:release", "incident:read", "policy:write"] as const) {
      expect(() => authorize(req(consumer), perm, "a"), perm).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
    }
  });

  it("publishers push but cannot decide; reviewers decide but cannot release; only admins release", () => {
    expect(holds(p([{ project: "a", role: "publisher" }]), "model:push", "a")).toBe(true);
    expect(holds(p([{ project: "a", role: "publisher" }]), "version:approve", "a")).toBe(false);
    expect(holds(p([{ project: "a", role: "reviewer" }]), "version:approve", "a")).toBe(true);
    expect(holds(p([{ project: "a", role: "reviewer" }]), "version:release", "a")).toBe(false);
    expect(holds(p([{ project: "a", role: "reviewer" }]), "model:push", "a")).toBe(false);
    expect(holds(p([{ project: "a", role: "admin" }]), "version:release", "a")).toBe(true);
    expect(holds(p([{ project: "a", role: "auditor" }]), "audit:read", "a")).toBe(true);
    expect(holds(p([{ project: "a", role: "auditor" }]), "model:download", "a")).toBe(false);
  });

  it("server-wide permissions need an admin token, whatever the project roles", () => {
    const projectAdmin = p([{ project: "a", role: "admin" }]);
    for (const perm of ["project:create", "token:admin", "webhook:admin", "vulndb:update", "policy:write"] as const) {
      expect(holds(projectAdmin, perm), perm).toBe(false);
      expect(holds(p([], { admin: true }), perm), perm).toBe(true);
    }
    expect(holds(projectAdmin, "policy:write", "a")).toBe(true);
    expect(holds(projectAdmin, "model:read")).toBe(true);
  });

  it("scopes narrow even an admin token", () => {
    const scoped = p([], { admin: true, scopes: ["model:*"] });
    expect(holds(scoped, "model:download", "x")).toBe(true);
    expect(() => authorize(req(scoped), "token:admin")).toThrow(/scopes/);
    expect(projectsWith(scoped, "token:admin")).toEqual(new Set());
    expect(projectsWith(p([], { admin: true }), "model:read")).toBeUndefined();
  });

  it("every role's permissions are known permissions; scope syntax is checked", () => {
    for (const perms of Object.values(ROLE_PERMISSIONS)) for (const perm of perms) expect(PERMISSIONS).toContain(perm);
    expect(isValidScope("*")).toBe(true);
    expect(isValidScope("model:*")).toBe(true);
    expect(isValidScope("model:read")).toBe(true);
    expect(isValidScope("nope:*")).toBe(false);
    expect(isValidScope("model:write")).toBe(false);
  });
});
