import type { BuiltinRule } from "./rule.js";

/** The licence ids of a simple SPDX expression ("MIT OR Apache-2.0"), with how they combine. */
function alternatives(license: string): { op: "or" | "and"; ids: string[] } {
  const text = license.replace(/[()]/g, " ").trim();
  if (/\s+AND\s+/i.test(text)) return { op: "and", ids: text.split(/\s+AND\s+/i).map((s) => s.trim().toLowerCase()) };
  return { op: "or", ids: text.split(/\s+OR\s+/i).map((s) => s.trim().toLowerCase()) };
}

export const licensesAllowed: BuiltinRule = {
  id: "licenses.allowed",
  title: "Licence allowed",
  applies: (doc) => doc.licenses !== undefined && (doc.licenses.allow !== undefined || doc.licenses.deny !== undefined || doc.licenses.unknown === "fail"),
  needs: ["model"],
  evaluate({ facts, policy, notes }) {
    const cfg = policy.document.licenses!;
    if (notes.metadataError) return [{ status: "error", message: `the model's metadata could not be read: ${notes.metadataError}` }];
    const license = facts.model.license;
    if (!license || license.toLowerCase() === "unknown") {
      return cfg.unknown === "fail"
        ? [{ status: "fail", message: "no licence found in the model card (license:) or the weights' metadata" }]
        : [{ status: "skipped", message: "licence unknown; licenses.unknown allows it" }];
    }
    const { op, ids } = alternatives(license);
    const deny = new Set((cfg.deny ?? []).map((l) => l.toLowerCase()));
    const allow = cfg.allow ? new Set(cfg.allow.map((l) => l.toLowerCase())) : undefined;
    const ok = (id: string) => !deny.has(id) && (!allow || allow.has(id));
    const passes = op === "and" ? ids.every(ok) : ids.some(ok);
    if (passes) return [{ status: "pass", message: `licence ${license} is allowed` }];
    const denied = ids.filter((id) => deny.has(id));
    if (denied.length > 0) return [{ status: "fail", message: `licence ${license} is denied (licenses.deny: ${denied.join(", ")})` }];
    return [{ status: "fail", message: `licence ${license} is not in licenses.allow (${cfg.allow!.join(", ")})` }];
  },
};
