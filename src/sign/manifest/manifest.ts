import { createHash } from "node:crypto";
import { ModelgateError } from "../../core/errors.js";
import { hashUnits, type HashUnit } from "./hash-pool.js";
import { compareKeys, comparePaths, type ResourceKey } from "./order.js";
import {
  DEFAULT_IGNORE_PATHS,
  HASH_ALGORITHMS,
  resolveSerializationOptions,
  type HashAlgorithm,
  type SerializationOptions,
} from "./options.js";
import { listModelFiles } from "./walk.js";

/** One entry of predicate.resources: a file ("." for a single-file model) or a shard "path:start:end". */
export interface ResourceDigest {
  name: string;
  /** As written in the predicate: "sha256", "blake2b", "sha256-sharded-<size>", "blake2b-sharded-<size>". */
  algorithm: string;
  digest: Buffer;
}

export interface Manifest {
  /** subject name: the model folder's base name, or the file name for a single-file model */
  modelName: string;
  /** In canonical order: by path components, then shard offsets. */
  resources: ResourceDigest[];
  /** Exactly the predicate.serialization object model_signing writes (method, hash_type, allow_symlinks, shard_size for shards, ignore_paths). */
  serialization: Record<string, unknown>;
}

export interface HashProgress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

/**
 * The predicate.serialization object for these options. ignore_paths lists every path ignored (the defaults,
 * the caller's, e.g. the signature file), sorted: model_signing writes them in set order, which is arbitrary,
 * and verifiers read them as a set.
 */
export function serializationFor(o: SerializationOptions): Record<string, unknown> {
  const s: Record<string, unknown> = { method: o.method, hash_type: o.hashType, allow_symlinks: o.allowSymlinks };
  if (o.method === "shards") s.shard_size = o.shardSize;
  s.ignore_paths = [...new Set([...DEFAULT_IGNORE_PATHS, ...o.ignorePaths])].sort(comparePaths);
  return s;
}

/**
 * Reads a predicate.serialization object (from a signature) back into options, so a verifier hashes the
 * model the way the signer did. Throws MALFORMED_INPUT naming the field that is wrong. shard_size may be
 * written as a float (8.0) by model_signing's protobuf JSON; it must still be a whole number.
 */
export function serializationOptionsFromPredicate(s: unknown): SerializationOptions {
  if (typeof s !== "object" || s === null || Array.isArray(s)) throw new ModelgateError("MALFORMED_INPUT", "predicate.serialization must be an object");
  const o = s as Record<string, unknown>;
  const bad = (field: string, why: string): never => {
    throw new ModelgateError("MALFORMED_INPUT", `predicate.serialization.${field} ${why}, got ${JSON.stringify(o[field]) ?? "nothing"}`);
  };
  const method = o.method;
  if (method !== "files" && method !== "shards") bad("method", 'must be "files" or "shards"');
  const hashType = o.hash_type;
  if (typeof hashType !== "string" || !HASH_ALGORITHMS.includes(hashType as HashAlgorithm)) bad("hash_type", `must be one of ${HASH_ALGORITHMS.join(", ")}`);
  if (typeof o.allow_symlinks !== "boolean") bad("allow_symlinks", "must be true or false");
  let shardSize: number | undefined;
  if (method === "shards") {
    if (typeof o.shard_size !== "number" || !Number.isSafeInteger(o.shard_size) || o.shard_size <= 0) bad("shard_size", "must be a positive whole number");
    shardSize = o.shard_size as number;
  }
  const ignore = o.ignore_paths ?? [];
  if (!Array.isArray(ignore) || ignore.some((p) => typeof p !== "string")) bad("ignore_paths", "must be a list of paths");
  try {
    return resolveSerializationOptions({
      method: method as "files" | "shards",
      hashType: hashType as HashAlgorithm,
      allowSymlinks: o.allow_symlinks as boolean,
      ignorePaths: ignore as string[],
      ...(shardSize === undefined ? {} : { shardSize }),
    });
  } catch (e) {
    if (e instanceof ModelgateError) throw new ModelgateError("MALFORMED_INPUT", `predicate.serialization: ${e.message}`);
    throw e;
  }
}

/** Shard end offsets as model_signing computes them: every shardSize, the last one at the file's end. */
function shardRanges(size: number, shardSize: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < size; start += shardSize) ranges.push([start, Math.min(start + shardSize, size)]);
  return ranges;
}

/**
 * Hashes a model (a folder, or a single file) into its model-signing manifest: every file not ignored, hashed
 * whole ("files") or in shards ("shards") on all cores, streamed (one read buffer per thread), resources in
 * canonical order. Throws ModelgateError: PATH_NOT_FOUND, PATH_UNREADABLE (naming the file),
 * SYMLINK_NOT_ALLOWED (naming the link), UNSUPPORTED (special files), INVALID_OPTION.
 */
export async function hashModel(
  modelPath: string,
  options?: Partial<SerializationOptions>,
  onProgress?: (p: HashProgress) => void,
  /** Hash only the listed files this accepts (by their model-relative path); the others are left out unread. */
  select?: (path: string) => boolean,
): Promise<Manifest> {
  const o = resolveSerializationOptions(options);
  const listing = await listModelFiles(modelPath, {
    allowSymlinks: o.allowSymlinks,
    ignorePaths: [...new Set([...DEFAULT_IGNORE_PATHS, ...o.ignorePaths])],
  });
  const files = select ? listing.files.filter((f) => select(f.name)) : listing.files;

  const units: (HashUnit & { file: number; key: ResourceKey })[] = [];
  files.forEach((f, file) => {
    if (o.method === "files") units.push({ path: f.path, start: 0, end: -1, size: f.size, file, key: { path: f.name } });
    else for (const [start, end] of shardRanges(f.size, o.shardSize)) units.push({ path: f.path, start, end, size: end - start, file, key: { path: f.name, start, end } });
  });
  units.sort((a, b) => compareKeys(a.key, b.key));

  const progress: HashProgress = {
    bytesDone: 0,
    bytesTotal: files.reduce((n, f) => n + f.size, 0),
    filesDone: 0,
    filesTotal: files.length,
  };
  const unitsLeft = files.map(() => 0);
  for (const u of units) unitsLeft[u.file]!++;
  // Files with no unit (empty files in the shards method) are done at once.
  progress.filesDone = unitsLeft.filter((n) => n === 0).length;
  onProgress?.({ ...progress });

  const digests = await hashUnits(units, {
    algorithm: o.hashType,
    noFollow: !o.allowSymlinks,
    onBytes: (_unit, bytes) => {
      progress.bytesDone += bytes;
      onProgress?.({ ...progress });
    },
    onUnitDone: (unit) => {
      if (--unitsLeft[units[unit]!.file]! === 0) {
        progress.filesDone++;
        onProgress?.({ ...progress });
      }
    },
  });

  const algorithm = o.method === "files" ? o.hashType : `${o.hashType}-sharded-${o.shardSize}`;
  const resources = units.map((u, i) => ({
    name: u.key.start === undefined ? u.key.path : `${u.key.path}:${u.key.start}:${u.key.end}`,
    algorithm,
    digest: digests[i]!,
  }));
  return { modelName: listing.modelName, resources, serialization: serializationFor(o) };
}

/** sha256 over the concatenated raw resource digests, in order: the in-toto subject digest */
export function subjectDigest(resources: ResourceDigest[]): Buffer {
  const h = createHash("sha256");
  for (const r of resources) h.update(r.digest);
  return h.digest();
}

/** The file a resource covers: its name, less the ":start:end" of a shard. */
export function resourcePath(name: string): string {
  return keyOfName(name).path;
}

/** A resource name as a sort key: "path:start:end" is read as a shard when it ends in two numbers. */
function keyOfName(name: string): ResourceKey {
  const m = /^(.*):(\d+):(\d+)$/s.exec(name);
  return m ? { path: m[1]!, start: Number(m[2]), end: Number(m[3]) } : { path: name };
}

/** Compares two manifests and says precisely what differs (extra files, missing files, changed digests). */
export function diffManifests(expected: ResourceDigest[], actual: ResourceDigest[]): { extra: string[]; missing: string[]; changed: string[] } {
  const want = new Map(expected.map((r) => [r.name, r]));
  const have = new Map(actual.map((r) => [r.name, r]));
  const order = (names: string[]): string[] => names.sort((a, b) => compareKeys(keyOfName(a), keyOfName(b)) || comparePaths(a, b));
  const extra = order([...have.keys()].filter((n) => !want.has(n)));
  const missing = order([...want.keys()].filter((n) => !have.has(n)));
  const changed = order(
    [...want.values()].filter((w) => {
      const h = have.get(w.name);
      return h !== undefined && (h.algorithm !== w.algorithm || !h.digest.equals(w.digest));
    }).map((w) => w.name),
  );
  return { extra, missing, changed };
}
