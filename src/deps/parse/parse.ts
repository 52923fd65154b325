/** Entry points: a dependency file on disk (includes followed) or text already in memory (includes reported). */
import path from "node:path";
import { LimitError, ModelgateError } from "../../core/errors.js";
import type { DependencyFile, DependencyFileKind } from "../types.js";
import { DependencyCollector } from "./collector.js";
import { parseCondaEnvText } from "./conda-env.js";
import { isConstraintsFileName, kindFromContent, kindFromName } from "./detect-kind.js";
import { collectWithIncludes, collectWithoutIncludes, rootFrame } from "./includes.js";
import type { DependencyItem } from "./items.js";
import { DEFAULT_DEPENDENCY_LIMITS, type DependencyParseLimits } from "./limits.js";
import { parsePipfileLockText } from "./pipfile-lock.js";
import { parsePoetryLockText } from "./poetry-lock.js";
import { parsePyprojectText } from "./pyproject.js";
import { readDependencyText } from "./read-file.js";
import { parseRequirementsText } from "./requirements.js";
import { parseUvLockText } from "./uv-lock.js";

export interface ParseDependencyFileOptions {
  /** Format to read the file as; by default from its name, then its content. */
  kind?: DependencyFileKind;
  /** Largest file read (each include too). Default 8 MiB. */
  maxBytes?: number;
  /** Deepest `-r`/`-c` nesting followed. Default 8. */
  maxIncludeDepth?: number;
  /** Name used in sources, issues and errors instead of `path` (e.g. the path relative to a scanned folder). */
  displayPath?: string;
}

const KINDS: readonly DependencyFileKind[] = ["requirements", "pyproject", "poetry-lock", "uv-lock", "pipfile-lock", "conda-env"];

const EXPECTED =
  "expected requirements*.txt / constraints*.txt, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock or a conda environment.yml; pass a kind for other names";

function itemsOf(text: string, kind: DependencyFileKind, file: string, limits: DependencyParseLimits): DependencyItem[] {
  switch (kind) {
    case "requirements": {
      const group = isConstraintsFileName(file) ? "constraint" : undefined;
      return parseRequirementsText(text, group === undefined ? { file } : { file, group }, limits.maxLines);
    }
    case "pyproject":
      return parsePyprojectText(text, file);
    case "poetry-lock":
      return parsePoetryLockText(text, file);
    case "uv-lock":
      return parseUvLockText(text, file);
    case "pipfile-lock":
      return parsePipfileLockText(text, file);
    case "conda-env":
      return parseCondaEnvText(text, file);
  }
}

function checkKind(kind: unknown): DependencyFileKind {
  if (typeof kind === "string" && (KINDS as readonly string[]).includes(kind)) return kind as DependencyFileKind;
  throw new ModelgateError("INVALID_OPTION", `unknown dependency file kind ${JSON.stringify(kind)} (one of ${KINDS.join(", ")})`);
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new ModelgateError("INVALID_OPTION", `${name} must be a non-negative integer (got ${value})`);
  return value;
}

function result(file: string, kind: DependencyFileKind, collector: DependencyCollector): DependencyFile {
  return { path: file, kind, dependencies: collector.dependencies, issues: collector.issues };
}

/**
 * Parses dependency file text already in memory. `-r`/`-c` includes (and pyproject's dynamic dependency files)
 * are not read: each is an "include-missing" issue. Throws MalformedError (MALFORMED_INPUT, "<file>:<line>:<col>:
 * …") for invalid TOML/YAML/JSON and LimitError past 8 MiB.
 */
export function parseDependencyText(text: string, kind: DependencyFileKind, file: string): DependencyFile {
  const checked = checkKind(kind);
  const limits = DEFAULT_DEPENDENCY_LIMITS;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxBytes) {
    throw new LimitError("maxBytes", bytes, limits.maxBytes, `${file}: ${bytes} bytes, more than the ${limits.maxBytes}-byte limit for a dependency file`);
  }
  const collector = new DependencyCollector(limits);
  collectWithoutIncludes(itemsOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, checked, file, limits), collector);
  return result(file, checked, collector);
}

/**
 * Reads and parses one dependency file, following `-r`/`-c` includes relative to it. The format comes from
 * `options.kind`, else the file name, else the content; none fits → ModelgateError UNSUPPORTED.
 * Errors: PATH_NOT_FOUND / PATH_UNREADABLE, LIMIT_EXCEEDED (file over maxBytes), MALFORMED_INPUT
 * ("<file>:<line>:<col>: …"), INVALID_OPTION.
 */
export async function parseDependencyFile(filePath: string, options: ParseDependencyFileOptions = {}): Promise<DependencyFile> {
  const limits: DependencyParseLimits = {
    ...DEFAULT_DEPENDENCY_LIMITS,
    maxBytes: positiveInteger(options.maxBytes, DEFAULT_DEPENDENCY_LIMITS.maxBytes, "maxBytes"),
    maxIncludeDepth: positiveInteger(options.maxIncludeDepth, DEFAULT_DEPENDENCY_LIMITS.maxIncludeDepth, "maxIncludeDepth"),
  };
  const display = options.displayPath ?? filePath;
  const explicitKind = options.kind === undefined ? undefined : checkKind(options.kind);
  const text = await readDependencyText(filePath, display, limits.maxBytes);
  const kind = explicitKind ?? kindFromName(filePath) ?? kindFromName(display) ?? kindFromContent(text, display);
  if (kind === undefined) {
    const base = path.basename(display).toLowerCase();
    const why = base === "pylock.toml" || /^pylock\..+\.toml$/.test(base) ? "PEP 751 pylock.toml is not supported yet" : EXPECTED;
    throw new ModelgateError("UNSUPPORTED", `${display}: not a recognised dependency file (${why})`);
  }
  const collector = new DependencyCollector(limits);
  const items = itemsOf(text, kind, display, limits);
  const group = kind === "requirements" && isConstraintsFileName(display) ? "constraint" : undefined;
  await collectWithIncludes(items, await rootFrame(filePath, display, group), { collector, seen: new Set(), filesRead: 1 });
  return result(display, kind, collector);
}
