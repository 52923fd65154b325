/**
 * Audit log reads are scoped by role and project: a project auditor reads its projects' entries and, of every
 * other entry (other projects, token creation…), only the leaf hash — still enough for `modelgate audit-log
 * verify` to verify the whole log. The organisation auditor (an admin token scoped to audit:*) reads everything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type GateServer } from "../../src/server/app.js";
import { verifyAuditLog } from "../../src/server/audit/verify-client.js";
import { Api } from "./client.js";

interface Entry {
  index: number;
  type?: string;
  project?: string | null;
  data?: Record<string, unknown>;
  leafHash: string;
  redacted?: boolean;
}

describe("audit log reads scoped by role and project", () => {
  let server: GateServer;
  let dir: string;
  let admin: Api;
  let nlpAuditor: Api;
  let orgAuditor: Api;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-audit-scope-"));
    server = await createServer({ dataDir: join(dir, "data"), port: 0, logLevel: "silent", workers: 0 });
    admin = new Api(server.url, server.adminToken);
    await admin.post("/api/v1/projects", { name: "nlp" });
    await admin.post("/api/v1/projects", { name: "vision" });
    await admin.post("/api/v1/tokens", { name: "vision-ci", roles: [{ project: "vision", role: "publisher" }] });
    nlpAuditor = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "nlp-auditor", roles: [{ project: "nlp", role: "auditor" }] })).body.token);
    orgAuditor = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "org-auditor", admin: true, scopes: ["audit:*"] })).body.token);
    // Events in each project.
    await server.auditLog.append({ type: "version.approved", actor: "system:scanner", project: "nlp", subject: "nlp/bert@1", data: { reasons: [] } });
    await server.auditLog.append({ type: "version.approved", actor: "system:scanner", project: "vision", subject: "vision/resnet@1", data: { secret: "vision-only" } });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a project auditor reads its project's entries only; other projects' and token entries are leaf hashes", async () => {
    const all = (await orgAuditor.get<{ entries: Entry[] }>("/api/v1/audit-log/entries?from=0")).body.entries;
    const mine = (await nlpAuditor.get<{ entries: Entry[] }>("/api/v1/audit-log/entries?from=0")).body.entries;
    expect(mine.map((e) => e.index)).toEqual(all.map((e) => e.index));
    expect(mine.map((e) => e.leafHash)).toEqual(all.map((e) => e.leafHash));
    expect(all.some((e) => e.type === "token.created")).toBe(true);
    expect(all.some((e) => e.project === "vision")).toBe(true);
    for (const e of mine) {
      if (e.redacted) expect(Object.keys(e).sort()).toEqual(["index", "leafHash", "redacted"]);
      else expect(e.project).toBe("nlp");
    }
    expect(mine.some((e) => !e.redacted && e.type === "version.approved")).toBe(true);
    const text = JSON.stringify(mine);
    expect(text).not.toContain("vision-only");
    expect(text).not.toContain("token.created");
    expect(text).not.toContain("vision-ci");
  });

  it("the organisation auditor reads everything, and both verify the whole log", async () => {
    const all = (await orgAuditor.get<{ entries: Entry[] }>("/api/v1/audit-log/entries?from=0")).body.entries;
    expect(all.every((e) => !e.redacted && typeof e.type === "string")).toBe(true);
    const org = await verifyAuditLog({ server: server.url, token: orgAuditor.token!, statePath: join(dir, "org.json") });
    expect(org.problems).toEqual([]);
    expect(org.verified).toBe(true);
    const project = await verifyAuditLog({ server: server.url, token: nlpAuditor.token!, statePath: join(dir, "nlp.json") });
    expect(project.problems).toEqual([]);
    expect(project.verified).toBe(true);
    expect(project.entriesRedacted).toBe(all.filter((e) => e.project !== "nlp" || e.type?.startsWith("token.")).length);
    expect(project.rootHash).toBe(org.rootHash);
  });
});
