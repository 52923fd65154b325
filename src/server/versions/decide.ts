import { ModelgateError } from "../../core/errors.js";
import type { Principal } from "../auth/authorize.js";
import type { ServerContext } from "../context.js";
import { getVersionById, listFiles, updateVersion, type VersionRef, type VersionRow, type VersionStatus } from "../db/versions.js";
import { actorOf, recordEvent, versionSubject } from "../events/audit.js";
import { emitWebhookEvent } from "../events/webhooks.js";
import { signModelFolder } from "../signing/sign-version.js";
import { materializeVersion } from "./materialize.js";

export type Decision = "approve" | "quarantine" | "reject" | "revoke" | "release";

/** Which statuses each decision may start from, and where it leads. */
const TRANSITIONS: Record<Decision, { from: readonly VersionStatus[]; to: VersionStatus }> = {
  approve: { from: ["quarantined"], to: "approved" },
  quarantine: { from: ["approved", "quarantined"], to: "quarantined" },
  reject: { from: ["pending", "approved", "quarantined"], to: "rejected" },
  revoke: { from: ["pending", "approved", "quarantined", "rejected"], to: "revoked" },
  release: { from: ["quarantined"], to: "quarantined" },
};

const EVENT: Record<Decision, string> = {
  approve: "version.approved",
  quarantine: "version.quarantined",
  reject: "version.rejected",
  revoke: "version.revoked",
  release: "version.released",
};

export function checkReason(reason: unknown): string {
  if (typeof reason !== "string" || reason.trim() === "") throw new ModelgateError("INVALID_OPTION", "a reason is required (JSON body {\"reason\": \"…\"})");
  if (reason.length > 2000) throw new ModelgateError("INVALID_OPTION", "the reason is longer than 2000 characters");
  return reason.trim();
}

/**
 * A reviewer's or admin's decision on a version (the route has already authorised the permission). Attribute rules:
 * the token that pushed a version can neither approve nor release it (four eyes); approving signs the version with
 * the server's key; release keeps the quarantined status and its reasons but makes the files downloadable.
 */
export async function decideVersion(ctx: ServerContext, v: VersionRef, decision: Decision, principal: Principal, reasonInput: unknown): Promise<VersionRef> {
  const reason = checkReason(reasonInput);
  const t = TRANSITIONS[decision];
  if ((decision === "approve" || decision === "release") && v.created_by === principal.tokenId) {
    throw new ModelgateError("FORBIDDEN", `the token that pushed ${versionSubject(v)} cannot ${decision} it: another reviewer must`);
  }
  const conflict = (): never => {
    throw new ModelgateError("CONFLICT", `cannot ${decision} ${versionSubject(v)}: it is ${v.status}${v.released_at ? " (released)" : ""}`);
  };
  if (!t.from.includes(v.status)) conflict();
  if (decision === "release" && v.released_at) conflict();

  const now = new Date().toISOString();
  const set: Partial<Record<keyof VersionRow, string | null>> = { status: t.to, decided_at: now, decided_by: actorOf(principal) };
  if (decision === "approve") {
    const files = await listFiles(ctx.db, v.id);
    const m = await materializeVersion(ctx.blobs, ctx.config.tmpDir, "sign", v.model, files);
    try {
      const sig = await signModelFolder(ctx.serverKey, m.dir, m.root);
      set.signature = sig.bundle;
      set.signature_info = JSON.stringify(sig.info);
    } finally {
      await m.cleanup();
    }
    set.reasons = "[]";
  } else if (decision === "release") {
    delete set.status;
    delete set.decided_at;
    delete set.decided_by;
    set.released_by = actorOf(principal);
    set.released_reason = reason;
    set.released_at = now;
  } else {
    set.reasons = JSON.stringify([reason]);
    set.released_by = null;
    set.released_reason = null;
    set.released_at = null;
  }
  await ctx.db.transaction(async (tx) => {
    const ok =
      decision === "release"
        ? (
            await tx.run("UPDATE versions SET released_by = ?, released_reason = ?, released_at = ? WHERE id = ? AND status = 'quarantined' AND released_at IS NULL", [
              set.released_by ?? null,
              reason,
              now,
              v.id,
            ])
          ).changes > 0
        : await updateVersion(tx, v.id, [v.status], set);
    if (!ok) conflict();
    await recordEvent(ctx, { type: EVENT[decision], actor: actorOf(principal), project: v.project, subject: versionSubject(v), data: { from: v.status, to: t.to, reason } }, tx);
    if (decision !== "release") {
      const hook = EVENT[decision] as "version.approved" | "version.quarantined" | "version.rejected" | "version.revoked";
      await emitWebhookEvent(ctx, tx, hook, { project: v.project, model: v.model, version: v.version, status: t.to, reasons: decision === "approve" ? [] : [reason], by: principal.name });
    }
  });
  ctx.queue.notify();
  const updated = await getVersionById(ctx.db, v.id);
  if (!updated) throw new ModelgateError("NOT_FOUND", `${versionSubject(v)} disappeared`);
  return updated;
}
