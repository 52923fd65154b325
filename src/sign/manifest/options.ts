import { isAbsolute, posix, relative, resolve, sep } from "node:path";
import { ModelgateError } from "../../core/errors.js";

/** Hash algorithms of the OpenSSF model-signing format we support ("blake2b" is BLAKE2b-512, as Python's hashlib.blake2b()). */
export type HashAlgorithm = "sha256" | "blake2b";

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ["sha256", "blake2b"];

export interface SerializationOptions {
  /** "files": one resource per file; "shards": one resource per `shardSize` slice of each file. */
  method: "files" | "shards";
  hashType: HashAlgorithm;
  /** Bytes per shard (shards method only). */
  shardSize: number;
  /** false: a symbolic link anywhere in the model is an error; true: a link to a file is hashed as that file's content. */
  allowSymlinks: boolean;
  /** POSIX paths relative to the model root (a folder covers everything under it). DEFAULT_IGNORE_PATHS are always added. */
  ignorePaths: string[];
}

export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/** Always ignored, as model_signing does by default (its hashing.Config ignore_git_paths=True). */
export const DEFAULT_IGNORE_PATHS: readonly string[] = [".git", ".gitattributes", ".github", ".gitignore"];

/**
 * One ignore path, normalised the way model_signing records it (os.path.relpath: "./a//b/" → "a/b").
 * Returns undefined for a path that leaves the model root ("../x"): it cannot match anything inside the
 * model and model_signing drops it from the record too.
 */
export function normalizeIgnorePath(p: string): string | undefined {
  if (typeof p !== "string") throw new ModelgateError("INVALID_OPTION", `ignore paths must be strings, got ${typeof p}`);
  if (p.startsWith("/")) throw new ModelgateError("INVALID_OPTION", `ignore path "${p}" must be relative to the model root`);
  const n = posix.normalize(p).replace(/\/+$/, "");
  if (n === "" || n === ".") throw new ModelgateError("INVALID_OPTION", `ignore path "${p}" would ignore the whole model`);
  if (n === ".." || n.startsWith("../")) return undefined;
  return n;
}

/** Fills in defaults and validates; throws ModelgateError("INVALID_OPTION") naming the bad option. */
export function resolveSerializationOptions(o: Partial<SerializationOptions> = {}): SerializationOptions {
  const method = o.method ?? "files";
  if (method !== "files" && method !== "shards") throw new ModelgateError("INVALID_OPTION", `serialization method must be "files" or "shards", got ${String(method)}`);
  const hashType = o.hashType ?? "sha256";
  if (!HASH_ALGORITHMS.includes(hashType)) throw new ModelgateError("INVALID_OPTION", `hash type must be one of ${HASH_ALGORITHMS.join(", ")}, got ${String(hashType)}`);
  const shardSize = o.shardSize ?? DEFAULT_SHARD_SIZE;
  if (typeof shardSize !== "number" || !Number.isSafeInteger(shardSize) || shardSize <= 0) {
    throw new ModelgateError("INVALID_OPTION", `shard size must be a positive integer, got ${String(shardSize)}`);
  }
  const allowSymlinks = o.allowSymlinks ?? false;
  if (typeof allowSymlinks !== "boolean") throw new ModelgateError("INVALID_OPTION", "allowSymlinks must be a boolean");
  const raw = o.ignorePaths ?? [];
  if (!Array.isArray(raw)) throw new ModelgateError("INVALID_OPTION", "ignorePaths must be an array of paths");
  const ignorePaths: string[] = [];
  for (const p of raw) {
    const n = normalizeIgnorePath(p);
    if (n !== undefined && !ignorePaths.includes(n)) ignorePaths.push(n);
  }
  return { method, hashType, shardSize, allowSymlinks, ignorePaths };
}

/**
 * Turns --ignore-paths arguments into paths relative to the model root. As model_signing's CLI does, a path
 * is taken relative to the current directory (or absolute) when that lands inside the model; otherwise a
 * relative path is taken as relative to the model root. A path outside the model is an INVALID_OPTION error
 * (model_signing drops it silently).
 */
export function ignorePathsFromCli(modelPath: string, paths: readonly string[], cwd: string = process.cwd()): string[] {
  const root = resolve(cwd, modelPath);
  const out: string[] = [];
  for (const p of paths) {
    const fromCwd = relative(root, resolve(cwd, p)).split(sep).join("/");
    if (fromCwd === "") throw new ModelgateError("INVALID_OPTION", `ignore path "${p}" would ignore the whole model`);
    const inside = fromCwd !== ".." && !fromCwd.startsWith("../") && !isAbsolute(fromCwd);
    const rel = inside ? fromCwd : isAbsolute(p) ? undefined : normalizeIgnorePath(p.split(sep).join("/"));
    if (rel === undefined) throw new ModelgateError("INVALID_OPTION", `ignore path "${p}" is not inside the model ${root}`);
    if (!out.includes(rel)) out.push(rel);
  }
  return out;
}
