/**
 * The daily security watch: an OSV update posted to the server re-audits every approved version; one whose verdict
 * changes is quarantined with the advisory as its reason and a "version.verdict-changed" webhook. Also: the SBOM
 * and the audit stored per version.
 */
import { createHmac } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushModel, waitForVerdict } from "../../src/cli/commands/push.js";
import { createServer, type GateServer } from "../../src/server/app.js";
import { buildZip } from "../fixtures/archive/zip-builder.js";
import { Api } from "./client.js";

const ROOT = join(import.meta.dirname, "..", "..");
const record = (id: string, pkg: string, fixed: string): string =>
  JSON.stringify({ id, modified: new Date(Date.now() - 86_400_000).toISOString(), summary: "remote code execution in the loader", database_specific: { severity: "CRITICAL" }, affected: [{ package: { name: pkg, ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }] }] });

describe("vulnerability database update → re-audit", () => {
  let dataDir: string;
  let work: string;
  let server: GateServer;
  let admin: Api;
  let hookServer: Server;
  const hooks: { signature: string; body: string }[] = [];
  let secret = "";

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "mg-reaudit-"));
    work = mkdtempSync(join(tmpdir(), "mg-reaudit-models-"));
    server = await createServer({ dataDir, port: 0, logLevel: process.env.MG_LOG ?? "silent", jobPollMs: 100, allowInternalHosts: ["127.0.0.1"] });
    admin = new Api(server.url, server.adminToken);
    await admin.post("/api/v1/projects", { name: "nlp" });
    hookServer = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        hooks.push({ signature: String(req.headers["x-modelgate-signature"]), body });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
    const w = await admin.post<{ secret: string }>("/api/v1/webhooks", { url: `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/`, events: ["version.verdict-changed"] });
    secret = w.body.secret;
  });

  afterAll(async () => {
    await server?.close();
    await new Promise((r) => hookServer?.close(r));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const pushDir = async (model: string, requirements?: string) => {
    const dir = join(work, model);
    mkdirSync(dir);
    copyFileSync(join(ROOT, "test/fixtures/baseline/safetensors/tiny.safetensors"), join(dir, "model.safetensors"));
    if (requirements !== undefined) writeFileSync(join(dir, "requirements.txt"), requirements);
    await pushModel(dir, { url: server.url, token: admin.token!, project: "nlp", model, version: "1" });
    return waitForVerdict(server.url, admin.token!, "nlp", model, "1", 60_000, 100);
  };

  it("stores a CycloneDX SBOM per version", async () => {
    expect((await pushDir("plain")).status).toBe("approved");
    const sbom = await admin.get<{ bomFormat: string; specVersion: string }>("/api/v1/projects/nlp/models/plain/versions/1/sbom");
    expect(sbom.status).toBe(200);
    expect(sbom.body.bomFormat).toBe("CycloneDX");
  });

  it("quarantines an approved version whose dependencies became vulnerable, with a verdict-changed webhook", async () => {
    expect((await pushDir("pinned", "onnx==1.12.0\n")).status).toBe("approved");
    const zip = buildZip([{ name: "GHSA-xxxx-yyyy-zzzz.json", data: record("GHSA-xxxx-yyyy-zzzz", "onnx", "1.13.0"), method: 8 }]);
    expect((await admin.call("POST", "/api/v1/vulndb/update", new Uint8Array(zip), { "content-type": "text/plain" })).status).toBe(400);
    const up = await admin.call<{ reaudits: number }>("POST", "/api/v1/vulndb/update", new Uint8Array(zip), { "content-type": "application/zip" });
    expect(up.status).toBe(202);
    expect(up.body.reaudits).toBe(2);

    const deadline = Date.now() + 60_000;
    let v = await admin.get<{ status: string; reasons: string[] }>("/api/v1/projects/nlp/models/pinned/versions/1");
    while (v.body.status === "approved" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      v = await admin.get("/api/v1/projects/nlp/models/pinned/versions/1");
    }
    expect(v.body.status).toBe("quarantined");
    expect(v.body.reasons.join("\n")).toContain("GHSA-xxxx-yyyy-zzzz");
    const audit = await admin.get<{ vulnerabilities: { id: string }[]; database: { path?: string } }>("/api/v1/projects/nlp/models/pinned/versions/1/audit");
    expect(audit.body.vulnerabilities.map((x) => x.id)).toContain("GHSA-xxxx-yyyy-zzzz");
    // What the API serves names no path of the server's (its data dir, the OSV folder, the scan's temporary copy).
    expect(JSON.stringify(audit.body)).not.toContain(dataDir);
    expect(audit.body.database.path).toBeUndefined();
    // The model without dependencies keeps its approval.
    expect((await admin.get<{ status: string }>("/api/v1/projects/nlp/models/plain/versions/1")).body.status).toBe("approved");

    while (hooks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const hook = hooks[0]!;
    expect(hook.signature).toBe(`sha256=${createHmac("sha256", secret).update(hook.body).digest("hex")}`);
    expect(JSON.parse(hook.body)).toMatchObject({ event: "version.verdict-changed", data: { project: "nlp", model: "pinned", status: "quarantined", previousStatus: "approved" } });
    const size = await server.auditLog.size();
    const types = (await server.auditLog.entries(0, size)).map((e) => e.type);
    expect(types).toContain("vulndb.updated");
    expect(types).toContain("reaudit.verdict-changed");
  });
});
