import { parseSpecifierSet, specifierHull, type VersionInterval } from "../pep440/index.js";
import { matchAffected, type DependencyVersion } from "../osv/match.js";
import type { AdviceMatch } from "../audit-report.js";
import type { Dependency } from "../types.js";
import { ADVICE, type AdviceEntry } from "./table.js";

const intervals = new Map<AdviceEntry, VersionInterval>();

/** The affected interval of an advice entry (its specifier has only ordered comparisons). */
export function adviceInterval(e: AdviceEntry): VersionInterval {
  let i = intervals.get(e);
  if (!i) {
    const set = parseSpecifierSet(e.affected);
    if (!set || set.clauses.some((c) => !["<", "<=", ">", ">="].includes(c.operator))) throw new Error(`advice ${e.id}: affected must use only <, <=, >, >= (got ${e.affected})`);
    i = specifierHull(set);
    intervals.set(e, i);
  }
  return i;
}

/** Advice items that concern a dependency. */
export function matchAdvice(dep: Dependency, version: DependencyVersion, table: readonly AdviceEntry[] = ADVICE): AdviceMatch[] {
  const out: AdviceMatch[] = [];
  for (const e of table) {
    if (e.package !== dep.name) continue;
    const hit = matchAffected(version, { intervals: [adviceInterval(e)], versions: [], fixed: e.fixed ? [e.fixed] : [] });
    if (!hit) continue;
    const what = version.pinned ? `${dep.name} ${dep.version} is in ${e.affected}` : `${dep.name}${dep.specifier ? ` ${dep.specifier}` : " (any version)"} allows affected versions ${hit.allowed}`;
    const m: AdviceMatch = {
      id: e.id,
      package: dep.name,
      specifier: dep.specifier,
      pinned: version.pinned,
      severity: e.severity,
      title: e.title,
      why: e.why,
      affected: e.affected,
      message: `${what}: ${e.title}`,
      cves: [...e.cves],
      references: [...e.references],
      source: { ...dep.source },
    };
    if (dep.version !== undefined) m.version = dep.version;
    if (e.fixed) m.fixed = e.fixed;
    out.push(m);
  }
  return out;
}
