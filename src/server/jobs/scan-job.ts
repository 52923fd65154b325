import { basename } from "node:path";
import { check, loadPolicy, type CheckReport } from "../../check/index.js";
import type { Report } from "../../core/report.js";
import { audit, type AuditReport } from "../../deps/index.js";
import { sbom } from "../../sbom/index.js";
import { scan } from "../../scan/scan.js";
import type { ServerContext } from "../context.js";
import { getVersionById, listFiles, setFileFormats, updateVersion, type ScanSummary, type VersionRef, type VersionStatus } from "../db/versions.js";
import { recordEvent, SCANNER_ACTOR, versionSubject } from "../events/audit.js";
import { emitWebhookEvent } from "../events/webhooks.js";
import { effectivePolicy } from "../policy/effective.js";
import { signModelFolder, type ServerSignature } from "../signing/sign-version.js";
import { CorruptBlobError } from "../storage/verifying.js";
import { materializeVersion } from "../versions/materialize.js";
import type { Job } from "./queue.js";
import { activeVulnDb } from "./vuln-db.js";

const MAX_REASONS = 50;

/** Rewrites the temporary folder out of every path in a JSON value (reports name files as `<model>/<path>`). */
export function relativize<T>(value: T, root: string): T {
  const needle = JSON.stringify(`${root}/`).slice(1, -1);
  return JSON.parse(JSON.stringify(value).split(needle).join("")) as T;
}

/**
 * A dependency audit as the server stores and serves it: model paths relative to the model, and no path of the
 * server's own (the OSV folder is named by its source and digest; each record by its path inside that folder).
 */
export function storedAudit(raw: AuditReport, root: string): AuditReport {
  const report = relativize(raw, root);
  delete report.database.path;
  // An uploaded or local database and its record files are files of the server's: their names say enough (URLs stay).
  const name = (p: string): string => (/^https?:\/\//.test(p) ? p : basename(p));
  if (report.database.source !== undefined) report.database.source = name(report.database.source);
  for (const v of report.vulnerabilities) v.records = v.records.map(name);
  return report;
}

function summarize(report: Report): ScanSummary {
  const s = report.summary;
  return { ...(s.highestSeverity ? { maxSeverity: s.highestSeverity } : {}), findings: s.findings, bySeverity: { ...s.bySeverity } };
}

/** One line per failing rule: the policy engine's reasons, else the failing (or errored) results' messages. */
export function failingReasons(verdict: CheckReport): string[] {
  const model = verdict.models[0];
  if (!model) return ["the policy engine returned no verdict"];
  if (model.reasons.length > 0) return [...model.reasons];
  return model.results.filter((r) => r.status === "fail" || r.status === "error").map((r) => `${r.ruleId}: ${r.message}`);
}

/** Reasons from a dependency audit that failed its gate (vulnerabilities at or above high). */
export function auditFailures(report: AuditReport | undefined): string[] {
  if (!report?.summary.failed) return [];
  return report.vulnerabilities
    .filter((x) => x.severity === "critical" || x.severity === "high")
    .map((x) => `dependency ${x.package}: ${x.id} (${x.severity}) ${x.summary}`);
}

export interface Outcome {
  status: Extract<VersionStatus, "approved" | "quarantined" | "rejected">;
  reasons: string[];
}

/**
 * The admission decision. rejected: the scan found a critical finding (known-dangerous behaviour: code execution,
 * shell, file writes, network, dynamic import, code objects, tampering) — final, no release; quarantined: the
 * policy verdict failed (reasons: the failing results' messages) — a reviewer may approve or an admin release it;
 * approved: the verdict passed.
 */
export function decideOutcome(report: Report, verdict: "pass" | "fail", failing: readonly string[]): Outcome {
  const critical = report.files.flatMap((f) => f.findings.filter((x) => x.severity === "critical").map((x) => `${x.ruleId} in ${f.path}: ${x.message}`));
  if (critical.length > 0) return { status: "rejected", reasons: [...critical, ...failing].slice(0, MAX_REASONS) };
  if (verdict === "fail") return { status: "quarantined", reasons: (failing.length > 0 ? [...failing] : ["the policy verdict failed"]).slice(0, MAX_REASONS) };
  return { status: "approved", reasons: [] };
}

/**
 * Scans, checks, documents (SBOM, dependency audit) and decides one pushed version; signs it when approved. An error
 * retries the job; on its last attempt the version is quarantined (it could not be verified), never approved.
 */
export async function runScanJob(ctx: ServerContext, job: Job): Promise<void> {
  try {
    await scanVersion(ctx, job);
  } catch (e) {
    // A stored file that no longer hashes to its digest (verified while the worker read it): never scanned,
    // approved or signed; retrying would read the same bytes.
    const corrupt = e instanceof CorruptBlobError;
    if (corrupt) ctx.log.error({ err: e, sha256: e.sha256 }, "a stored file is corrupt");
    if (!corrupt && job.attempts < job.maxAttempts) throw e;
    const v = await getVersionById(ctx.db, String(job.payload.versionId));
    if (v?.status === "pending") {
      await finish(ctx, v, { status: "quarantined", reasons: [`the version could not be verified: ${(e as Error).message}`] }, {});
    }
  }
}

async function scanVersion(ctx: ServerContext, job: Job): Promise<void> {
  const versionId = String(job.payload.versionId);
  const v = await getVersionById(ctx.db, versionId);
  if (!v || v.status !== "pending") return; // decided already (or revoked meanwhile)
  if (job.attempts > job.maxAttempts) {
    await finish(ctx, v, { status: "quarantined", reasons: [`the scan failed ${job.maxAttempts} times; the version could not be verified`] }, {});
    return;
  }
  const files = await listFiles(ctx.db, v.id);
  const m = await materializeVersion(ctx.blobs, ctx.config.tmpDir, `scan-${job.id.slice(0, 8)}`, v.model, files);
  try {
    const rawReport = await scan([m.dir]);
    const report = relativize(rawReport, m.root);
    const policy = await effectivePolicy(ctx.db, ctx.config, v.project_id);
    const vulnDb = activeVulnDb(ctx.config);
    let rawAudit: AuditReport | undefined;
    let auditReport: AuditReport | undefined;
    if (vulnDb) {
      try {
        rawAudit = await audit([m.dir], { db: vulnDb });
        auditReport = storedAudit(rawAudit, m.root);
      } catch (e) {
        ctx.log.warn({ err: e, version: versionSubject(v) }, "no dependency audit for this version");
      }
    }

    // The organisation's (or project's) policy, else the default profile. A policy that cannot be applied is an
    // error: the job retries, then quarantines the version.
    const loaded = policy ? await loadPolicy({ text: policy.yaml, file: policy.file }) : undefined;
    const verdict = relativize(
      await check([m.dir], { ...(loaded !== undefined ? { policy: loaded } : { profile: "default" }), scanReport: rawReport, ...(rawAudit ? { auditReport: rawAudit } : {}), ...(vulnDb ? { db: vulnDb } : {}) }),
      m.root,
    );
    const verdictValue = verdict.models[0]?.verdict === "pass" ? "pass" : "fail";
    const failing = verdictValue === "fail" ? failingReasons(verdict) : [];

    const extras: Record<string, string | null> = {};
    try {
      extras.sbom = JSON.stringify(relativize((await sbom(m.dir, { format: "cyclonedx", report: rawReport })).document, m.root));
    } catch (e) {
      ctx.log.warn({ err: e, version: versionSubject(v) }, "no SBOM for this version");
    }
    if (auditReport) extras.audit = JSON.stringify(auditReport);

    const outcome = decideOutcome(report, verdictValue, failing);
    let signature: ServerSignature | undefined;
    if (outcome.status === "approved") signature = await signModelFolder(ctx.serverKey, m.dir, m.root);

    const prefix = `${v.model}/`;
    const formats = new Map<string, string>();
    for (const f of report.files) if (f.container === undefined && f.path.startsWith(prefix)) formats.set(f.path.slice(prefix.length), f.format);

    await finish(ctx, v, outcome, {
      report: JSON.stringify(report),
      scan_summary: JSON.stringify(summarize(report)),
      verdict: JSON.stringify({ ...verdict, ...(policy ? { policy: { source: policy.source, digest: policy.digest } } : {}) }),
      ...extras,
      ...(signature ? { signature: signature.bundle, signature_info: JSON.stringify(signature.info) } : {}),
    }, formats);
  } finally {
    await m.cleanup();
  }
}

async function finish(ctx: ServerContext, v: VersionRef, outcome: Outcome, columns: Record<string, string | null>, formats = new Map<string, string>()): Promise<void> {
  const now = new Date().toISOString();
  await ctx.db.transaction(async (tx) => {
    const ok = await updateVersion(tx, v.id, ["pending"], {
      ...columns,
      status: outcome.status,
      reasons: JSON.stringify(outcome.reasons),
      scanned_at: now,
      decided_at: now,
      decided_by: SCANNER_ACTOR,
    });
    if (!ok) return; // someone decided meanwhile (revoke, reject): theirs stands
    await setFileFormats(tx, v.id, formats);
    const subject = versionSubject(v);
    const summary = columns.scan_summary ? (JSON.parse(columns.scan_summary) as ScanSummary) : undefined;
    await recordEvent(ctx, { type: "scan.completed", actor: SCANNER_ACTOR, project: v.project, subject, data: { ...(summary ? { scan: summary } : {}) } }, tx);
    const verdict = columns.verdict ? (JSON.parse(columns.verdict) as { policy?: unknown }) : undefined;
    await recordEvent(ctx, { type: "policy.verdict", actor: SCANNER_ACTOR, project: v.project, subject, data: { status: outcome.status, reasons: outcome.reasons, ...(verdict?.policy ? { policy: verdict.policy } : {}) } }, tx);
    await recordEvent(ctx, { type: `version.${outcome.status}`, actor: SCANNER_ACTOR, project: v.project, subject, data: { reasons: outcome.reasons } }, tx);
    await emitWebhookEvent(ctx, tx, `version.${outcome.status}`, { project: v.project, model: v.model, version: v.version, status: outcome.status, reasons: outcome.reasons, by: SCANNER_ACTOR });
  });
  ctx.queue.notify();
}
