import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../db/migrations.js";
import { createSqliteDatabase } from "../storage/sqlite.js";
import type { SqlDatabase } from "../storage/types.js";
import { pinNodeKeys } from "./key-pin.js";

const FIRST = { serverSigningKeyPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", auditLogVerifierKey: "modelgate/audit-log+0123abcd+AQID" };

describe("pinNodeKeys", () => {
  let dir: string;
  let db: SqlDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-keypin-"));
    db = await createSqliteDatabase(join(dir, "t.db"));
    await migrate(db);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pins the first node's keys and accepts a node with the same keys", async () => {
    await pinNodeKeys(db, FIRST, "/a/keys");
    await expect(pinNodeKeys(db, { ...FIRST }, "/b/keys")).resolves.toBeUndefined();
  });

  it("refuses a node whose signing key differs, naming both fingerprints and the fix", async () => {
    await pinNodeKeys(db, FIRST, "/a/keys");
    const other = { ...FIRST, serverSigningKeyPem: FIRST.serverSigningKeyPem.replace("AAAA", "BBBB") };
    const err = await pinNodeKeys(db, other, "/b/keys").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "INVALID_OPTION" });
    expect((err as Error).message).toMatch(/keys in \/b\/keys are not the ones.*model-signing key sha256:[0-9a-f]{64} \(database: sha256:[0-9a-f]{64}\).*copy the keys\/ folder/);
    expect((err as Error).message).not.toContain("audit-log key");
  });

  it("refuses a node whose audit-log key differs", async () => {
    await pinNodeKeys(db, FIRST, "/a/keys");
    await expect(pinNodeKeys(db, { ...FIRST, auditLogVerifierKey: "modelgate/audit-log+ffffffff+BAUG" }, "/c/keys")).rejects.toThrow(/audit-log key modelgate\/audit-log\+ffffffff/);
  });
});
