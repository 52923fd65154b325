import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { postgresSupport, startPostgres, type PostgresCluster } from "../../../test/helpers/postgres.js";
import { createPostgresDatabase } from "./postgres.js";
import type { SqlDatabase } from "./types.js";

const support = postgresSupport();

describe("createPostgresDatabase: configuration errors", () => {
  it("rejects URLs that are not postgres:// URLs", async () => {
    await expect(createPostgresDatabase("mysql://u:p@localhost/db")).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(createPostgresDatabase("not a url")).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });

  it("reports an unreachable database as DATABASE_UNAVAILABLE without the password", async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await createPostgresDatabase("postgres://alice:hunter2-s3cret@127.0.0.1:1/gate", { connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelgateError);
    expect((err as ModelgateError).code).toBe("DATABASE_UNAVAILABLE");
    expect((err as ModelgateError).message).toContain("127.0.0.1:1");
    expect((err as ModelgateError).message).not.toContain("hunter2");
    expect(JSON.stringify(err)).not.toContain("hunter2");
  });
});

describe.skipIf(support.skip)("createPostgresDatabase against a real PostgreSQL", () => {
  let cluster: PostgresCluster;
  let url: string;
  let db: SqlDatabase;

  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    db = await createPostgresDatabase(url);
    await db.exec(`
      CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, label TEXT, data BYTEA, flag BOOLEAN, doc JSONB, at TIMESTAMPTZ, d DATE, price NUMERIC(12,3));
      CREATE TABLE counter (id INTEGER PRIMARY KEY, value BIGINT NOT NULL);
      INSERT INTO counter VALUES (1, 0);
    `);
  });

  afterAll(async () => {
    await db?.close();
    await cluster?.stop();
  });

  it("has the postgres dialect", () => {
    expect(db.dialect).toBe("postgres");
  });

  it("binds ? placeholders and leaves ? in strings, identifiers and comments alone", async () => {
    const r = await db.run("INSERT INTO items (id, label, n) VALUES (?, ?, ?)", ["a", "why? 'because'", 7]);
    expect(r.changes).toBe(1);
    const row = await db.get<{ q: string; label: string; n: number }>(
      `SELECT 'is this a ? mark' AS q, label, n /* ? */ FROM items WHERE id = ? -- and ?\n AND n = ?`,
      ["a", 7],
    );
    expect(row).toEqual({ q: "is this a ? mark", label: "why? 'because'", n: 7 });
    expect(await db.get("SELECT 1 AS x FROM items WHERE id = ?", ["missing"])).toBeUndefined();
  });

  it("reports a bad statement as INTERNAL, naming the SQLSTATE", async () => {
    await expect(db.all("SELECT no_such_column FROM items")).rejects.toMatchObject({ code: "INTERNAL", message: expect.stringContaining("42703") });
  });

  it("binds booleans as 1/0 into INTEGER columns, as the SQLite adapter does", async () => {
    await db.exec("CREATE TABLE flags (id TEXT PRIMARY KEY, on_off INTEGER NOT NULL)");
    await db.run("INSERT INTO flags VALUES (?, ?), (?, ?)", ["y", true, "n", false]);
    expect(await db.all("SELECT id, on_off FROM flags ORDER BY id")).toEqual([
      { id: "n", on_off: 0 },
      { id: "y", on_off: 1 },
    ]);
  });

  it("refuses a statement whose placeholder count does not match its parameters", async () => {
    await expect(db.all("SELECT * FROM items WHERE id = ? AND n = ?", ["a"])).rejects.toMatchObject({ code: "INTERNAL" });
  });

  it("returns portable JS values: numbers for BIGINT/NUMERIC/COUNT, Buffers, JSON text, ISO timestamps", async () => {
    const blob = Buffer.from([0, 1, 2, 255]);
    await db.run("INSERT INTO items (id, n, data, flag, doc, at, d, price) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      "b",
      2 ** 40,
      blob,
      true,
      JSON.stringify({ k: [1, 2] }),
      "2024-03-04T05:06:07.089Z",
      "2024-03-04",
      "12.5",
    ]);
    const row = await db.get<Record<string, unknown>>("SELECT n, data, flag, doc, at, d, price FROM items WHERE id = ?", ["b"]);
    expect(row).toEqual({
      n: 2 ** 40,
      data: blob,
      flag: true,
      doc: '{"k": [1, 2]}',
      at: "2024-03-04T05:06:07.089Z",
      d: "2024-03-04",
      price: 12.5,
    });
    const agg = await db.get<Record<string, unknown>>("SELECT COUNT(*) AS c, SUM(n) AS s, MAX(n) AS m FROM items");
    expect(agg).toEqual({ c: 2, s: 2 ** 40 + 7, m: 2 ** 40 });
    // Beyond 2^53 the exact value is kept as a bigint rather than rounded.
    const big = await db.get<{ v: unknown }>("SELECT 9223372036854775807::bigint AS v");
    expect(big?.v).toBe(9223372036854775807n);
    await db.run("UPDATE items SET n = ? WHERE id = ?", [9007199254740993n, "b"]);
    expect((await db.get<{ n: unknown }>("SELECT n FROM items WHERE id = ?", ["b"]))?.n).toBe(9007199254740993n);
    expect((await db.get<{ v: unknown }>("SELECT NULL::bigint AS v"))?.v).toBeNull();
  });

  it("runs several statements with exec", async () => {
    await db.exec("CREATE TABLE e1 (x INTEGER); CREATE TABLE e2 (y TEXT); INSERT INTO e1 VALUES (1), (2);");
    expect(await db.all("SELECT x FROM e1 ORDER BY x")).toEqual([{ x: 1 }, { x: 2 }]);
    expect((await db.run("DELETE FROM e1 WHERE x > ?", [0])).changes).toBe(2);
  });

  it("commits a transaction and returns its value", async () => {
    const v = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO items (id, n) VALUES (?, ?)", ["t1", 1]);
      // Nested calls run on the same connection, inside the outer transaction.
      await tx.transaction(async (inner) => inner.run("INSERT INTO items (id, n) VALUES (?, ?)", ["t2", 2]));
      return (await tx.get<{ c: number }>("SELECT COUNT(*) AS c FROM items WHERE id IN ('t1', 't2')"))?.c;
    });
    expect(v).toBe(2);
    expect(await db.all("SELECT id FROM items WHERE id IN ('t1','t2') ORDER BY id")).toEqual([{ id: "t1" }, { id: "t2" }]);
  });

  it("rolls back everything, nested work included, when the function throws", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO items (id, n) VALUES (?, ?)", ["r1", 1]);
        await tx.transaction(async (inner) => inner.run("INSERT INTO items (id, n) VALUES (?, ?)", ["r2", 2]));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.all("SELECT id FROM items WHERE id IN ('r1','r2')")).toEqual([]);
  });

  it("rolls back when a statement fails (unique violation) and keeps the pool usable", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO items (id, n) VALUES (?, ?)", ["u1", 1]);
        await tx.run("INSERT INTO items (id, n) VALUES (?, ?)", ["u1", 2]);
      }),
    ).rejects.toMatchObject({ code: "CONFLICT", cause: { code: "23505" } });
    expect(await db.all("SELECT id FROM items WHERE id = 'u1'")).toEqual([]);
    for (let i = 0; i < 15; i++) await db.transaction(async (tx) => tx.get("SELECT 1 AS one")); // > pool size: no leaked clients
  });

  it("refuses to use a transaction object after its transaction ended", async () => {
    let saved: SqlDatabase | undefined;
    await db.transaction(async (tx) => {
      saved = tx;
    });
    await expect(saved!.get("SELECT 1")).rejects.toMatchObject({ code: "INTERNAL" });
  });

  it("does not show uncommitted writes to other connections", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO items (id, n) VALUES (?, ?)", ["iso", 1]);
      inserted();
      await gate;
    });
    await didInsert;
    expect(await db.get("SELECT id FROM items WHERE id = 'iso'")).toBeUndefined();
    release();
    await tx;
    expect(await db.get("SELECT id FROM items WHERE id = 'iso'")).toEqual({ id: "iso" });
  });

  it("serialises read-modify-write transactions across separate connections pools (two nodes)", async () => {
    const other = await createPostgresDatabase(url, { max: 5 });
    try {
      const increment = (d: SqlDatabase): Promise<void> =>
        d.transaction(async (tx) => {
          const row = await tx.get<{ value: number }>("SELECT value FROM counter WHERE id = 1");
          await new Promise((r) => setTimeout(r, 1)); // widen the read-then-write window
          await tx.run("UPDATE counter SET value = ? WHERE id = 1", [row!.value + 1]);
        });
      await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 === 0 ? db : other)));
      expect((await db.get<{ value: number }>("SELECT value FROM counter WHERE id = 1"))?.value).toBe(40);
    } finally {
      await other.close();
    }
  });

  it("reports a database that went away as DATABASE_UNAVAILABLE", async () => {
    const missing = url.replace(/\/[^/]+$/, "/no_such_db");
    await expect(createPostgresDatabase(missing)).rejects.toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    const d = await createPostgresDatabase(url);
    await d.close();
    await expect(d.get("SELECT 1")).rejects.toMatchObject({ code: "DATABASE_UNAVAILABLE" });
  });
});
