import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { createSqliteDatabase } from "../storage/sqlite.js";
import type { SqlDatabase } from "../storage/types.js";
import { noteVerifier, verifyCheckpointNote } from "./checkpoint.js";
import { canonicalJson, entryLeafData, entryLeafHash } from "./entry.js";
import { createAuditLog, type AuditLog } from "./log.js";
import { rootOf, verifyConsistency, verifyInclusion } from "./merkle.js";

const ORIGIN = "gate.test/audit-log";
const hx = (s: string): Buffer => Buffer.from(s, "hex");

describe("audit log over SQLite", () => {
  let dir: string;
  let db: SqlDatabase;
  let log: AuditLog;

  const open = async (): Promise<AuditLog> => createAuditLog(db, { keyDir: join(dir, "keys"), origin: ORIGIN });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-auditlog-"));
    db = await createSqliteDatabase(join(dir, "db.sqlite"));
    log = await open();
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fill = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await log.append({ type: "download", actor: `token:t${i % 3}`, project: "p", subject: `p/m@${i}`, data: { path: `f${i}.bin`, n: i } });
  };

  it("appends entries with dense indices whose leaf is the canonical JSON of their content", async () => {
    const a = await log.append({ type: "project.created", actor: "token:admin (admin)", project: "vision", data: { z: 1, a: { y: [1, "x"], b: null } } });
    const b = await log.append({ type: "auth.denied", actor: "anonymous" });
    expect([a.index, b.index]).toEqual([0, 1]);
    expect(await log.size()).toBe(2);
    expect(entryLeafData(a)).toBe(`{"actor":"token:admin (admin)","data":{"a":{"b":null,"y":[1,"x"]},"z":1},"index":0,"project":"vision","subject":null,"time":"${a.time}","type":"project.created"}`);
    expect(a.leafHash).toBe(entryLeafHash(a));
    const stored = await log.entries(0, 10);
    expect(stored).toEqual([a, { ...b, data: {} }]);
    const row = await db.get<{ data: string }>("SELECT data FROM audit_entries WHERE idx = 0");
    expect(row?.data).toBe(canonicalJson(a.data));
  });

  it("commits an entry with the caller's transaction, and leaves no gap when it rolls back", async () => {
    await db.exec("CREATE TABLE things (id TEXT PRIMARY KEY)");
    await db.transaction(async (tx) => {
      await tx.run("INSERT INTO things (id) VALUES (?)", ["kept"]);
      await log.append({ type: "thing.created", actor: "a", subject: "kept" }, tx);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO things (id) VALUES (?)", ["lost"]);
        await log.append({ type: "thing.created", actor: "a", subject: "lost" }, tx);
        throw new Error("the state change failed");
      }),
    ).rejects.toThrow("the state change failed");
    const after = await log.append({ type: "thing.created", actor: "a", subject: "next" });
    expect(after.index).toBe(1);
    expect((await log.entries(0, 5)).map((e) => e.subject)).toEqual(["kept", "next"]);
  });

  it("gives concurrent appends distinct consecutive indices", async () => {
    const entries = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append({ type: "download", actor: `a${i}` })));
    expect(entries.map((e) => e.index).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("refuses malformed events", async () => {
    await expect(log.append({ type: "", actor: "a" })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(log.append({ type: "t", actor: "a", data: { n: Number.NaN } })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(log.append({ type: "t", actor: "a", data: { big: "x".repeat(300 * 1024) } })).rejects.toMatchObject({ code: "LIMIT_EXCEEDED" });
    expect(await log.size()).toBe(0);
  });

  it("signs checkpoints over the stored leaves, reuses one while the size is unchanged, and stores them", async () => {
    const empty = await log.checkpoint();
    expect(empty.size).toBe(0);
    expect(empty.rootHash).toBe(rootOf([]).toString("base64"));
    await fill(13);
    const cp = await log.checkpoint();
    const leaves = (await log.entries(0, 13)).map((e) => hx(e.leafHash));
    expect(cp.size).toBe(13);
    expect(cp.rootHash).toBe(rootOf(leaves).toString("base64"));
    const { publicKeyPem, keyId } = log.publicKey();
    expect(keyId).toBe(cp.keyId);
    const body = verifyCheckpointNote(cp.note, noteVerifier(ORIGIN, publicKeyPem));
    expect(body).toMatchObject({ origin: ORIGIN, size: 13 });
    expect(await log.checkpoint()).toEqual(cp);
    const rows = await db.all<{ size: number }>("SELECT size FROM audit_checkpoints ORDER BY size");
    expect(rows.map((r) => Number(r.size))).toEqual([0, 13]);
  });

  it("proves inclusion and consistency against its checkpoints, also after reopening", async () => {
    await fill(5);
    const first = await log.checkpoint();
    await fill(17);
    const second = await log.checkpoint();
    const entries = await log.entries(0, 22);
    for (const e of entries) {
      const p = await log.inclusionProof(e.index, 22);
      expect(p.leafHash).toBe(e.leafHash);
      expect(verifyInclusion(e.index, 22, hx(p.leafHash), p.proof.map(hx), Buffer.from(second.rootHash, "base64"))).toBe(true);
    }
    const p = await log.inclusionProof(3, 5);
    expect(verifyInclusion(3, 5, hx(entries[3]!.leafHash), p.proof.map(hx), Buffer.from(first.rootHash, "base64"))).toBe(true);
    const c = await log.consistencyProof(5, 22);
    expect(verifyConsistency(5, 22, Buffer.from(first.rootHash, "base64"), Buffer.from(second.rootHash, "base64"), c.map(hx))).toBe(true);

    const reopened = await open();
    expect(reopened.publicKey()).toEqual(log.publicKey());
    expect(await reopened.checkpoint()).toEqual(second);
    expect(await reopened.consistencyProof(5, 22)).toEqual(c);
  });

  it("refuses proofs for sizes it does not have", async () => {
    await fill(3);
    await expect(log.inclusionProof(3, 3)).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(log.inclusionProof(0, 4)).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(log.consistencyProof(2, 1)).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(log.consistencyProof(1, 4)).rejects.toMatchObject({ code: "INVALID_OPTION" });
    expect(await log.consistencyProof(0, 3)).toEqual([]);
  });

  it("refuses to sign over a history rewritten in the database (seen by a process that loads it afterwards)", async () => {
    await fill(8);
    await log.checkpoint();
    const edited = (await log.entries(4, 5))[0]!;
    const forged = { ...edited, data: { path: "other.bin", n: 4 } };
    await db.run("UPDATE audit_entries SET data = ?, leaf_hash = ? WHERE idx = 4", [canonicalJson(forged.data), entryLeafHash(forged)]);
    await log.append({ type: "download", actor: "a" });
    // The running process kept the leaf hashes it loaded; it signs the true history.
    const cp = await log.checkpoint();
    expect(cp.size).toBe(9);
    // A process that loads the rewritten rows refuses to sign over them.
    const fresh = await open();
    await expect(fresh.checkpoint()).rejects.toSatisfy((e: unknown) => e instanceof ModelgateError && e.code === "VERIFICATION_FAILED" && /rewritten/.test(e.message));
  });

  it("reports a deleted row and a shrunk log", async () => {
    await fill(6);
    await log.checkpoint();
    await db.run("DELETE FROM audit_entries WHERE idx = 2");
    await expect((await open()).checkpoint()).rejects.toThrow(/entry 2 is missing/);
    await db.run("UPDATE audit_head SET size = 1");
    await expect(log.checkpoint()).rejects.toThrow(/shrank from 6 to 1/);
    // A process that never saw the longer log still has the stored signed checkpoint of 6 entries.
    await expect((await open()).checkpoint()).rejects.toThrow(/checkpoint of 6 entries was signed, but the log now has 1/);
  });
});
