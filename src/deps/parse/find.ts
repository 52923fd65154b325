/** The dependency files inside a folder (a model repository, a project checkout). */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { ModelgateError } from "../../core/errors.js";
import { looksLikeCondaEnv } from "./conda-env.js";
import { kindFromName } from "./detect-kind.js";
import { fileError, readDependencyText } from "./read-file.js";

export interface FindDependencyFilesOptions {
  /** Folder levels below `dir` searched (0 = `dir` only). Default 2. */
  maxDepth?: number;
  /**
   * Return symbolic links that point to regular files (a Hugging Face cache snapshot is made of such links).
   * Links to folders are never followed. Default false.
   */
  followFileLinks?: boolean;
}

const SKIPPED_DIRS = new Set([".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox", ".mypy_cache"]);
/** Entries looked at before giving up (a folder of a million shards must not stall the search). */
const MAX_ENTRIES = 200_000;
/** A YAML file not named like an environment file is read (to look for `dependencies:`) only up to this size. */
const MAX_SNIFF_BYTES = 1024 * 1024;

/**
 * Paths (joined to `dir`, sorted) of requirements*.txt / constraints*.txt / requirements/*.txt, pyproject.toml,
 * poetry.lock, uv.lock, Pipfile.lock and conda environment files (by name, or any YAML with a `dependencies:`
 * list). Symbolic links are skipped unless `followFileLinks` (links to files only); .git, node_modules and
 * virtualenvs are skipped.
 */
export async function findDependencyFiles(dir: string, options: FindDependencyFilesOptions = {}): Promise<string[]> {
  const maxDepth = options.maxDepth ?? 2;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) throw new ModelgateError("INVALID_OPTION", `maxDepth must be a non-negative integer (got ${maxDepth})`);
  const found: string[] = [];
  let seen = 0;
  const walk = async (current: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (e) {
      if (current === dir) {
        if ((e as NodeJS.ErrnoException).code === "ENOTDIR") throw new ModelgateError("PATH_UNREADABLE", `${dir}: not a folder`, { cause: e });
        throw fileError(e, dir);
      }
      return; // an unreadable subfolder: nothing found there
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (++seen > MAX_ENTRIES) return;
      const full = path.join(current, entry.name);
      if (entry.isSymbolicLink()) {
        if (!options.followFileLinks || !(await isRegularFile(full))) continue;
      } else if (entry.isDirectory()) {
        if (depth < maxDepth && !SKIPPED_DIRS.has(entry.name)) await walk(full, depth + 1);
        continue;
      } else if (!entry.isFile()) continue;
      const rel = path.relative(dir, full);
      if (kindFromName(rel) !== undefined) found.push(full);
      else if (/\.ya?ml$/i.test(entry.name) && (await isCondaYaml(full))) found.push(full);
    }
  };
  await walk(dir, 0);
  return found.sort();
}

async function isRegularFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false; // a dangling link
  }
}

async function isCondaYaml(file: string): Promise<boolean> {
  try {
    const text = await readDependencyText(file, file, MAX_SNIFF_BYTES);
    return /^dependencies\s*:/m.test(text) && looksLikeCondaEnv(text);
  } catch {
    return false;
  }
}
