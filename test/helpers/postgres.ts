/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temporary folder, the postmaster on 127.0.0.1 with a
 * random port and its unix socket inside that folder, trust authentication, no fsync. Stopped and removed by
 * `stop()` (and killed when the test process exits).
 *
 * Binaries are looked up in $MODELGATE_PG_BINDIR, the newest /usr/lib/postgresql/<N>/bin (Debian's `postgresql`
 * package), then $PATH. PostgreSQL refuses to run as root, so when the tests run as root (CI containers), the
 * cluster runs as the `postgres` user the Debian package creates (or `nobody`), by spawning with uid/gid.
 *
 * Without binaries, `postgresSupport()` says to skip — except when CI=true, where the tests must fail instead
 * (so that CI cannot silently skip them): `describe.skipIf(pgSupport.skip)` plus `startPostgres()` throwing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  adminUrl: string;
  port: number;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

function executable(path: string): boolean {
  return existsSync(path);
}

function fromBindir(dir: string): PostgresBinaries | undefined {
  const initdb = join(dir, "initdb");
  const postgres = join(dir, "postgres");
  return executable(initdb) && executable(postgres) ? { initdb, postgres } : undefined;
}

export function findPostgresBinaries(): PostgresBinaries | undefined {
  const fromEnv = process.env.MODELGATE_PG_BINDIR;
  if (fromEnv) return fromBindir(fromEnv);
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const found = fromBindir(join(debian, v, "bin"));
      if (found) return found;
    }
  }
  for (const dir of (process.env.PATH ?? "").split(":").filter(Boolean)) {
    const found = fromBindir(dir);
    if (found) return found;
  }
  return undefined;
}

export interface PostgresSupport {
  /** True when the tests should be skipped (no binaries, and not on CI). */
  skip: boolean;
  reason: string;
}

/** Decides once per test file whether PostgreSQL tests run. Prints why when they are skipped. */
export function postgresSupport(): PostgresSupport {
  if (findPostgresBinaries()) return { skip: false, reason: "" };
  const reason =
    "PostgreSQL binaries (initdb, postgres) not found in $MODELGATE_PG_BINDIR, /usr/lib/postgresql/*/bin or $PATH; install Debian's `postgresql` package";
  if (process.env.CI === "true") return { skip: false, reason }; // startPostgres() then fails the tests
  console.warn(`SKIPPING PostgreSQL tests: ${reason}`);
  return { skip: true, reason };
}

interface RunAs {
  uid: number;
  gid: number;
}

/** The unprivileged account PostgreSQL runs as when we are root. */
function unprivilegedAccount(): RunAs {
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n");
  for (const name of ["postgres", "nobody"]) {
    const line = passwd.find((l) => l.startsWith(`${name}:`));
    if (line) {
      const [, , uid, gid] = line.split(":");
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  throw new Error("running as root but neither a `postgres` nor a `nobody` account exists to run PostgreSQL as");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(runAs ?? {}), env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}:\n${output}`))));
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (e) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${(e as Error).message}\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

let dbCounter = 0;

/** Starts a throwaway cluster. Throws (failing the test) when no binaries are installed. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bins = findPostgresBinaries();
  if (!bins) throw new Error(postgresSupport().reason);
  const runAs = process.getuid?.() === 0 ? unprivilegedAccount() : undefined;
  const root = mkdtempSync(join(tmpdir(), "modelgate-pg-"));
  if (runAs) chownSync(root, runAs.uid, runAs.gid);
  const dataDir = join(root, "data");
  try {
    await run(bins.initdb, ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], runAs);
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      bins.postgres,
      [
        "-D", dataDir,
        "-p", String(port),
        "-k", root,
        "-c", "listen_addresses=127.0.0.1",
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off",
        "-c", "max_connections=200",
        "-c", "shared_buffers=32MB",
      ],
      { stdio: ["ignore", "pipe", "pipe"], ...(runAs ?? {}), env: { ...process.env, LC_ALL: "C" } },
    );
    let log = "";
    const collect = (d: Buffer): void => {
      log = (log + d.toString()).slice(-20_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const killOnExit = (): void => {
      child.kill("SIGKILL");
    };
    process.once("exit", killOnExit);
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      await waitReady(adminUrl, child, () => log);
    } catch (e) {
      child.kill("SIGKILL");
      process.removeListener("exit", killOnExit);
      // Another process took the port between freePort() and bind: try another one.
      if (attempt < 3 && /could not bind|Address already in use/i.test(log)) continue;
      rmSync(root, { recursive: true, force: true });
      throw e;
    }

    let stopped = false;
    return {
      adminUrl,
      port,
      async createDatabase(name?: string): Promise<string> {
        const db = name ?? `t_${process.pid}_${++dbCounter}`;
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE "${db.replace(/"/g, '""')}"`);
        } finally {
          await client.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(db)}`;
      },
      async stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        process.removeListener("exit", killOnExit);
        if (child.exitCode === null) {
          const exited = new Promise<void>((r) => child.once("exit", () => r()));
          child.kill("SIGQUIT"); // immediate shutdown: nothing here needs to survive
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(root, { recursive: true, force: true });
      },
    };
  }
}
