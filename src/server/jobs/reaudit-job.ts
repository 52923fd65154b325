import { check, loadPolicy } from "../../check/index.js";
import { audit } from "../../deps/index.js";
import type { ServerContext } from "../context.js";
import { getVersionById, listFiles, updateVersion } from "../db/versions.js";
import { recordEvent, SCANNER_ACTOR, versionSubject } from "../events/audit.js";
import { emitWebhookEvent } from "../events/webhooks.js";
import { effectivePolicy } from "../policy/effective.js";
import { materializeVersion } from "../versions/materialize.js";
import type { Job } from "./queue.js";
import { auditFailures, failingReasons, relativize, storedAudit } from "./scan-job.js";
import { activeVulnDb } from "./vuln-db.js";

/**
 * Re-audits one approved version against the updated vulnerability database (the daily security watch). When its
 * verdict changes to fail it is quarantined with the new reasons ("version.verdict-changed" + "version.quarantined"
 * webhooks); when it still passes, the stored audit is refreshed.
 */
export async function runReauditJob(ctx: ServerContext, job: Job): Promise<void> {
  const v = await getVersionById(ctx.db, String(job.payload.versionId));
  if (!v || v.status !== "approved") return;
  const vulnDb = activeVulnDb(ctx.config);
  if (!vulnDb) return;
  const m = await materializeVersion(ctx.blobs, ctx.config.tmpDir, `scan-reaudit-${job.id.slice(0, 8)}`, v.model, await listFiles(ctx.db, v.id));
  try {
    const rel = <T>(x: T): T => relativize(x, m.root);
    const report = storedAudit(await audit([m.dir], { db: vulnDb }), m.root);
    const reasons = auditFailures(report);
    const policy = await effectivePolicy(ctx.db, ctx.config, v.project_id);
    const loaded = policy ? await loadPolicy({ text: policy.yaml, file: policy.file }) : undefined;
    const verdict = rel(await check([m.dir], { ...(loaded !== undefined ? { policy: loaded } : { profile: "default" }), db: vulnDb }));
    const failed = verdict.models[0]?.verdict === "fail";
    if (failed) reasons.push(...failingReasons(verdict));
    const now = new Date().toISOString();
    await ctx.db.transaction(async (tx) => {
      if (!failed) {
        await tx.run("UPDATE versions SET audit = ? WHERE id = ? AND status = 'approved'", [JSON.stringify(report), v.id]);
        return;
      }
      const reasonList = reasons.length > 0 ? [...new Set(reasons)].slice(0, 50) : ["the verdict failed after the vulnerability database update"];
      const ok = await updateVersion(tx, v.id, ["approved"], {
        status: "quarantined",
        reasons: JSON.stringify(reasonList),
        audit: JSON.stringify(report),
        verdict: JSON.stringify(verdict),
        decided_at: now,
        decided_by: SCANNER_ACTOR,
      });
      if (!ok) return;
      const subject = versionSubject(v);
      await recordEvent(ctx, { type: "reaudit.verdict-changed", actor: SCANNER_ACTOR, project: v.project, subject, data: { from: "pass", to: "fail", reasons: reasonList } }, tx);
      await recordEvent(ctx, { type: "version.quarantined", actor: SCANNER_ACTOR, project: v.project, subject, data: { reasons: reasonList, cause: "vulnerability database update" } }, tx);
      const data = { project: v.project, model: v.model, version: v.version, status: "quarantined", previousStatus: "approved", reasons: reasonList, by: SCANNER_ACTOR };
      await emitWebhookEvent(ctx, tx, "version.verdict-changed", data);
      await emitWebhookEvent(ctx, tx, "version.quarantined", data);
    });
    ctx.queue.notify();
  } finally {
    await m.cleanup();
  }
}
