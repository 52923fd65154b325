/**
 * What the dashboard needs from the version API: the stored scan report as a JSON or HTML download
 * (GET …/versions/:version/report?format=json|html, behind the same authorisation as the version), the worst reason
 * a quarantined version is held for (`hold` in the quarantine queue and the versions list) and the model digest in
 * the versions list (search by digest prefix).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushModel, waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { holdSummary } from "../../src/server/routes/versions.js";
import { Api, errorCode } from "./client.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** Old torch and transformers: three critical advice items (no scan finding at all), so the version is quarantined. */
const REQUIREMENTS = "torch==2.0.0\ntransformers==4.30.0\n";

describe("version report downloads and hold summaries", () => {
  let dir: string;
  let server: GateServer;
  let admin: Api;
  let reviewer: Api;
  let outsider: Api;
  const base = "/api/v1/projects/nlp/models/chat/versions/3.0.0";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-version-report-"));
    const dataDir = join(dir, "data");
    // An offline OSV database (one record, for another package): the audit runs, and modelgate's built-in advice
    // table matches torch and transformers.
    mkdirSync(join(dataDir, "vulndb"), { recursive: true });
    writeFileSync(join(dataDir, "vulndb", "metadata.json"), JSON.stringify({ format: "modelgate-osv/1", updatedAt: new Date().toISOString(), source: "test", records: 1 }));
    writeFileSync(join(dataDir, "vulndb", "records.jsonl"), `${JSON.stringify({ id: "GHSA-test-0000-0001", modified: new Date(Date.now() - 86_400_000).toISOString(), summary: "unrelated", affected: [{ package: { name: "left-pad-py", ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0.0" }] }] }] })}\n`);
    server = await createServer({ dataDir, port: 0, logLevel: "silent", jobPollMs: 100 });
    admin = new Api(server.url, server.adminToken);
    await admin.post("/api/v1/projects", { name: "nlp" });
    await admin.post("/api/v1/projects", { name: "vision" });
    reviewer = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "nlp-reviewer", roles: [{ project: "nlp", role: "reviewer" }] })).body.token);
    outsider = admin.as((await admin.post<{ token: string }>("/api/v1/tokens", { name: "vision-reviewer", roles: [{ project: "vision", role: "reviewer" }] })).body.token);
    const model = join(dir, "chat");
    mkdirSync(model);
    copyFileSync(join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors"), join(model, "model.safetensors"));
    writeFileSync(join(model, "requirements.txt"), REQUIREMENTS);
    await pushModel(model, { url: server.url, token: admin.token!, project: "nlp", model: "chat", version: "3.0.0" });
    expect((await waitForVerdict(server.url, admin.token!, "nlp", "chat", "3.0.0", 60_000, 100)).status).toBe("quarantined");
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("renders the stored scan report as the HTML report, as an attachment with a CSP that allows no script", async () => {
    const res = await reviewer.call<string>("GET", `${base}/report?format=html`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="chat-3.0.0-scan-report.html"');
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.body).toMatch(/^<!doctype html>/);
    expect(res.body).toContain("<h1>modelgate scan report</h1>");
    expect(res.body).toContain("model.safetensors");
    expect(res.body).not.toMatch(/<script/i);
  });

  it("sends the stored JSON report as a download with ?format=json, and unchanged without a format", async () => {
    const plain = await reviewer.get<{ files: { path: string }[] }>(`${base}/report`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-disposition")).toBeNull();
    const json = await reviewer.get<{ files: { path: string }[] }>(`${base}/report?format=json`);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(json.headers.get("content-disposition")).toBe('attachment; filename="chat-3.0.0-scan-report.json"');
    expect(json.body).toEqual(plain.body);
    expect(json.body.files.map((f) => f.path)).toContain("chat/model.safetensors");
  });

  it("refuses an unknown format, a missing token and a token of another project like the version API", async () => {
    const bad = await reviewer.get(`${base}/report?format=xml`);
    expect(bad.status).toBe(400);
    expect((await admin.as(undefined).get(`${base}/report?format=html`)).status).toBe(401);
    const other = await outsider.get(`${base}/report?format=html`);
    expect(other.status).toBe(403);
    expect(errorCode(other)).toBe("FORBIDDEN");
    const missing = await reviewer.get("/api/v1/projects/nlp/models/chat/versions/9.9.9/report?format=html");
    expect(missing.status).toBe(404);
  });

  it("says in the quarantine queue that the version is held for critical dependency advice", async () => {
    const queue = await reviewer.get<{ model: string; scan?: { maxSeverity?: string }; hold: unknown }[]>("/api/v1/quarantine");
    const item = queue.body.find((v) => v.model === "chat")!;
    expect(item.scan?.maxSeverity).toBeUndefined(); // no scan finding: the old "Worst finding —"
    expect(item.hold).toEqual({ maxSeverity: "critical", from: "policy", rule: "dependencies.vulnerabilities", reasons: 3, failing: 3 });
  });

  it("lists versions with their digest and hold summary", async () => {
    const list = await reviewer.get<{ version: string; digest: string; hold: { maxSeverity: string } }[]>("/api/v1/projects/nlp/models/chat/versions");
    const detail = await reviewer.get<{ digest: string; hold: unknown }>(base);
    expect(list.body[0]!.digest).toBe(detail.body.digest);
    expect(detail.body.hold).toEqual(list.body[0]!.hold);
    expect(list.body[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(list.body[0]!.hold.maxSeverity).toBe("critical");
  });

  it("takes the worse of the scan findings and the failing policy results", () => {
    const verdict = (results: { ruleId: string; status: string; severity?: string }[]) => JSON.stringify({ models: [{ results }] });
    const scan = (maxSeverity?: string) => JSON.stringify({ findings: maxSeverity ? 1 : 0, bySeverity: {}, ...(maxSeverity ? { maxSeverity } : {}) });
    expect(holdSummary({ scan_summary: scan("high"), verdict: verdict([{ ruleId: "scan.max-severity", status: "fail", severity: "high" }]), reasons: '["a"]' }))
      .toEqual({ maxSeverity: "high", from: "findings", reasons: 1, failing: 1 });
    expect(holdSummary({ scan_summary: scan("medium"), verdict: verdict([{ ruleId: "dependencies.vulnerabilities", status: "fail", severity: "critical" }, { ruleId: "dependencies.database", status: "error" }]), reasons: '["a","b"]' }))
      .toEqual({ maxSeverity: "critical", from: "policy", rule: "dependencies.vulnerabilities", reasons: 2, failing: 2 });
    // Held by a reviewer's decision: nothing failed, nothing found.
    expect(holdSummary({ scan_summary: scan(), verdict: verdict([{ ruleId: "scan.max-severity", status: "pass" }]), reasons: '["suspected backdoor"]' })).toEqual({ reasons: 1, failing: 0 });
    // Not scanned yet, or a stored document this server cannot read.
    expect(holdSummary({ scan_summary: null, verdict: "not json", reasons: "[]" })).toEqual({ reasons: 0, failing: 0 });
  });
});
