/**
 * Fault test: `modelgate serve` (embedded SQLite + blob folder) is killed with SIGKILL while several pushes are
 * uploading, then restarted on the same data dir. Afterwards:
 * - no version is visible in a state other than uploading/pending/approved/quarantined/rejected, and every version
 *   past uploading has all its files stored with the right size and SHA-256;
 * - every version whose /complete answered 202 before the kill is still there (none lost);
 * - pending scans are picked up again and finish;
 * - the audit log still verifies, and is consistent with the checkpoint verified before the kill;
 * - no temporary file is visible as a blob (every blob's content hashes to its name), and the temp folder is clean.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../../src/server/audit/verify-client.js";
import { api, DECIDED, HttpError, pushVersion, safetensorsBytes, sha256Hex, type GateClient, type PushFile, type VersionView } from "./gate-client.js";
import { BIN, startServe, type ServeProcess } from "./serve-process.js";

const PROJECT = "fault";
const PUSHERS = 6;
const VISIBLE = new Set(["uploading", "pending", "approved", "quarantined", "rejected"]);

interface Attempt {
  model: string;
  version: string;
  files: PushFile[];
  accepted: boolean;
}

async function fileSha256(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const c of createReadStream(path)) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: h.digest("hex"), size };
}

async function listBlobFiles(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe("SIGKILL during concurrent uploads (modelgate serve, SQLite + folder)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "modelgate-fault-"));
  const stateDir = mkdtempSync(join(tmpdir(), "modelgate-fault-state-"));
  const procs: ServeProcess[] = [];

  afterAll(async () => {
    for (const p of procs) await p.kill9().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("restarts with nothing half-written visible, nothing accepted lost, scans finished and the log verifying", { timeout: 300_000 }, async () => {
    expect(existsSync(BIN)).toBe(true);
    const first = await startServe(["--data-dir", dataDir, "--port", "0"]);
    procs.push(first);
    expect(first.adminToken, `no admin token printed:\n${first.output()}`).toBeDefined();
    const admin: GateClient = { url: first.url, token: first.adminToken! };
    await api(admin, "POST", "/api/v1/projects", { name: PROJECT });
    const consumer = await api<{ id: string; token: string }>(admin, "POST", "/api/v1/tokens", { name: "consumer", roles: [{ project: PROJECT, role: "consumer" }] });

    const statePath = join(stateDir, "audit-state.json");
    const before = await verifyAuditLog({ server: admin.url, token: admin.token, statePath });
    expect(before.problems).toEqual([]);
    expect(before.verified).toBe(true);

    // Concurrent pushers: each pushes versions of its own model, two files of a few MiB each, until the kill.
    const attempts: Attempt[] = [];
    let inFlight = 0;
    let killed = false;
    const pusher = async (p: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        const a: Attempt = {
          model: `m${p}`,
          version: `1.${i}.0`,
          files: [
            { path: "model.safetensors", data: safetensorsBytes(p * 10_000 + i, 3 * 1024 * 1024) },
            { path: "extra/adapter.safetensors", data: safetensorsBytes(p * 10_000 + i + 5000, 1024 * 1024) },
          ],
          accepted: false,
        };
        attempts.push(a);
        try {
          await pushVersion(admin, PROJECT, a.model, a.version, a.files, { onUploadStart: () => inFlight++, onUploadEnd: () => inFlight-- });
          a.accepted = true; // /complete answered 202: the version must survive the kill
        } catch (e) {
          if (killed) return; // connection reset by the kill
          throw e;
        }
      }
    };
    const pushers = Array.from({ length: PUSHERS }, (_, p) => pusher(p));

    // Kill once several versions were accepted and uploads are in flight (or after 90 s regardless).
    const deadline = Date.now() + 90_000;
    while (!(attempts.filter((a) => a.accepted).length >= 8 && inFlight >= 2) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    killed = true;
    const inFlightAtKill = inFlight;
    await first.kill9();
    await Promise.all(pushers);
    const accepted = attempts.filter((a) => a.accepted);
    expect(accepted.length, first.output()).toBeGreaterThanOrEqual(1);
    expect(inFlightAtKill).toBeGreaterThanOrEqual(1);

    // Restart on the same data dir: no new admin token, the old one works.
    const second = await startServe(["--data-dir", dataDir, "--port", "0"]);
    procs.push(second);
    expect(second.adminToken).toBeUndefined();
    const admin2: GateClient = { url: second.url, token: admin.token };
    const consumer2: GateClient = { url: second.url, token: consumer.token };

    const byKey = new Map(attempts.map((a) => [`${a.model}@${a.version}`, a]));
    const fetchVersion = async (a: Attempt): Promise<VersionView | undefined> => {
      try {
        return await api<VersionView>(admin2, "GET", `/api/v1/projects/${PROJECT}/models/${a.model}/versions/${a.version}`);
      } catch (e) {
        if (e instanceof HttpError && e.status === 404) return undefined;
        throw e;
      }
    };

    // Pending scans (queued or cut off by the kill) are picked up again and finish.
    const waitUntil = Date.now() + 180_000;
    let views = new Map<string, VersionView | undefined>();
    for (;;) {
      views = new Map(await Promise.all(attempts.map(async (a) => [`${a.model}@${a.version}`, await fetchVersion(a)] as const)));
      const open = [...views.values()].filter((v) => v && v.status === "pending");
      if (open.length === 0) break;
      if (Date.now() > waitUntil) throw new Error(`still pending after restart: ${open.map((v) => `${v!.model}@${v!.version}`).join(", ")}\n${second.output().slice(-5000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    for (const [key, v] of views) {
      const a = byKey.get(key)!;
      if (a.accepted) {
        // None lost: accepted before the kill → still there, and decided.
        expect(v, `${key} was accepted (202) before the kill but is gone`).toBeDefined();
        expect(DECIDED.has(v!.status), `${key}: ${v!.status}`).toBe(true);
      }
      if (!v) continue;
      expect(VISIBLE.has(v.status), `${key} is visible as ${v.status}`).toBe(true);
      if (v.status === "uploading") continue;
      // Past uploading: exactly the declared files, each stored with the right bytes.
      const expected = a.files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256Hex(f.data) })).sort((x, y) => x.path.localeCompare(y.path));
      expect(v.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })).sort((x, y) => x.path.localeCompare(y.path))).toEqual(expected);
      for (const f of expected) {
        const blob = join(dataDir, "blobs", f.sha256.slice(0, 2), f.sha256.slice(2));
        expect(await fileSha256(blob), `${key} ${f.path}`).toEqual({ sha256: f.sha256, size: f.size });
      }
    }

    // Consumers never see half-uploaded versions in listings.
    for (let p = 0; p < PUSHERS; p++) {
      const list = await api<{ version: string; status: string }[]>(consumer2, "GET", `/api/v1/projects/${PROJECT}/models/m${p}/versions`).catch((e: unknown) => {
        if (e instanceof HttpError && e.status === 404) return [];
        throw e;
      });
      for (const s of list) expect(DECIDED.has(s.status), `m${p}@${s.version} listed as ${s.status}`).toBe(true);
    }

    // An approved version downloads intact after the restart.
    const approved = attempts.find((a) => views.get(`${a.model}@${a.version}`)?.status === "approved");
    if (approved) {
      const res = await fetch(`${second.url}/api/v1/projects/${PROJECT}/models/${approved.model}/versions/${approved.version}/files/model.safetensors`, {
        headers: { authorization: `Bearer ${consumer.token}` },
      });
      expect(res.status).toBe(200);
      expect(sha256Hex(Buffer.from(await res.arrayBuffer()))).toBe(sha256Hex(approved.files[0]!.data));
    }

    // No temporary file became a blob: every stored blob hashes to its own name; nothing is left in tmp/.
    const blobs = await listBlobFiles(join(dataDir, "blobs"));
    expect(blobs.length).toBeGreaterThan(0);
    for (const b of blobs) {
      const name = b.split("/").slice(-2).join("");
      expect((await fileSha256(b)).sha256, b).toBe(name);
    }
    const leftovers = (await readdir(join(dataDir, "tmp")).catch(() => [] as string[])).filter((n) => n.startsWith("upload-"));
    expect(leftovers).toEqual([]);

    // The audit log verifies, and is consistent with the checkpoint verified before the kill (nothing rewritten).
    const after = await verifyAuditLog({ server: second.url, token: admin.token, statePath });
    expect(after.problems).toEqual([]);
    expect(after.verified).toBe(true);
    expect(after.trust).toBe("state");
    expect(after.previous?.size).toBe(before.size);
    expect(after.size).toBeGreaterThan(before.size);

    await second.stop();
  });
});
