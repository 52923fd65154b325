import type { ProvenanceSourceFacts } from "../facts.js";
import type { BuiltinRule } from "./rule.js";

export const provenanceVerified: BuiltinRule = {
  id: "provenance.verified",
  title: "Signed provenance that matches the files",
  applies: (doc) => doc.provenance !== undefined && (doc.provenance.required === true || doc.provenance.allowed_sources !== undefined),
  needs: ["provenance"],
  evaluate({ facts, policy }) {
    const p = facts.provenance;
    const required = policy.document.provenance!.required === true || policy.document.provenance!.allowed_sources !== undefined;
    if (!p.present) {
      return required
        ? [{ status: "fail", message: `no provenance (looked for ${p.path ?? "MODEL.provenance.json"}); record it with \`modelgate provenance\`` }]
        : [{ status: "skipped", message: "no provenance, and provenance.required is false" }];
    }
    if (policy.material.provenanceKeys.length === 0) {
      return [{ status: "error", message: "the policy names no key to verify provenance with: add provenance.keys (or signature.keys)" }];
    }
    if (!p.verified) return [{ status: "fail", message: `provenance ${p.path ?? ""} does not verify: ${p.error ?? "unknown reason"}` }];
    return [{ status: "pass", message: `provenance verified: downloaded from ${p.source?.url ?? "?"}${p.downloadedAt ? ` on ${p.downloadedAt}` : ""}` }];
  },
};

/** Whether a recorded source is one of the allowed ones (hub org or repository, or URL prefix). */
export function sourceAllowed(source: ProvenanceSourceFacts, allowed: string): boolean {
  const hub = /^(?:https?:\/\/)?(?:huggingface\.co|hf\.co)\/(.+?)\/?$/.exec(allowed) ?? /^hf:\/\/(.+?)\/?$/.exec(allowed);
  if (hub) {
    if (source.kind !== "huggingface" || !source.repository) return false;
    const want = hub[1]!.toLowerCase();
    const repo = source.repository.toLowerCase();
    return want.includes("/") ? repo === want : repo.startsWith(`${want}/`);
  }
  if (source.kind !== "url") return false;
  return source.url.startsWith(allowed);
}

export const provenanceSource: BuiltinRule = {
  id: "provenance.source",
  title: "Downloaded from an allowed source",
  applies: (doc) => doc.provenance?.allowed_sources !== undefined || doc.provenance?.require_revision === true,
  needs: ["provenance"],
  evaluate({ facts, policy }) {
    const cfg = policy.document.provenance!;
    const p = facts.provenance;
    if (!p.present || !p.verified || !p.source) {
      return [{ status: "fail", message: "the model's source is not established: no verified provenance" }];
    }
    const s = p.source;
    const allowed = cfg.allowed_sources;
    if (allowed && !allowed.some((a) => sourceAllowed(s, a))) {
      return [{ status: "fail", message: `source ${s.url} is not allowed (provenance.allowed_sources: ${allowed.join(", ")})` }];
    }
    if (cfg.require_revision === true && !s.revision) {
      return [{ status: "fail", message: `source ${s.url} names no revision: which version was downloaded is not pinned` }];
    }
    return [{ status: "pass", message: `source ${s.url}${allowed ? " is allowed" : ""}${s.revision ? ` (revision ${s.revision})` : ""}` }];
  },
};
