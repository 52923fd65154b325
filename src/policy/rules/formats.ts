import { expandFormats } from "../formats.js";
import { plural, type BuiltinRule, type RuleOutcome } from "./rule.js";

export const formatsAllowed: BuiltinRule = {
  id: "formats.allowed",
  title: "Only allowed file formats",
  applies: (doc) => doc.formats?.allow !== undefined || doc.formats?.deny !== undefined,
  needs: ["scan"],
  evaluate({ facts, policy, notes }) {
    if (notes.scanError) return [{ status: "error", message: `the scan could not run: ${notes.scanError}` }];
    const cfg = policy.document.formats!;
    const deny = expandFormats(cfg.deny ?? []);
    const allow = cfg.allow ? expandFormats(cfg.allow) : undefined;
    const out: RuleOutcome[] = [];
    const seen = new Set<string>();
    const refused = new Set<string>();
    for (const f of facts.scan.files) {
      if (f.format === "directory") continue;
      seen.add(f.format);
      // A member of a file already denied or refused adds nothing: the container's result names it.
      if (f.container !== undefined && refused.has(f.container)) {
        refused.add(f.path);
        continue;
      }
      const where = f.container ? ` (inside ${f.container})` : "";
      if (deny.has(f.format as never)) {
        const named = (cfg.deny ?? []).find((n) => expandFormats([n]).has(f.format as never)) ?? f.format;
        out.push({ status: "fail", path: f.path, message: `${f.path}${where} is ${f.format}, denied by formats.deny (${named})` });
        refused.add(f.path);
      } else if (allow && !allow.has(f.format as never)) {
        out.push({ status: "fail", path: f.path, message: `${f.path}${where} is ${f.format}, not in formats.allow (${cfg.allow!.join(", ")})` });
        refused.add(f.path);
      }
    }
    if (out.length > 0) return out;
    return [{ status: "pass", message: `${plural(facts.scan.files.length, "file")}, formats: ${[...seen].sort().join(", ") || "none"}` }];
  },
};
