/**
 * Scale-out: two server processes share one PostgreSQL and one S3 bucket — an API-only node (workers: 0) and a
 * worker node. A push to the API node is scanned by the worker node; either node serves the result.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "../../src/server/app.js";
import { verifyAuditLog } from "../../src/server/audit/verify-client.js";
import type { ServerConfig } from "../../src/server/config.js";
import { createPostgresDatabase } from "../../src/server/storage/postgres.js";
import { postgresSupport, startPostgres, type PostgresCluster } from "../helpers/postgres.js";
import { startS3rver, type S3rverInstance } from "../helpers/s3rver.js";
import { api, pushVersion, safetensorsBytes, sha256Hex, waitForVerdict, type GateClient } from "./gate-client.js";
import { startServe } from "./serve-process.js";

const support = postgresSupport();
const NODE_SCRIPT = fileURLToPath(new URL("./server-node.ts", import.meta.url));
const ADMIN = "mg_multinodeAdminToken_0123456789abcdefghij";

interface NodeProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function startNode(config: ServerConfig): Promise<NodeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", NODE_SCRIPT, JSON.stringify(config)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const kill = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", kill);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start within 60 s:\n${out}`)), 60_000);
    child.stdout!.on("data", () => {
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    async stop() {
      process.removeListener("exit", kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

describe.skipIf(support.skip)("two server processes sharing PostgreSQL + S3", () => {
  let pg: PostgresCluster;
  let s3: S3rverInstance;
  let databaseUrl: string;
  const dirs: string[] = [];
  const nodes: NodeProcess[] = [];
  let apiNode: NodeProcess;
  let workerNode: NodeProcess;

  beforeAll(async () => {
    pg = await startPostgres();
    s3 = await startS3rver();
    databaseUrl = await pg.createDatabase();
    const apiDir = mkdtempSync(join(tmpdir(), "modelgate-api-node-"));
    const workerDir = mkdtempSync(join(tmpdir(), "modelgate-worker-node-"));
    dirs.push(apiDir, workerDir);
    const shared = { databaseUrl, s3: s3.config, port: 0, logLevel: "warn", adminToken: ADMIN, jobPollMs: 100 };
    apiNode = await startNode({ ...shared, dataDir: apiDir, workers: 0 });
    nodes.push(apiNode);
    // Every node signs with the same keys (server signing key, audit-log key): the first node created them;
    // the others get a copy of its keys/ folder, as an operator deploys them.
    cpSync(join(apiDir, "keys"), join(workerDir, "keys"), { recursive: true });
    // The worker node is the real CLI, configured by its flags and the AWS credentials chain.
    const cli = await startServe(
      ["--data-dir", workerDir, "--port", "0", "--workers", "1", "--database-url", databaseUrl, "--log-level", "warn",
        "--s3-bucket", s3.config.bucket, "--s3-region", s3.config.region, "--s3-endpoint", s3.config.endpoint, "--s3-path-style"],
      { env: { AWS_ACCESS_KEY_ID: s3.config.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.config.secretAccessKey, MODELGATE_DATABASE_URL: "" } },
    );
    expect(cli.output()).toContain(`files in s3://${s3.config.bucket}`);
    expect(cli.adminToken).toBeUndefined(); // the shared database has its admin already
    workerNode = { child: cli.child, url: cli.url, output: cli.output, stop: cli.stop };
    nodes.push(workerNode);
  });

  afterAll(async () => {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await s3?.stop();
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("scans on the worker node a version pushed to the API-only node", async () => {
    const viaApi: GateClient = { url: apiNode.url, token: ADMIN };
    const viaWorker: GateClient = { url: workerNode.url, token: ADMIN };
    await api(viaApi, "POST", "/api/v1/projects", { name: "team" });
    const consumer = await api<{ token: string }>(viaApi, "POST", "/api/v1/tokens", { name: "reader", roles: [{ project: "team", role: "consumer" }] });

    const data = safetensorsBytes(42, 256 * 1024);
    await pushVersion(viaApi, "team", "encoder", "1.0.0", [{ path: "model.safetensors", data }]);
    const v = await waitForVerdict(viaApi, "team", "encoder", "1.0.0", 120_000);
    expect(v.status).toBe("approved");

    // The scan job was claimed by the worker node's process (worker ids start with the pid), never by the API node.
    const db = await createPostgresDatabase(databaseUrl, { max: 1 });
    try {
      const jobs = await db.all<{ type: string; status: string; locked_by: string }>("SELECT type, status, locked_by FROM jobs WHERE type = 'scan'");
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.status).toBe("done");
      expect(jobs[0]!.locked_by.split("-")[0]).toBe(String(workerNode.child.pid));
    } finally {
      await db.close();
    }

    // The bytes live in S3 (not on either node's disk), and any node serves them.
    const sha = sha256Hex(data);
    expect(s3.requests.some((r) => r.startsWith("PUT ") && r.includes(`/blobs/${sha.slice(0, 2)}/${sha}`))).toBe(true);
    for (const d of dirs) expect(existsSync(join(d, "blobs")) ? readdirSync(join(d, "blobs")) : []).toEqual([]);
    for (const node of [apiNode, workerNode]) {
      const res = await fetch(`${node.url}/api/v1/projects/team/models/encoder/versions/1.0.0/files/model.safetensors`, {
        headers: { authorization: `Bearer ${consumer.token}` },
      });
      expect(res.status).toBe(200);
      expect(sha256Hex(Buffer.from(await res.arrayBuffer()))).toBe(sha);
    }
    const viaWorkerView = await api<{ status: string }>(viaWorker, "GET", "/api/v1/projects/team/models/encoder/versions/1.0.0");
    expect(viaWorkerView.status).toBe("approved");

    // One audit log for the whole deployment: entries appended by both nodes verify under one key.
    const stateDir = mkdtempSync(join(tmpdir(), "modelgate-multinode-state-"));
    dirs.push(stateDir);
    for (const node of [apiNode, workerNode]) {
      const r = await verifyAuditLog({ server: node.url, token: ADMIN, statePath: join(stateDir, "state.json") });
      expect(r.problems).toEqual([]);
      expect(r.verified).toBe(true);
    }
  });

  it("decides a burst of pushes to the API node, running each scan job once", async () => {
    const viaApi: GateClient = { url: apiNode.url, token: ADMIN };
    const versions = Array.from({ length: 12 }, (_, i) => `2.0.${i}`);
    await Promise.all(versions.map((ver, i) => pushVersion(viaApi, "team", "batch", ver, [{ path: "model.safetensors", data: safetensorsBytes(1000 + i, 64 * 1024) }])));
    for (const ver of versions) expect((await waitForVerdict(viaApi, "team", "batch", ver, 120_000)).status).toBe("approved");
    const db = await createPostgresDatabase(databaseUrl, { max: 1 });
    try {
      const rows = await db.all<{ n: number; attempts: number }>("SELECT COUNT(*) AS n, MAX(attempts) AS attempts FROM jobs WHERE type = 'scan' AND status = 'done'");
      expect(rows[0]).toEqual({ n: 13, attempts: 1 });
    } finally {
      await db.close();
    }
  });

  it("refuses to start a node whose keys are not the first node's (keys/ not copied)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-stray-node-"));
    dirs.push(dir);
    const err = await createServer({ dataDir: dir, databaseUrl, s3: s3.config, port: 0, logLevel: "silent", workers: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "INVALID_OPTION" });
    expect((err as Error).message).toMatch(/keys in .*modelgate-stray-node-.* are not the ones the database was started with: model-signing key .*; audit-log key .*copy the keys\/ folder/);
  });
});
