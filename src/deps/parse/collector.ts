import type { Dependency, DependencyIssue, DependencyIssueCode, DependencySource } from "../types.js";
import type { DependencyParseLimits } from "./limits.js";

/**
 * Gathers the dependencies and issues of one top-level file (and its includes), in order, enforcing
 * `maxDependencies`: past it, one "limit-exceeded" issue is recorded and further dependencies are dropped.
 */
export class DependencyCollector {
  readonly dependencies: Dependency[] = [];
  readonly issues: DependencyIssue[] = [];
  private overflowReported = false;

  constructor(readonly limits: Readonly<DependencyParseLimits>) {}

  get full(): boolean {
    return this.dependencies.length >= this.limits.maxDependencies;
  }

  addDependency(dep: Dependency): void {
    if (this.full) {
      if (!this.overflowReported) {
        this.overflowReported = true;
        this.issue(
          "limit-exceeded",
          `more than ${this.limits.maxDependencies} dependencies: the rest are not audited`,
          dep.source,
        );
      }
      return;
    }
    this.dependencies.push(dep);
  }

  issue(code: DependencyIssueCode, message: string, source: DependencySource): void {
    // Bounded too: a hostile file of a million bad lines must not make a million issues.
    if (this.issues.length >= this.limits.maxDependencies) return;
    this.issues.push({ code, message, source: { ...source } });
  }
}

/** A source location; `line` left out when unknown (never a guessed line). */
export function sourceAt(file: string, line: number | undefined): DependencySource {
  return line === undefined ? { file } : { file, line };
}
