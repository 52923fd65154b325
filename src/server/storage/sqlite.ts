import Database from "better-sqlite3";
import { ModelgateError } from "../../core/errors.js";
import { createMutex } from "./mutex.js";
import type { SqlDatabase, SqlRunResult, SqlValue } from "./types.js";

/**
 * SqlDatabase on one better-sqlite3 connection (WAL, busy_timeout). better-sqlite3 is synchronous, so a single
 * statement never interleaves with another; a transaction spans awaits, so it holds an async mutex for its whole
 * life and every other call waits for it (otherwise its statements would run inside the open transaction).
 * Booleans are stored as 0/1.
 */
export interface SqliteOptions {
  /** Milliseconds SQLite waits for another process's lock; default 5000. */
  busyTimeoutMs?: number;
}

type Bindable = string | number | bigint | Buffer | null;

function bind(params: readonly SqlValue[] | undefined): Bindable[] {
  if (!params) return [];
  return params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p));
}

function wrap(e: unknown, sql: string): never {
  const err = e as { code?: string; message?: string };
  if (typeof err.code === "string" && err.code.startsWith("SQLITE_CONSTRAINT")) {
    throw new ModelgateError("CONFLICT", `constraint failed: ${err.message ?? ""}`, { cause: e });
  }
  if (err.code === "SQLITE_BUSY" || err.code === "SQLITE_LOCKED") {
    throw new ModelgateError("DATABASE_UNAVAILABLE", `database is busy: ${err.message ?? ""}`, { cause: e });
  }
  throw new ModelgateError("INTERNAL", `SQLite error in "${sql.slice(0, 80)}": ${err.message ?? String(e)}`, { cause: e });
}

export async function createSqliteDatabase(file: string, options: SqliteOptions = {}): Promise<SqlDatabase> {
  let conn: Database.Database;
  try {
    conn = new Database(file);
    conn.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: a committed transaction survives a killed process (only power loss may undo the last ones).
    conn.pragma("synchronous = NORMAL");
    conn.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    conn.pragma("foreign_keys = ON");
  } catch (e) {
    throw new ModelgateError("DATABASE_UNAVAILABLE", `cannot open the SQLite database ${file}: ${(e as Error).message}`, { cause: e });
  }
  const mutex = createMutex();
  const statements = new Map<string, Database.Statement>();
  let closed = false;

  const prepare = (sql: string): Database.Statement => {
    if (closed) throw new ModelgateError("DATABASE_UNAVAILABLE", "the database is closed");
    let st = statements.get(sql);
    if (!st) {
      st = conn.prepare(sql);
      if (statements.size > 500) statements.clear();
      statements.set(sql, st);
    }
    return st;
  };

  // Direct operations: the caller holds the mutex (or is inside the transaction that does).
  const direct = {
    all<T>(sql: string, params?: readonly SqlValue[]): T[] {
      try {
        return prepare(sql).all(...bind(params)) as T[];
      } catch (e) {
        return wrap(e, sql);
      }
    },
    get<T>(sql: string, params?: readonly SqlValue[]): T | undefined {
      try {
        const st = prepare(sql);
        return (st.reader ? st.get(...bind(params)) : (st.run(...bind(params)), undefined)) as T | undefined;
      } catch (e) {
        return wrap(e, sql);
      }
    },
    run(sql: string, params?: readonly SqlValue[]): SqlRunResult {
      try {
        const st = prepare(sql);
        if (st.reader) {
          // INSERT … RETURNING reads rows; count them as the changes.
          return { changes: st.all(...bind(params)).length };
        }
        return { changes: st.run(...bind(params)).changes };
      } catch (e) {
        return wrap(e, sql);
      }
    },
    exec(sql: string): void {
      try {
        conn.exec(sql);
      } catch (e) {
        wrap(e, sql);
      }
    },
  };

  const locked = async <T>(fn: () => T): Promise<T> => {
    const release = await mutex.lock();
    try {
      return fn();
    } finally {
      release();
    }
  };

  const txHandle = (): SqlDatabase => {
    let active = true;
    const guard = (): void => {
      if (!active) throw new ModelgateError("INTERNAL", "transaction handle used after its transaction ended");
    };
    const tx: SqlDatabase & { end(): void } = {
      dialect: "sqlite",
      all: async (sql, params) => (guard(), direct.all(sql, params)),
      get: async (sql, params) => (guard(), direct.get(sql, params)),
      run: async (sql, params) => (guard(), direct.run(sql, params)),
      exec: async (sql) => (guard(), direct.exec(sql)),
      transaction: async (fn) => (guard(), fn(tx)),
      close: async () => {
        throw new ModelgateError("INTERNAL", "cannot close the database from inside a transaction");
      },
      end: () => {
        active = false;
      },
    };
    return tx;
  };

  return {
    dialect: "sqlite",
    all: (sql, params) => locked(() => direct.all(sql, params)),
    get: (sql, params) => locked(() => direct.get(sql, params)),
    run: (sql, params) => locked(() => direct.run(sql, params)),
    exec: (sql) => locked(() => direct.exec(sql)),
    async transaction(fn) {
      const release = await mutex.lock();
      const tx = txHandle() as SqlDatabase & { end(): void };
      try {
        direct.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn(tx);
          direct.exec("COMMIT");
          return result;
        } catch (e) {
          if (conn.inTransaction) direct.exec("ROLLBACK");
          throw e;
        }
      } finally {
        tx.end();
        release();
      }
    },
    async close() {
      const release = await mutex.lock();
      try {
        if (!closed) {
          closed = true;
          statements.clear();
          conn.close();
        }
      } finally {
        release();
      }
    },
  };
}
