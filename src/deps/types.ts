/**
 * Python dependency declarations as modelgate reads them from requirements files, pyproject.toml, lock files and
 * conda environments. Parsers produce these; the OSV matcher, the SBOM writer and the policy engine consume them.
 */

export type DependencyFileKind =
  | "requirements" // requirements*.txt, constraints*.txt (pip's format)
  | "pyproject" // pyproject.toml: PEP 621 [project] and Poetry [tool.poetry]
  | "poetry-lock"
  | "uv-lock"
  | "pipfile-lock"
  | "conda-env"; // environment.yml: its pip section (and conda packages that are PyPI names)

export interface DependencySource {
  /** The file as the user named it (or as found inside a scanned folder). */
  file: string;
  /** 1-based line of the declaration, when the format has lines we can point to. */
  line?: number;
}

export interface Dependency {
  /** PEP 503 normalised name: lower case, runs of `-_.` become `-`. */
  name: string;
  /** The name as written. */
  rawName: string;
  /** PEP 440 specifier set as written, without the name ("==2.0.1", ">=1.3,<2", "" for any version). */
  specifier: string;
  /** The exact version when the declaration pins one (`==X` without wildcard, `===X`, or a lock file entry). */
  version?: string;
  extras: string[];
  /** PEP 508 environment marker, as written (not evaluated). */
  marker?: string;
  /** Direct reference (`name @ https://…`, a VCS URL or a local path); such a dependency has no registry version. */
  url?: string;
  editable?: boolean;
  /** `--hash=sha256:…` values, lock file hashes. */
  hashes: string[];
  /** True when the declaration comes from a lock file (fully resolved, includes transitive packages). */
  locked: boolean;
  /** Dev/optional group, when the format says ("dev", "test", an extra's name). */
  group?: string;
  source: DependencySource;
}

export type DependencyIssueCode =
  | "unparsed-line" // a line we could not parse: reported, never silently dropped
  | "unsupported-option" // a pip option we do not follow (e.g. --index-url is noted; -e of a local path)
  | "include-missing" // -r / -c target not found
  | "include-cycle"
  | "no-version" // direct URL or path: cannot be matched against OSV
  | "limit-exceeded";

export interface DependencyIssue {
  code: DependencyIssueCode;
  message: string;
  source: DependencySource;
}

export interface DependencyFile {
  path: string;
  kind: DependencyFileKind;
  dependencies: Dependency[];
  issues: DependencyIssue[];
}
