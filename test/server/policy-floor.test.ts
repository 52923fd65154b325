/**
 * Issue 12, four eyes: the organisation policy is the floor a project policy may only tighten. A project admin
 * cannot relax it (and so cannot get its own risky push approved under `extends: permissive`); an organisation
 * admin can, and every policy change is in the audit log with a diff. A stored project policy below the floor
 * that no organisation admin stored is refused when versions are checked (fail closed).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { putPolicy } from "../../src/server/db/policies.js";
import { getProjectByName } from "../../src/server/db/projects.js";
import { effectivePolicy, projectPolicyScope } from "../../src/server/policy/effective.js";
import { Api } from "./client.js";

const PERMISSIVE = "version: 1\nextends: permissive\nallow:\n  - { relax: scan.max_severity, reason: our own models only }\n  - { relax: scan.incomplete, reason: our own models only }\n";

/** A pickle that calls a callable nobody can vouch for (mymodule.build()): a high finding, not a critical one. */
const UNKNOWN_CALLABLE = Buffer.from("\x80\x02cmymodule\nbuild\n)R.", "latin1");

interface Entry {
  type: string;
  actor: string;
  project?: string;
  subject?: string;
  data?: { digest: string | null; previousDigest: string | null; diff: string; belowFloor?: string[] };
}

describe("the organisation policy is a floor a project may only tighten", () => {
  let dataDir: string;
  let server: GateServer;
  let admin: Api;
  let projectAdmin: Api;

  const policyEvents = async (): Promise<Entry[]> => {
    const r = await admin.get<{ entries: Entry[] }>("/api/v1/audit-log/entries?from=0&to=1000");
    return r.body.entries.filter((e) => e.type === "policy.changed");
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-policy-floor-"));
    server = await createServer({ dataDir, port: 0, logLevel: "silent", jobPollMs: 100 });
    admin = new Api(server.url, server.adminToken);
    expect((await admin.post("/api/v1/projects", { name: "vision" })).status).toBe(201);
    projectAdmin = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "vision-lead", roles: [{ project: "vision", role: "admin" }] })).body.token);
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a project admin cannot relax the floor (extends: permissive), even with reasons", async () => {
    const r = await projectAdmin.call<{ error?: { message?: string }; message?: string }>("PUT", "/api/v1/projects/vision/policy", { yaml: PERMISSIVE });
    expect(r.status).toBe(403);
    expect(JSON.stringify(r.body)).toMatch(/weaker than the organisation policy \(scan\.max_severity is high; the organisation allows at most medium; scan\.incomplete is weaker/);
    expect(JSON.stringify(r.body)).toContain("needs an organisation admin");
    expect((await projectAdmin.get<{ source: string }>("/api/v1/projects/vision/policy")).body.source).toBe("default");
  });

  it("a project policy of just version: 1 is the default profile: not weaker than the floor, and a high finding is not approved", async () => {
    const r = await projectAdmin.call("PUT", "/api/v1/projects/vision/policy", { yaml: "version: 1\n" });
    expect(r.status).toBe(200);
    const publisher = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "ci", roles: [{ project: "vision", role: "publisher" }] })).body.token);
    const created = await publisher.post<{ uploadId: string }>("/api/v1/projects/vision/models/risky/versions", {
      version: "1",
      files: [{ path: "model.pkl", size: UNKNOWN_CALLABLE.length, sha256: createHash("sha256").update(UNKNOWN_CALLABLE).digest("hex") }],
    });
    expect(created.status).toBe(201);
    expect((await publisher.call("PUT", `/api/v1/uploads/${created.body.uploadId}/files/model.pkl`, UNKNOWN_CALLABLE, { "content-type": "application/octet-stream" })).status).toBe(204);
    expect((await publisher.post(`/api/v1/uploads/${created.body.uploadId}/complete`)).status).toBe(202);
    const v = await waitForVerdict(server.url, publisher.token!, "vision", "risky", "1", 60_000, 100);
    expect(v.status).toBe("quarantined");
  });

  it("a project admin may tighten it; the change is in the audit log with the diff", async () => {
    const r = await projectAdmin.call("PUT", "/api/v1/projects/vision/policy", { yaml: "version: 1\nscan:\n  max_severity: low\n" });
    expect(r.status).toBe(200);
    const last = (await policyEvents()).at(-1)!;
    expect(last).toMatchObject({ project: "vision", subject: "policy:project:vision" });
    expect(last.data!.previousDigest).toMatch(/^sha256:/);
    expect(last.data!.diff).toBe("+2: scan:\n+3:   max_severity: low");
  });

  it("a tighter organisation floor is enforced on the project policy, and an organisation admin may relax it for a project", async () => {
    const org = await admin.call("PUT", "/api/v1/policy", { yaml: "version: 1\nextends: strict\nsignature:\n  required: false\n" });
    expect(org.status).toBe(200);
    expect((await policyEvents()).at(-1)!.data!.diff).toContain("+2: extends: strict");
    // The stored project policy (default profile, scan low) is now weaker than strict: checking a version fails closed.
    const project = (await getProjectByName(server.db, "vision"))!;
    await expect(effectivePolicy(server.db, server.config, project.id)).rejects.toMatchObject({ code: "POLICY_INVALID", message: expect.stringContaining("weaker than the organisation policy") });
    // An organisation admin stores the relaxation: it applies, and the audit entry says what is below the floor.
    const r = await admin.call<{ belowFloor?: string[] }>("PUT", "/api/v1/projects/vision/policy", { yaml: PERMISSIVE });
    expect(r.status).toBe(200);
    expect(r.body.belowFloor).toEqual(expect.arrayContaining([expect.stringContaining("scan.max_severity")]));
    expect((await policyEvents()).at(-1)!.data!.belowFloor?.length).toBeGreaterThan(0);
    expect((await effectivePolicy(server.db, server.config, project.id))?.source).toBe("project");
  });

  it("a relaxed project policy written by someone else than an organisation admin is refused at check time", async () => {
    const project = (await getProjectByName(server.db, "vision"))!;
    await putPolicy(server.db, projectPolicyScope(project.id), PERMISSIVE, "token:not-an-admin (vision-lead)");
    await expect(effectivePolicy(server.db, server.config, project.id)).rejects.toMatchObject({ code: "POLICY_INVALID" });
  });

  it("deleting the project policy is in the audit log too", async () => {
    const r = await admin.call("DELETE", "/api/v1/projects/vision/policy");
    expect(r.status).toBe(204);
    const last = (await policyEvents()).at(-1)!;
    expect(last.data).toMatchObject({ digest: null, previousDigest: expect.stringMatching(/^sha256:/) });
    expect(last.data!.diff).toContain("-2: extends: permissive");
  });
});
