import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AUDITOR_TOKEN, CONSUMER_TOKEN, startAuditLogServer, type AuditLogServer } from "../../../test/helpers/audit-log-server.js";
import { canonicalJson, entryLeafHash, type AuditEntry } from "../audit/entry.js";
import { verifyInclusion } from "../audit/merkle.js";
import { verifyAuditLog, type VerifyOptions, type VerifyResult } from "../audit/verify-client.js";

/** A loosely typed JSON answer: the tests assert its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ApiBody = any;

describe("audit log routes and the verify client over HTTP", () => {
  let dir: string;
  let srv: AuditLogServer;
  let statePath: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-auditlog-http-"));
    statePath = join(dir, "state.json");
    srv = await startAuditLogServer(dir);
  });
  afterEach(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, token: string | null = AUDITOR_TOKEN): Promise<{ status: number; body: ApiBody }> => {
    const res = await fetch(`${srv.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: await res.json() };
  };
  const fill = async (n: number, start = 0): Promise<void> => {
    for (let i = start; i < start + n; i++) {
      await srv.log.append({ type: i % 2 ? "download" : "version.approved", actor: `token:t${i % 4} (user${i % 4})`, project: "vision", subject: `vision/resnet@1.${i}`, data: { reason: `r${i}`, n: i } });
    }
  };
  const verify = (extra: Partial<VerifyOptions> = {}): Promise<VerifyResult> => verifyAuditLog({ server: srv.url, token: AUDITOR_TOKEN, statePath, ...extra });
  const row = async (idx: number): Promise<Record<string, unknown>> => (await srv.db.get<Record<string, unknown>>("SELECT * FROM audit_entries WHERE idx = ?", [idx]))!;

  it("serves the checkpoint, pages of entries, proofs and the public key with the permission checks", async () => {
    await fill(12);
    const cp = await get("/api/v1/audit-log/checkpoint");
    expect(cp.status).toBe(200);
    expect(cp.body).toMatchObject({ origin: "gate.test/audit-log", size: 12 });
    expect(cp.body.note).toMatch(/^gate\.test\/audit-log\n12\n[A-Za-z0-9+/]{43}=\n\n— gate\.test\/audit-log /);

    const page = await get("/api/v1/audit-log/entries?from=2&to=5");
    expect(page.body.entries.map((e: AuditEntry) => e.index)).toEqual([2, 3, 4]);
    expect((await get("/api/v1/audit-log/entries?from=10&to=100")).body.entries).toHaveLength(2);
    expect((await get("/api/v1/audit-log/entries?from=12")).body.entries).toEqual([]);

    const inc = await get("/api/v1/audit-log/proof/inclusion?index=3&size=12");
    expect(inc.body).toMatchObject({ index: 3, treeSize: 12, leafHash: page.body.entries[1].leafHash });
    expect(verifyInclusion(3, 12, Buffer.from(inc.body.leafHash, "hex"), inc.body.proof.map((p: string) => Buffer.from(p, "hex")), Buffer.from(cp.body.rootHash, "base64"))).toBe(true);
    expect((await get("/api/v1/audit-log/proof/consistency?from=4&to=12")).body).toMatchObject({ from: 4, to: 12 });

    const key = await get("/api/v1/audit-log/public-key", null);
    expect(key.status).toBe(200);
    expect(key.body).toMatchObject({ keyId: cp.body.keyId });
    expect(key.body.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);

    for (const path of ["/api/v1/audit-log/checkpoint", "/api/v1/audit-log/entries", "/api/v1/audit-log/proof/inclusion?index=0&size=1", "/api/v1/audit-log/proof/consistency?from=0&to=1"]) {
      expect((await get(path, null)).status, path).toBe(401);
      expect((await get(path, "mg_wrong")).status, path).toBe(401);
      const forbidden = await get(path, CONSUMER_TOKEN);
      expect(forbidden.status, path).toBe(403);
      expect(forbidden.body.error.code).toBe("FORBIDDEN");
    }
  });

  it("validates query parameters with 400 INVALID_OPTION errors", async () => {
    await fill(3);
    const bad = [
      "/api/v1/audit-log/entries?from=-1",
      "/api/v1/audit-log/entries?from=abc",
      "/api/v1/audit-log/entries?from=1.5",
      "/api/v1/audit-log/entries?from=2&to=1",
      "/api/v1/audit-log/entries?from=4",
      "/api/v1/audit-log/entries?from=0&from=1",
      "/api/v1/audit-log/entries?from=99999999999999999999",
      "/api/v1/audit-log/proof/inclusion?index=0",
      "/api/v1/audit-log/proof/inclusion?index=3&size=3",
      "/api/v1/audit-log/proof/inclusion?index=0&size=4",
      "/api/v1/audit-log/proof/consistency?from=2&to=1",
      "/api/v1/audit-log/proof/consistency?from=1&to=4",
      "/api/v1/audit-log/proof/consistency?to=2",
    ];
    for (const path of bad) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.error.code, path).toBe("INVALID_OPTION");
      expect(typeof r.body.error.message).toBe("string");
    }
  });

  it("pages at most 1000 entries", async () => {
    await srv.db.transaction(async (tx) => {
      for (let i = 0; i < 1005; i++) await srv.log.append({ type: "download", actor: "a" }, tx);
    });
    expect((await get("/api/v1/audit-log/entries?from=0&to=1005")).body.entries).toHaveLength(1000);
    expect((await get("/api/v1/audit-log/entries?from=1000&to=1005")).body.entries).toHaveLength(5);
    const r = await verify({ noStateUpdate: true });
    expect(r).toMatchObject({ verified: true, size: 1005, entriesChecked: 1005 });
  });

  it("verifies: trust on first use, then the saved key and consistency with the saved checkpoint", async () => {
    await fill(9);
    const notices: string[] = [];
    const first = await verify({ onNotice: (m) => notices.push(m) });
    expect(first).toMatchObject({ verified: true, problems: [], size: 9, trust: "first-use", entriesChecked: 9, stateSaved: true });
    expect(notices.join("\n")).toMatch(/trust on first use/);
    const state = JSON.parse(readFileSync(statePath, "utf8"));
    expect(state.checkpoint.size).toBe(9);
    expect(state.publicKeyPem).toBe(srv.log.publicKey().publicKeyPem);

    await fill(30, 9);
    const second = await verify();
    expect(second).toMatchObject({ verified: true, size: 39, trust: "state", previous: { size: 9 } });
    expect(second.inclusionProofsChecked).toBeGreaterThanOrEqual(2);
    const pinned = await verify({ publicKeyPem: srv.log.publicKey().publicKeyPem });
    expect(pinned).toMatchObject({ verified: true, trust: "pinned" });
  });

  it("names the entry whose data was edited in the database", async () => {
    await fill(10);
    await verify();
    await srv.db.run("UPDATE audit_entries SET data = ? WHERE idx = 3", [canonicalJson({ reason: "nothing to see", n: 3 })]);
    const r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems[0]).toMatchObject({ index: 3 });
    expect(r.problems[0]!.message).toMatch(/does not match its recorded leaf hash/);
  });

  it("names the entry whose type, actor or time was edited", async () => {
    await fill(6);
    for (const [col, value, idx] of [["type", "version.rejected", 1], ["actor", "token:someone-else", 4], ["time", "2020-01-01T00:00:00.000Z", 5]] as const) {
      const before = await row(idx);
      await srv.db.run(`UPDATE audit_entries SET ${col} = ? WHERE idx = ?`, [value, idx]);
      const r = await verify({ noStateUpdate: true });
      expect(r.verified, col).toBe(false);
      expect(r.problems[0], col).toMatchObject({ index: idx });
      await srv.db.run(`UPDATE audit_entries SET ${col} = ? WHERE idx = ?`, [before[col] as string, idx]);
    }
    expect((await verify({ noStateUpdate: true })).verified).toBe(true);
  });

  it("names the entry whose leaf hash was changed, and the one rewritten with a matching leaf hash", async () => {
    await fill(21);
    await verify();
    await srv.db.run("UPDATE audit_entries SET leaf_hash = ? WHERE idx = 7", ["00".repeat(32)]);
    let r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems[0]).toMatchObject({ index: 7 });

    // Restore entry 7; rewrite entry 13 with its leaf hash recomputed, so that the row is self-consistent.
    const e = (await srv.log.entries(13, 14))[0]!;
    await srv.db.run("UPDATE audit_entries SET leaf_hash = ? WHERE idx = 7", [entryLeafHash((await srv.log.entries(7, 8))[0]!)]);
    const forged = { ...e, actor: "token:innocent (bob)" };
    await srv.db.run("UPDATE audit_entries SET actor = ?, leaf_hash = ? WHERE idx = 13", [forged.actor, entryLeafHash(forged)]);
    r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ index: 13 });
    expect(r.problems[0]!.message).toMatch(/not the entry the log's signed checkpoint commits to/);
  });

  it("names a deleted row", async () => {
    await fill(8);
    await verify();
    await srv.db.run("DELETE FROM audit_entries WHERE idx = 5");
    const r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems[0]).toMatchObject({ index: 5 });
    expect(r.problems[0]!.message).toMatch(/entry 5 is missing/);
  });

  it("names reordered rows", async () => {
    await fill(8);
    const a = await row(2);
    const b = await row(3);
    const cols = ["time", "type", "actor", "project", "subject", "data", "leaf_hash"];
    const set = `UPDATE audit_entries SET ${cols.map((c) => `${c} = ?`).join(", ")} WHERE idx = ?`;
    await srv.db.run(set, [...cols.map((c) => b[c] as string), 2]);
    await srv.db.run(set, [...cols.map((c) => a[c] as string), 3]);
    const r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems.map((p) => p.index)).toEqual([2, 3]);
  });

  it("detects a history rewritten before the server restarted, and a log signed by another key", async () => {
    await fill(10);
    await verify();
    // Rewrite entry 2 consistently (data and leaf hash), then a new server process loads the database.
    const e = (await srv.log.entries(2, 3))[0]!;
    const forged = { ...e, data: { reason: "rewritten", n: 2 } };
    await srv.db.run("UPDATE audit_entries SET data = ?, leaf_hash = ? WHERE idx = 2", [canonicalJson(forged.data), entryLeafHash(forged)]);
    await srv.close();
    srv = await startAuditLogServer(dir);
    let r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems[0]!.message).toMatch(/rewritten/);

    // Whole new history signed with a new key (the old key file replaced): the saved key refuses it.
    await srv.close();
    rmSync(join(dir, "audit.db"));
    rmSync(join(dir, "keys"), { recursive: true });
    srv = await startAuditLogServer(dir);
    await fill(12);
    r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems[0]!.message).toMatch(/signature does not verify/);
  });

  it("detects a rolled-back (shorter) log and a rewritten prefix signed by the right key", async () => {
    const keyDir = join(dir, "keys");
    await fill(10);
    await verify();
    // The attacker has the key too (worst case) and serves a shorter, fresh log.
    await srv.close();
    rmSync(join(dir, "audit.db"));
    srv = await startAuditLogServer(dir, { keyDir });
    await fill(4);
    let r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems[0]!.message).toMatch(/the log shrank/);
    // Longer, but a different history: the saved checkpoint's root is not a prefix of it.
    await fill(20, 4);
    r = await verify();
    expect(r.verified).toBe(false);
    expect(r.problems[0]!.message).toMatch(/history before it was rewritten/);
  });

  it("reports a server that cannot be reached or refuses the token as errors", async () => {
    await expect(verify({ token: "mg_wrong" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(verify({ token: CONSUMER_TOKEN })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(verifyAuditLog({ server: "http://127.0.0.1:1", statePath })).rejects.toMatchObject({ code: "NETWORK_ERROR" });
    await expect(verifyAuditLog({ server: "not a url", statePath })).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});
