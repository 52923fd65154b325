import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteDatabase } from "./sqlite.js";
import type { SqlDatabase } from "./types.js";

describe("SQLite SqlDatabase", () => {
  let dir: string;
  let db: SqlDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mg-sqlite-"));
    db = await createSqliteDatabase(join(dir, "t.db"));
    await db.exec("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL, b BIGINT)");
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs statements with ? parameters and RETURNING", async () => {
    expect((await db.run("INSERT INTO t (id, n, b) VALUES (?, ?, ?)", ["a", 1, 2 ** 40])).changes).toBe(1);
    expect(await db.get("INSERT INTO t (id, n) VALUES (?, ?) RETURNING id, n", ["b", true])).toEqual({ id: "b", n: 1 });
    expect(await db.all("SELECT id, n, b FROM t ORDER BY id")).toEqual([
      { id: "a", n: 1, b: 2 ** 40 },
      { id: "b", n: 1, b: null },
    ]);
  });

  it("maps constraint violations to CONFLICT", async () => {
    await db.run("INSERT INTO t (id, n) VALUES ('a', 1)");
    await expect(db.run("INSERT INTO t (id, n) VALUES ('a', 2)")).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("a transaction holds the connection: other calls wait until it commits", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO t (id, n) VALUES ('x', 1)");
      order.push("tx inserted");
      await gate;
      await t.run("UPDATE t SET n = 2 WHERE id = 'x'");
      order.push("tx updated");
    });
    await new Promise((r) => setTimeout(r, 10));
    const outside = db.get<{ n: number }>("SELECT n FROM t WHERE id = 'x'").then((row) => {
      order.push(`outside read n=${row?.n}`);
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(["tx inserted"]);
    release();
    await Promise.all([tx, outside]);
    expect(order).toEqual(["tx inserted", "tx updated", "outside read n=2"]);
  });

  it("rolls back when the function throws, and nested calls join the outer transaction", async () => {
    await expect(
      db.transaction(async (t) => {
        await t.run("INSERT INTO t (id, n) VALUES ('y', 1)");
        await t.transaction(async (inner) => inner.run("INSERT INTO t (id, n) VALUES ('z', 1)"));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.all("SELECT id FROM t")).toEqual([]);
    await db.transaction(async (t) => t.transaction(async (inner) => inner.run("INSERT INTO t (id, n) VALUES ('w', 1)")));
    expect(await db.all("SELECT id FROM t")).toEqual([{ id: "w" }]);
  });

  it("refuses a transaction handle used after its transaction", async () => {
    let leaked: SqlDatabase | undefined;
    await db.transaction(async (t) => {
      leaked = t;
    });
    await expect(leaked!.run("INSERT INTO t (id, n) VALUES ('q', 1)")).rejects.toMatchObject({ code: "INTERNAL" });
  });

  it("uses WAL journaling", async () => {
    expect(await db.get("PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
  });
});
