/**
 * `npm run bench:server`: load benchmark of the gate server on loopback (the real CLI, `modelgate serve`, as a
 * child process; embedded SQLite + blob folder by default, PostgreSQL when MODELGATE_BENCH_PG=1).
 *
 * 1. Admission of small models: autocannon drives, on every connection, the three requests of a push —
 *    create version (POST …/versions) → upload one small safetensors file (PUT …/files/model.safetensors) →
 *    complete (POST …/complete → 202) — with a fresh version and file content each time. Reported: admissions/s,
 *    p50/p99 latency per request (autocannon) and per admission (the three requests end to end), and the verdicts/s
 *    of the server's scan worker(s) (time until every admitted version is approved/quarantined/rejected).
 * 2. Memory during a large upload (run first, on the fresh server): one file of --upload-gib GiB (a repeated pattern generated on the fly, never
 *    held in memory) streamed as a PUT body; the server's RSS is sampled from /proc/<pid>/status every 100 ms.
 *
 * Goals (issue 7): ≥ 200 admissions/s, p99 < 100 ms, upload RSS < 256 MB. Bounded: --duration seconds of load,
 * one upload. Options: --duration N (default 10), --connections N (10), --upload-gib N (10, the goal; 0 skips),
 * --workers N (server scan workers, 1), --file-kib N (size of the small model, 4), --pending-cap N (the server's
 * back-pressure limits, MODELGATE_MAX_PENDING_PER_PROJECT and _TOTAL; default: the server's own, 200 per project).
 * Admissions the server refuses for back-pressure (429/503 with Retry-After) are counted apart from errors: with
 * the default cap, a 10 s burst is admitted until 200 versions wait for their verdict; raise the cap to measure
 * the API's raw admission rate.
 * Results: printed as Markdown and saved to bench/out/server-results.{json,md}.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { api, DECIDED, pushVersion, safetensorsBytes, sha256Hex, type GateClient } from "../test/server-scale/gate-client.js";
import { startServe, type ServeProcess } from "../test/server-scale/serve-process.js";
import { startPostgres, type PostgresCluster } from "../test/helpers/postgres.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const OUT = new URL("./out/", import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    "upload-gib": { type: "string", default: "10" },
    workers: { type: "string", default: "1" },
    "file-kib": { type: "string", default: "4" },
    "pending-cap": { type: "string" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const uploadBytes = Math.round(Number(values["upload-gib"]) * GiB);
const workers = Number(values.workers);
const fileBytes = Math.round(Number(values["file-kib"]) * 1024);
const usePg = process.env.MODELGATE_BENCH_PG === "1";
const pendingCap = values["pending-cap"] === undefined ? undefined : Number(values["pending-cap"]);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? "0");
  return kb / 1024;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A small, valid safetensors file whose content is unique to `n` (so no push is deduplicated). */
function smallModel(n: number): Buffer {
  return safetensorsBytes(n, fileBytes);
}

interface AdmissionResult {
  connections: number;
  durationS: number;
  admissions: number;
  admissionsPerS: number;
  requestsPerS: number;
  requestLatencyMs: { p50: number; p90: number; p99: number; max: number };
  admissionLatencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
  /** Requests refused for back-pressure (429/503), part of non2xx. */
  refused: number;
  verdicts: number;
  verdictsPerS: number;
  allDecidedAfterS: number;
  statuses: Record<string, number>;
}

async function benchAdmission(server: ServeProcess, client: GateClient): Promise<AdmissionResult> {
  const project = "bench";
  const model = "small";
  await api(client, "POST", "/api/v1/projects", { name: project });
  // Warm up (JIT, statement caches, first model row).
  for (let i = 0; i < 20; i++) await pushVersion(client, project, model, `warmup.${i}`, [{ path: "model.safetensors", data: smallModel(1_000_000 + i) }]);

  let counter = 0;
  let refused = 0;
  const countRefused = (status: number): void => {
    if (status === 429 || status === 503) refused++;
  };
  const admissionMs: number[] = [];
  const auth = { authorization: `Bearer ${client.token}` };
  const t0 = Date.now();
  const result = await autocannon({
    url: server.url,
    connections,
    duration,
    timeout: 30,
    requests: [
      {
        method: "POST",
        setupRequest: (req, context) => {
          const n = counter++;
          const data = smallModel(n);
          context.n = n;
          context.data = data;
          context.start = performance.now();
          return {
            ...req,
            path: `/api/v1/projects/${project}/models/${model}/versions`,
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify({ version: `1.0.${n}`, files: [{ path: "model.safetensors", size: data.length, sha256: sha256Hex(data) }] }),
          };
        },
        onResponse: (status, body, context) => {
          countRefused(status);
          context.uploadId = status === 201 ? (JSON.parse(body) as { uploadId: string }).uploadId : undefined;
        },
      },
      {
        method: "PUT",
        setupRequest: (req, context) =>
          typeof context.uploadId === "string"
            ? {
                ...req,
                path: `/api/v1/uploads/${context.uploadId}/files/model.safetensors`,
                headers: { ...auth, "content-type": "application/octet-stream" },
                body: context.data as Buffer,
              }
            : undefined,
        onResponse: (status) => countRefused(status),
      },
      {
        method: "POST",
        setupRequest: (req, context) =>
          typeof context.uploadId === "string" ? { ...req, path: `/api/v1/uploads/${context.uploadId}/complete`, headers: { ...auth } } : undefined,
        onResponse: (status, _body, context) => {
          countRefused(status);
          if (status === 202) admissionMs.push(performance.now() - (context.start as number));
        },
      },
    ],
  });
  const loadEnd = Date.now();

  // Verdicts: wait until every admitted version is decided (bounded).
  const deadline = Date.now() + 600_000;
  let statuses: Record<string, number> = {};
  let decided = 0;
  for (;;) {
    const list = await api<{ version: string; status: string }[]>(client, "GET", `/api/v1/projects/${project}/models/${model}/versions`);
    statuses = {};
    for (const v of list) if (!v.version.startsWith("warmup.")) statuses[v.status] = (statuses[v.status] ?? 0) + 1;
    decided = Object.entries(statuses).filter(([s]) => DECIDED.has(s)).reduce((a, [, n]) => a + n, 0);
    const pending = statuses.pending ?? 0;
    if (pending === 0 || workers === 0 || Date.now() > deadline) break; // --workers 0: admission only, no verdicts
    await new Promise((r) => setTimeout(r, 200));
  }
  const allDecided = Date.now();
  const sorted = admissionMs.slice().sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    connections,
    durationS: round(result.duration),
    admissions: admissionMs.length,
    admissionsPerS: round(admissionMs.length / result.duration),
    requestsPerS: round(result.requests.average),
    requestLatencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    admissionLatencyMs: { p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) },
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    refused,
    verdicts: decided,
    verdictsPerS: round(decided / ((allDecided - t0) / 1000)),
    allDecidedAfterS: round((allDecided - loadEnd) / 1000),
    statuses,
  };
}

/** `size` bytes of a repeated 1 MiB pattern, as a stream that reuses one buffer (no allocation per chunk). */
function patternStream(pattern: Buffer, size: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: pattern.length,
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(pattern.length, size - sent);
      sent += n;
      this.push(n === pattern.length ? pattern : pattern.subarray(0, n));
    },
  });
}

interface UploadResult {
  bytes: number;
  seconds: number;
  mibPerS: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  samples: number;
  status: number;
}

async function benchUpload(server: ServeProcess, client: GateClient): Promise<UploadResult> {
  const pattern = Buffer.alloc(MiB);
  for (let i = 0; i < pattern.length; i += 4) pattern.writeUInt32LE((i * 2654435761) >>> 0, i);
  const h = createHash("sha256");
  for (let sent = 0; sent < uploadBytes; sent += pattern.length) h.update(sent + pattern.length <= uploadBytes ? pattern : pattern.subarray(0, uploadBytes - sent));
  const sha256 = h.digest("hex");

  await api(client, "POST", "/api/v1/projects", { name: "big" });
  const created = await api<{ uploadId: string }>(client, "POST", "/api/v1/projects/big/models/large/versions", {
    version: "1.0.0",
    files: [{ path: "model.bin", size: uploadBytes, sha256 }],
  });
  const rssBefore = rssMiB(server.pid);
  let peak = rssBefore;
  let samples = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(server.pid));
      samples++;
    } catch {
      // process gone: the request will fail and say so
    }
  }, 100);
  const start = Date.now();
  const url = new URL(`${client.url}/api/v1/uploads/${created.uploadId}/files/model.bin`);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: "PUT",
        agent: false,
        headers: { authorization: `Bearer ${client.token}`, "content-type": "application/octet-stream", "content-length": String(uploadBytes) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    patternStream(pattern, uploadBytes).pipe(req);
  });
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(server.pid));
  const seconds = (Date.now() - start) / 1000;
  return {
    bytes: uploadBytes,
    seconds: Math.round(seconds * 10) / 10,
    mibPerS: Math.round(uploadBytes / MiB / seconds),
    rssBeforeMiB: Math.round(rssBefore),
    rssPeakMiB: Math.round(peak),
    samples,
    status,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "modelgate-bench-server-"));
  let pg: PostgresCluster | undefined;
  let server: ServeProcess | undefined;
  try {
    const args = ["--data-dir", dataDir, "--port", "0", "--workers", String(workers)];
    if (usePg) {
      pg = await startPostgres();
      args.push("--database-url", await pg.createDatabase("bench"));
    }
    const capEnv = pendingCap === undefined ? {} : { MODELGATE_MAX_PENDING_PER_PROJECT: String(pendingCap), MODELGATE_MAX_PENDING_TOTAL: String(pendingCap) };
    server = await startServe(args, { env: { MODELGATE_LOG_LEVEL: "warn", ...capEnv } });
    if (!server.adminToken) throw new Error(`no admin token printed:\n${server.output()}`);
    const client: GateClient = { url: server.url, token: server.adminToken };
    process.stderr.write(`server ${server.url} (pid ${server.pid}, ${usePg ? "PostgreSQL" : "SQLite"} + folder blobs); admission load for ${duration} s on ${connections} connections…\n`);
    // The upload first, on the freshly started server: its RSS then shows what streaming costs, not the heap
    // left over from thousands of scans.
    let upload: UploadResult | undefined;
    if (uploadBytes > 0) {
      process.stderr.write(`streaming a ${(uploadBytes / GiB).toFixed(1)} GiB upload…\n`);
      upload = await benchUpload(server, client);
    }
    const admission = await benchAdmission(server, client);
    const machine = {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / GiB),
      node: process.version,
      database: usePg ? "PostgreSQL (loopback)" : "SQLite (WAL)",
      blobs: "folder",
      serverWorkers: workers,
      pendingCap: pendingCap ?? "server default (200 per project, 2000 in all)",
    };
    const results = { date: new Date().toISOString(), machine, admission, upload };
    const md = [
      `Gate server benchmark — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.database}, ${workers} scan worker(s), pending cap ${machine.pendingCap}`,
      "",
      "| measure | result | goal |",
      "| --- | --- | --- |",
      `| admissions/s (create + upload ${fileBytes / 1024} KiB safetensors + complete, ${connections} connections, ${admission.durationS} s) | ${admission.admissionsPerS} (${admission.admissions} admitted) | ≥ 200 |`,
      `| request latency p50 / p99 (autocannon, ${admission.requestsPerS} req/s) | ${admission.requestLatencyMs.p50} / ${admission.requestLatencyMs.p99} ms | p99 < 100 ms |`,
      `| admission latency p50 / p99 (three requests end to end) | ${admission.admissionLatencyMs.p50} / ${admission.admissionLatencyMs.p99} ms | |`,
      `| verdicts/s (scan worker, until all ${admission.verdicts} decided) | ${admission.verdictsPerS} | |`,
      `| refused for back-pressure (429/503 with Retry-After) | ${admission.refused} | |`,
      `| errors / other non-2xx | ${admission.errors} / ${admission.non2xx - admission.refused} | 0 |`,
      ...(upload
        ? [`| server RSS during a ${(upload.bytes / GiB).toFixed(1)} GiB streamed upload (before → peak) | ${upload.rssBeforeMiB} → ${upload.rssPeakMiB} MiB at ${upload.mibPerS} MiB/s (HTTP ${upload.status}) | < 256 MB |`]
        : []),
      "",
    ].join("\n");
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "server-results.json"), JSON.stringify(results, null, 2) + "\n");
    writeFileSync(join(OUT, "server-results.md"), md);
    process.stdout.write(md);
  } finally {
    await server?.stop();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:server failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
