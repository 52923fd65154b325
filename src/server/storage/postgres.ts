/**
 * The PostgreSQL SqlDatabase (pg 8): what several stateless API/worker processes share when the server is scaled
 * out. It behaves like the SQLite adapter as seen through SqlDatabase:
 * - `?` placeholders are rewritten to `$1…$n` by a lexer that skips strings, identifiers and comments;
 * - values come back as JS strings/numbers/Buffers: BIGINT/NUMERIC as numbers when exact (BIGINT beyond 2^53 as
 *   bigint, long decimals as strings), JSON as its text, timestamps as ISO-8601 strings, DATE as YYYY-MM-DD;
 * - `transaction()` runs on one pooled client between BEGIN and COMMIT/ROLLBACK, and by default takes a
 *   transaction-level advisory lock first, so that write transactions are serialised across every process sharing
 *   the database — the same guarantee SQLite's `BEGIN IMMEDIATE` gives the code written once for both
 *   (read-then-write sequences such as the audit log's next index stay correct). Plain statements outside
 *   transactions are not serialised. Nested calls run on the same client inside the outer transaction.
 * - errors match the SQLite adapter's: constraint violations → CONFLICT, bad statements → INTERNAL, and a
 *   database that cannot be reached → DATABASE_UNAVAILABLE, whose message never contains the password;
 * - booleans are bound as 1/0 (portable schemas store them in INTEGER columns).
 */
import pg from "pg";
import { ModelgateError } from "../../core/errors.js";
import { rewritePlaceholders } from "./pg-placeholders.js";
import type { SqlDatabase, SqlRunResult, SqlValue } from "./types.js";

export interface PostgresOptions {
  /** Pool size (default 10). */
  max?: number;
  /**
   * Serialise transactions across all processes with one advisory lock (default true), as SQLite's
   * BEGIN IMMEDIATE does. Turn off only when every transaction is written for READ COMMITTED.
   */
  serializeTransactions?: boolean;
  /** Milliseconds to wait for a connection (default 10 s). */
  connectTimeoutMs?: number;
}

/** The advisory-lock key taken by every transaction ("modelgat" in ASCII, a positive int8). */
const TX_LOCK_KEY = "7885631039553888628";

const OID = { int8: 20, numeric: 1700, json: 114, jsonb: 3802, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

function parseBigint(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function parseNumeric(text: string): number | bigint | string {
  if (/^-?\d+$/.test(text)) return parseBigint(text);
  const n = Number(text);
  // Fractional: a number when the double keeps every significant digit (at most 15), else the exact text.
  const digits = text.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Number.isFinite(n) && digits.length <= 15 ? n : text;
}

function parseTimestamp(text: string, utc: boolean): string {
  if (text === "infinity" || text === "-infinity") return text;
  // PostgreSQL prints "2024-01-02 03:04:05.678+00" (timestamptz) or without the offset (timestamp: read as UTC).
  const iso = text.replace(" ", "T") + (utc ? "Z" : "");
  const d = new Date(iso.replace(/([+-]\d\d)$/, "$1:00"));
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

const identity = (text: string): string => text;

/** Per-pool type parsers: nothing global is changed in pg, so other pg users in the process are unaffected. */
const customTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format === "binary") return pg.types.getTypeParser(oid, "binary");
    switch (oid) {
      case OID.int8:
        return parseBigint;
      case OID.numeric:
        return parseNumeric;
      case OID.json:
      case OID.jsonb:
      case OID.date:
        return identity;
      case OID.timestamp:
        return (t: string) => parseTimestamp(t, true);
      case OID.timestamptz:
        return (t: string) => parseTimestamp(t, false);
      default:
        return pg.types.getTypeParser(oid, "text");
    }
  }) as pg.CustomTypesConfig["getTypeParser"],
};

const CONNECTION_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ENOENT"]);

/** True for errors that mean "the database is not reachable or not accepting us", as opposed to a bad statement. */
function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") {
    if (CONNECTION_ERRNOS.has(code)) return true;
    // SQLSTATE: 08 connection exception, 28 invalid authorization, 3D000 no such database,
    // 53300 too many connections, 57P01-57P03 shutdown / cannot connect now.
    if (/^(08|28)/.test(code) || code === "3D000" || code === "53300" || /^57P0[1-3]$/.test(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(
    e.message,
  );
}

interface Redactor {
  /** The URL with its password replaced by ***. */
  safeUrl: string;
  scrub(text: string): string;
}

function makeRedactor(url: string): Redactor {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ModelgateError("INVALID_OPTION", "database URL is not a valid URL (expected postgres://user:password@host:port/database)");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new ModelgateError("INVALID_OPTION", `database URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  const secrets = new Set<string>();
  if (parsed.password !== "") {
    secrets.add(parsed.password);
    try {
      secrets.add(decodeURIComponent(parsed.password));
    } catch {
      // a malformed escape: the raw form is scrubbed
    }
    parsed.password = "***";
  }
  for (const key of ["password", "sslpassword"]) {
    const v = parsed.searchParams.get(key);
    if (v) {
      secrets.add(v);
      parsed.searchParams.set(key, "***");
    }
  }
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return {
    safeUrl: parsed.toString(),
    scrub: (text) => list.reduce((t, s) => t.split(s).join("***"), text),
  };
}

/**
 * Errors as the SQLite adapter raises them, so code above the seam handles both alike: integrity-constraint
 * violations (SQLSTATE class 23: unique, foreign key, not null, check) → CONFLICT; an unreachable database, or one
 * too busy to serialise us (deadlock, serialization failure, lock not available) → DATABASE_UNAVAILABLE; anything
 * else (a bad statement) → INTERNAL. The pg error stays as `cause` (its `code` is the SQLSTATE).
 */
function mapError(e: unknown, redactor: Redactor, sql?: string): unknown {
  if (e instanceof ModelgateError) return e;
  const message = redactor.scrub(e instanceof Error ? e.message : String(e));
  if (isConnectionError(e)) {
    return new ModelgateError("DATABASE_UNAVAILABLE", `PostgreSQL at ${redactor.safeUrl} is unavailable: ${message}`);
  }
  if (e instanceof Error) e.message = message;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
    if (code.startsWith("23")) return new ModelgateError("CONFLICT", `constraint failed: ${message}`, { cause: e });
    if (code === "40001" || code === "40P01" || code === "55P03") {
      return new ModelgateError("DATABASE_UNAVAILABLE", `database is busy: ${message}`, { cause: e });
    }
    return new ModelgateError("INTERNAL", `PostgreSQL error ${code}${sql ? ` in "${sql.slice(0, 80)}"` : ""}: ${message}`, { cause: e });
  }
  return e;
}

type Queryable = Pick<pg.Pool, "query"> | pg.PoolClient;

function prepare(sql: string, params: readonly SqlValue[] | undefined): { text: string; values: SqlValue[] } {
  const { text, count } = rewritePlaceholders(sql);
  // Booleans as 1/0, like the SQLite adapter: portable schemas keep them in INTEGER columns (a PostgreSQL
  // BOOLEAN column accepts '1'/'0' too).
  const values = params ? params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p)) : [];
  if (count !== values.length) {
    throw new ModelgateError("INTERNAL", `statement has ${count} placeholder(s) but ${values.length} parameter(s) were given: ${sql.slice(0, 200)}`);
  }
  return { text, values };
}

class PgDatabase implements SqlDatabase {
  readonly dialect = "postgres" as const;
  /** Set once the transaction this object stands for has finished (tx objects only). */
  private finished = false;

  constructor(
    private readonly target: Queryable,
    private readonly root: PgRoot,
    private readonly inTransaction: boolean,
  ) {}

  private check(): void {
    if (this.finished) throw new ModelgateError("INTERNAL", "transaction already finished: the tx object was used after its transaction() call returned");
    if (this.root.closed) throw new ModelgateError("DATABASE_UNAVAILABLE", "the PostgreSQL database has been closed");
  }

  private async query(sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult> {
    this.check();
    const { text, values } = prepare(sql, params);
    try {
      return await this.target.query(text, values);
    } catch (e) {
      throw mapError(e, this.root.redactor, sql);
    }
  }

  async all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    this.check();
    // Outside a transaction, schema statements take the transaction lock too (SQLite's exec takes its write
    // lock): several nodes starting at once may all run `CREATE TABLE IF NOT EXISTS …`, which PostgreSQL does
    // not make safe against concurrent creators (duplicate key in pg_type).
    if (!this.inTransaction && this.root.serialize) return this.root.runTransaction((tx) => tx.exec(sql));
    try {
      // No parameters: pg uses the simple query protocol, which runs several statements in one round trip.
      await this.target.query(sql);
    } catch (e) {
      throw mapError(e, this.root.redactor);
    }
  }

  async transaction<T>(fn: (tx: SqlDatabase) => Promise<T>): Promise<T> {
    this.check();
    if (this.inTransaction) return fn(this);
    return this.root.runTransaction(fn);
  }

  markFinished(): void {
    this.finished = true;
  }

  async close(): Promise<void> {
    if (this.inTransaction) throw new ModelgateError("INTERNAL", "close() called on a transaction; close the database instead");
    await this.root.close();
  }
}

class PgRoot {
  closed = false;

  constructor(
    readonly pool: pg.Pool,
    readonly redactor: Redactor,
    readonly serialize: boolean,
  ) {}

  async runTransaction<T>(fn: (tx: SqlDatabase) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw mapError(e, this.redactor);
    }
    const tx = new PgDatabase(client, this, true);
    try {
      await client.query("BEGIN");
      if (this.serialize) await client.query(`SELECT pg_advisory_xact_lock(${TX_LOCK_KEY})`);
      const result = await fn(tx);
      await client.query("COMMIT");
      tx.markFinished();
      client.release();
      return result;
    } catch (e) {
      tx.markFinished();
      try {
        await client.query("ROLLBACK");
        client.release();
      } catch (rollbackError) {
        // The connection is in an unknown state: drop it from the pool.
        client.release(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
      }
      throw mapError(e, this.redactor);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/**
 * Connects to PostgreSQL at `url` (postgres://user:password@host:port/database; `?host=/socket/dir` works for
 * unix sockets) and checks the connection with one round trip.
 */
export async function createPostgresDatabase(url: string, options: PostgresOptions = {}): Promise<SqlDatabase> {
  const redactor = makeRedactor(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: "modelgate",
    types: customTypes,
  });
  // An idle client losing its connection (server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  const root = new PgRoot(pool, redactor, options.serializeTransactions ?? true);
  try {
    await pool.query("SELECT 1");
  } catch (e) {
    await pool.end().catch(() => undefined);
    const mapped = mapError(e, redactor);
    if (mapped instanceof ModelgateError) throw mapped;
    const message = redactor.scrub(e instanceof Error ? e.message : String(e));
    throw new ModelgateError("DATABASE_UNAVAILABLE", `PostgreSQL at ${redactor.safeUrl} is unavailable: ${message}`);
  }
  return new PgDatabase(pool, root, false);
}
