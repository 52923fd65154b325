import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../src/server/audit/entry.js";
import { createAuditLog } from "../src/server/audit/log.js";
import { rootOf } from "../src/server/audit/merkle.js";
import { verifyAuditLog } from "../src/server/audit/verify-client.js";
import { createPostgresDatabase } from "../src/server/storage/postgres.js";
import type { SqlDatabase } from "../src/server/storage/types.js";
import { AUDITOR_TOKEN, startAuditLogServer } from "./helpers/audit-log-server.js";
import { postgresSupport, startPostgres, type PostgresCluster } from "./helpers/postgres.js";

const pgSupport = postgresSupport();

/** The same audit log code on PostgreSQL: two "nodes" (separate pools) appending to one log. */
describe.skipIf(pgSupport.skip)("audit log on PostgreSQL", () => {
  let cluster: PostgresCluster;
  let dir: string;
  const dbs: SqlDatabase[] = [];

  beforeAll(async () => {
    cluster = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), "modelgate-auditlog-pg-"));
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.close().catch(() => undefined);
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives two nodes' concurrent appends dense indices, signs the same heads and verifies; a changed row is named", async () => {
    const url = await cluster.createDatabase("auditlog");
    const keyDir = join(dir, "keys"); // nodes of one deployment share the log key
    const a = await createPostgresDatabase(url);
    const b = await createPostgresDatabase(url);
    dbs.push(a, b);
    const [logA, logB] = await Promise.all([createAuditLog(a, { keyDir, origin: "gate.test/pg" }), createAuditLog(b, { keyDir, origin: "gate.test/pg" })]);

    // Appends inside the callers' transactions, interleaved across both pools.
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).transaction(async (tx) => (i % 2 ? logA : logB).append({ type: "download", actor: `node-${i % 2}`, data: { i } }, tx)),
      ),
    );
    const entries = await logA.entries(0, 100);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(await logB.size()).toBe(60);
    const [cpA, cpB] = [await logA.checkpoint(), await logB.checkpoint()];
    expect(cpA.rootHash).toBe(rootOf(entries.map((e) => Buffer.from(e.leafHash, "hex"))).toString("base64"));
    expect(cpB.rootHash).toBe(cpA.rootHash);
    expect(cpB.note).toBe(cpA.note);

    const srv = await startAuditLogServer(dir, { db: a, keyDir, origin: "gate.test/pg" });
    try {
      const statePath = join(dir, "state.json");
      expect(await verifyAuditLog({ server: srv.url, token: AUDITOR_TOKEN, statePath })).toMatchObject({ verified: true, size: 60 });
      await a.run("UPDATE audit_entries SET data = ? WHERE idx = ?", [canonicalJson({ i: 999 }), 42]);
      const r = await verifyAuditLog({ server: srv.url, token: AUDITOR_TOKEN, statePath });
      expect(r.verified).toBe(false);
      expect(r.problems[0]).toMatchObject({ index: 42 });
    } finally {
      await srv.close();
    }
  });
});
