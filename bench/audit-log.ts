/**
 * `npm run bench:audit-log`: the audit log at scale on SQLite (the embedded default). Appends N entries (default
 * 100 000), each in its own transaction as the server does, and measures: time per append (mean, p50, p99),
 * checkpoint time (cold: a new process loading N leaf hashes and signing; warm: one entry more), inclusion and
 * consistency proof time at N (mean over 1000 random proofs, library and HTTP), and `audit-log verify` over
 * loopback (the verify client fetching, re-hashing and checking all N entries). Peak RSS is reported.
 * Options: --entries N. Results: printed as Markdown and saved to bench/out/audit-log-results.{json,md}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAuditLog } from "../src/server/audit/log.js";
import { verifyAuditLog } from "../src/server/audit/verify-client.js";
import { createSqliteDatabase } from "../src/server/storage/sqlite.js";
import { AUDITOR_TOKEN, startAuditLogServer } from "../test/helpers/audit-log-server.js";

const OUT = new URL("./out/", import.meta.url).pathname;
const { values } = parseArgs({ options: { entries: { type: "string", default: "100000" } } });
const N = Number(values.entries);
if (!Number.isSafeInteger(N) || N < 2) throw new Error("--entries must be a whole number ≥ 2");

const now = (): number => performance.now();
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rssTimer = setInterval(sampleRss, 50);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "modelgate-bench-auditlog-"));
  const keyDir = join(dir, "keys");
  try {
    const db = await createSqliteDatabase(join(dir, "audit.db"));
    const log = await createAuditLog(db, { keyDir, origin: "bench.modelgate/audit-log" });

    // Appends, one transaction each.
    const times: number[] = new Array<number>(N);
    const t0 = now();
    for (let i = 0; i < N; i++) {
      const s = now();
      await log.append({
        type: i % 10 === 0 ? "version.approved" : "download",
        actor: `token:${(i % 97).toString(16).padStart(8, "0")} (user${i % 97})`,
        project: `project-${i % 13}`,
        subject: `project-${i % 13}/model-${i % 31}@1.${i % 7}.0`,
        data: { path: `model-${i % 5}.safetensors`, bytes: 1_000_000 + i, reason: i % 10 === 0 ? "scan clean, policy passed" : undefined },
      });
      times[i] = now() - s;
      if (i % 10_000 === 0) {
        sampleRss();
        process.stderr.write(`\rappending ${i}/${N}`);
      }
    }
    const appendTotal = now() - t0;
    process.stderr.write("\r\u001b[2K");
    const sorted = [...times].sort((a, b) => a - b);

    // Checkpoints.
    let s = now();
    await log.checkpoint();
    const checkpointFirst = now() - s;
    const cold = await createAuditLog(db, { keyDir, origin: "bench.modelgate/audit-log" });
    s = now();
    await cold.checkpoint();
    const checkpointCold = now() - s;
    await log.append({ type: "download", actor: "bench" });
    s = now();
    const cp = await log.checkpoint();
    const checkpointWarm = now() - s;
    s = now();
    await log.checkpoint();
    const checkpointUnchanged = now() - s;

    // Proofs at the full size.
    const size = cp.size;
    const PROOFS = 1000;
    s = now();
    for (let i = 0; i < PROOFS; i++) await log.inclusionProof(Math.floor(Math.random() * size), size);
    const inclusion = (now() - s) / PROOFS;
    s = now();
    for (let i = 0; i < PROOFS; i++) await log.consistencyProof(1 + Math.floor(Math.random() * (size - 1)), size);
    const consistency = (now() - s) / PROOFS;

    // The verify client over loopback, against a server on the same database.
    const srv = await startAuditLogServer(dir, { db, keyDir, origin: "bench.modelgate/audit-log" });
    s = now();
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${srv.url}/api/v1/audit-log/proof/inclusion?index=${Math.floor(Math.random() * size)}&size=${size}`, { headers: { authorization: `Bearer ${AUDITOR_TOKEN}` } });
      await res.json();
    }
    const inclusionHttp = (now() - s) / 200;
    s = now();
    const result = await verifyAuditLog({ server: srv.url, token: AUDITOR_TOKEN, statePath: join(dir, "state.json"), onProgress: sampleRss });
    const verifyMs = now() - s;
    if (!result.verified) throw new Error(`verify failed: ${JSON.stringify(result.problems)}`);
    s = now();
    const again = await verifyAuditLog({ server: srv.url, token: AUDITOR_TOKEN, statePath: join(dir, "state.json") });
    const verifyAgainMs = now() - s;
    if (!again.verified) throw new Error("second verify failed");
    await srv.close();
    await db.close();

    const results = {
      entries: N,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      appendMsMean: appendTotal / N,
      appendMsP50: quantile(sorted, 0.5),
      appendMsP99: quantile(sorted, 0.99),
      appendsPerSecond: N / (appendTotal / 1000),
      checkpointFirstMs: checkpointFirst,
      checkpointColdMs: checkpointCold,
      checkpointWarmMs: checkpointWarm,
      checkpointUnchangedMs: checkpointUnchanged,
      inclusionProofMs: inclusion,
      consistencyProofMs: consistency,
      inclusionProofHttpMs: inclusionHttp,
      verifyClientMs: verifyMs,
      verifyClientEntriesPerSecond: size / (verifyMs / 1000),
      verifyClientSecondRunMs: verifyAgainMs,
      peakRssMiB: peakRss / 1024 ** 2,
    };
    const f = (n: number, d = 3): string => n.toFixed(d);
    const md = [
      `## Audit log benchmark (${N.toLocaleString("en")} entries, SQLite, ${results.machine.cpus} cores, Node ${process.version})`,
      "",
      "| measure | value |",
      "|---|---|",
      `| append (own transaction) | mean ${f(results.appendMsMean)} ms, p50 ${f(results.appendMsP50)} ms, p99 ${f(results.appendMsP99)} ms (${Math.round(results.appendsPerSecond)}/s) |`,
      `| checkpoint, first at ${N} (tree loaded + signed) | ${f(checkpointFirst, 1)} ms |`,
      `| checkpoint, cold process (loads ${N} leaf hashes, self-check, sign) | ${f(checkpointCold, 1)} ms |`,
      `| checkpoint after one more entry | ${f(checkpointWarm, 2)} ms |`,
      `| checkpoint, size unchanged (stored one) | ${f(checkpointUnchanged, 2)} ms |`,
      `| inclusion proof at ${size} (library) | ${f(inclusion)} ms |`,
      `| consistency proof at ${size} (library) | ${f(consistency)} ms |`,
      `| inclusion proof over HTTP (loopback) | ${f(inclusionHttp)} ms |`,
      `| audit-log verify, ${size} entries over loopback | ${f(verifyMs / 1000, 2)} s (${Math.round(results.verifyClientEntriesPerSecond)} entries/s) |`,
      `| audit-log verify again (with consistency from the saved checkpoint) | ${f(verifyAgainMs / 1000, 2)} s |`,
      `| peak RSS (server + client in one process) | ${f(results.peakRssMiB, 0)} MiB |`,
      "",
    ].join("\n");
    process.stdout.write(`${md}\n`);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "audit-log-results.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(OUT, "audit-log-results.md"), md);
  } finally {
    clearInterval(rssTimer);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
