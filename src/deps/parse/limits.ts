/** Limits of the dependency file parsers. Hitting one is reported (LimitError or a "limit-exceeded" issue). */
export interface DependencyParseLimits {
  /** Bytes of one dependency file (and of each file it includes). */
  maxBytes: number;
  /** Physical lines of one requirements file. */
  maxLines: number;
  /** `-r` / `-c` nesting below the file given. */
  maxIncludeDepth: number;
  /** Files read for one top-level file, counting includes. */
  maxIncludedFiles: number;
  /** Dependencies collected for one top-level file. */
  maxDependencies: number;
}

export const DEFAULT_DEPENDENCY_LIMITS: Readonly<DependencyParseLimits> = Object.freeze({
  maxBytes: 8 * 1024 * 1024,
  maxLines: 100_000,
  maxIncludeDepth: 8,
  maxIncludedFiles: 256,
  maxDependencies: 100_000,
});
