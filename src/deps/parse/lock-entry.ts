/** What a lock file's package entry adds to the parse: the dependency, and the notes every lock format owes it. */
import type { Dependency, DependencySource } from "../types.js";
import { redactUrlCredentials } from "./direct-reference.js";
import { type DependencyItem, issueItem } from "./items.js";
import { noVersionIssue } from "./requirement-string.js";

/**
 * The dependency, a no-version issue when the lock has no version for it, and — once per index — an
 * unsupported-option issue when it comes from a package index other than PyPI (`index`: that index's URL).
 */
export function lockEntryItems(dep: Dependency, source: DependencySource, index: string | undefined, reportedIndexes: Set<string>): DependencyItem[] {
  const items: DependencyItem[] = [{ type: "dependency", dependency: dep }];
  if (dep.version === undefined) {
    if (dep.url !== undefined) items.push(noVersionIssue(dep));
    else items.push(issueItem("no-version", `${dep.rawName}: locked without a version`, source));
  }
  if (index !== undefined && !reportedIndexes.has(index)) {
    reportedIndexes.add(index);
    items.push(
      issueItem(
        "unsupported-option",
        `${dep.rawName} (and any other package from the same index) is locked from index ${redactUrlCredentials(index)}, not PyPI (dependency confusion risk)`,
        source,
      ),
    );
  }
  return items;
}
