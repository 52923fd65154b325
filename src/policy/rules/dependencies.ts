import { isSeverity } from "../../core/severity.js";
import { aboveMax } from "./scan.js";
import { plural, type BuiltinRule, type RuleOutcome } from "./rule.js";

function unavailable(error: string, requireDb: boolean): RuleOutcome {
  return requireDb
    ? { status: "error", message: `no vulnerability audit: ${error}` }
    : { status: "skipped", message: `no vulnerability audit (dependencies.require_database is false; only modelgate's built-in advice was checked): ${error}` };
}

export const dependencyVulnerabilities: BuiltinRule = {
  id: "dependencies.vulnerabilities",
  title: "No known vulnerability above the allowed severity in the model's Python dependencies",
  applies: (doc) => doc.dependencies?.max_severity !== undefined,
  needs: ["dependencies"],
  evaluate({ facts, policy }) {
    const cfg = policy.document.dependencies!;
    const d = facts.dependencies;
    const max = cfg.max_severity!;
    const out: RuleOutcome[] = [];
    for (const v of d.vulnerabilities) {
      const sev = isSeverity(v.severity) ? v.severity : "high";
      if (!aboveMax(sev, max)) continue;
      if (cfg.ignore_unfixed === true && v.fixed.length === 0) continue;
      const fix = v.fixed.length > 0 ? `; fixed in ${v.fixed.join(", ")}` : "; no fixed version";
      const aliases = v.aliases.length > 0 ? ` (${v.aliases.slice(0, 3).join(", ")})` : "";
      out.push({
        status: "fail",
        severity: sev,
        path: v.file,
        finding: v.id,
        aliases: v.aliases,
        message: `${v.package} ${v.version || "(unpinned)"} in ${v.file}${v.line ? `:${v.line}` : ""}: ${v.id}${aliases} ${sev}${fix}`,
      });
    }
    // Without a database only modelgate's built-in advice was checked (gather fills it in): what it found fails
    // whatever require_database says, and the missing audit is reported beside it.
    if (d.error) return [...out, unavailable(d.error, cfg.require_database !== false)];
    if (out.length > 0) return out;
    const files = d.files.length === 0 ? "no dependency files" : plural(d.files.length, "dependency file");
    return [{ status: "pass", message: `${files}; ${plural(d.vulnerabilities.length, "known vulnerability")}, none above the limit (${max})` }];
  },
};

export const dependencyDatabase: BuiltinRule = {
  id: "dependencies.database",
  title: "Vulnerability database recent enough",
  applies: (doc) => doc.dependencies?.max_database_age_days !== undefined,
  needs: ["dependencies"],
  evaluate({ facts, policy }) {
    const cfg = policy.document.dependencies!;
    const d = facts.dependencies;
    if (d.error) return [unavailable(d.error, cfg.require_database !== false)];
    const max = cfg.max_database_age_days!;
    if (d.databaseAgeDays === undefined) return [{ status: "fail", message: "the vulnerability database does not say when it was updated" }];
    if (d.databaseAgeDays > max) {
      return [{ status: "fail", message: `the vulnerability database is ${d.databaseAgeDays} days old (at most ${max} allowed): run \`modelgate db update\`` }];
    }
    return [{ status: "pass", message: `the vulnerability database is ${d.databaseAgeDays} days old (at most ${max})` }];
  },
};
