import type { Dependency, DependencyIssueCode, DependencySource } from "../types.js";

export type IncludeMode = "requirement" | "constraint";

/**
 * What a format parser yields, in file order: dependencies, issues, and requirements files to include. The caller
 * follows includes on disk or, for text given alone, reports them as "include-missing".
 */
export type DependencyItem =
  | { type: "dependency"; dependency: Dependency }
  | { type: "issue"; code: DependencyIssueCode; message: string; source: DependencySource }
  | { type: "include"; mode: IncludeMode; target: string; source: DependencySource; group?: string };

export function issueItem(code: DependencyIssueCode, message: string, source: DependencySource): DependencyItem {
  return { type: "issue", code, message, source };
}
