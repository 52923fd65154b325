import { constants, type Stats } from "node:fs";
import { access, lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import { basename, join, normalize, resolve } from "node:path";
import { ModelgateError } from "../../core/errors.js";
import { comparePaths } from "./order.js";

/** A regular file of the model, to be hashed. */
export interface ModelFile {
  /** POSIX path relative to the model root; "." when the model is a single file. */
  name: string;
  /** Absolute path to open (a symlink's own path when links are allowed: opening follows it). */
  path: string;
  /** Size when listed. */
  size: number;
}

export interface ModelListing {
  /** Subject name: the folder's (or single file's) base name, as model_signing takes it. */
  modelName: string;
  /** The model is a single file (one resource named "."). */
  singleFile: boolean;
  /** Files in canonical order (comparePaths). */
  files: ModelFile[];
}

export interface ListOptions {
  allowSymlinks: boolean;
  /** Normalised POSIX paths relative to the model root; a path covers everything under it. */
  ignorePaths: readonly string[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isIgnored(rel: string, ignore: readonly string[]): boolean {
  return ignore.some((p) => rel === p || rel.startsWith(`${p}/`));
}

function fsError(e: unknown, what: string): ModelgateError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ENOENT") return new ModelgateError("PATH_NOT_FOUND", `${what}: no such file or directory`, { cause: e });
  if (err.code === "EACCES" || err.code === "EPERM") return new ModelgateError("PATH_UNREADABLE", `${what}: permission denied`, { cause: e });
  return new ModelgateError("PATH_UNREADABLE", `${what}: ${err.code ?? err.message}`, { cause: e });
}

/**
 * The subject name model_signing gives a model: the last component of the path as given, or, when that is
 * empty, "." or "..", the last component of the resolved path.
 */
async function modelNameOf(modelPath: string): Promise<string> {
  const n = basename(normalize(modelPath));
  if (n !== "" && n !== "." && n !== "..") return n;
  try {
    return basename(await realpath(modelPath));
  } catch {
    return basename(resolve(modelPath));
  }
}

/** lstat, then: a symlink is refused, or (when allowed) replaced by the stats of what it points to. */
async function entryStats(abs: string, allowSymlinks: boolean): Promise<{ st: Stats; link: boolean }> {
  let st: Stats;
  try {
    st = await lstat(abs);
  } catch (e) {
    throw fsError(e, `cannot read ${abs}`);
  }
  if (!st.isSymbolicLink()) return { st, link: false };
  if (!allowSymlinks) {
    const target = await readlink(abs).catch(() => "?");
    throw new ModelgateError(
      "SYMLINK_NOT_ALLOWED",
      `${abs} is a symbolic link (to ${target}); symbolic links are refused unless allowed (--allow-symlinks)`,
    );
  }
  try {
    return { st: await stat(abs), link: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ELOOP") {
      const target = await readlink(abs).catch(() => "?");
      throw new ModelgateError("PATH_NOT_FOUND", `symbolic link ${abs} points to ${target}, which does not exist or loops`, { cause: e });
    }
    throw fsError(e, `cannot follow symbolic link ${abs}`);
  }
}

/** Fails early (before hours of hashing) on a file we will not be allowed to read. */
async function readable(abs: string): Promise<void> {
  try {
    await access(abs, constants.R_OK);
  } catch (e) {
    throw fsError(e, `cannot read ${abs}`);
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return "a named pipe";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

/**
 * Lists the files of a model the way model_signing does: every regular file under the root, paths that
 * match an ignore path left out (with everything under them), symbolic links refused unless allowed. Like
 * model_signing (pathlib's glob), an allowed link to a folder is not entered. Unlike it, a folder we cannot
 * read is an error rather than silently skipped, and a name that is not UTF-8 is refused (it cannot be
 * written into the signature faithfully).
 */
export async function listModelFiles(modelPath: string, options: ListOptions): Promise<ModelListing> {
  const root = resolve(modelPath);
  const modelName = await modelNameOf(modelPath);
  const ignore = options.ignorePaths;
  const { st: rootStats } = await entryStats(root, options.allowSymlinks);
  if (rootStats.isFile()) {
    await readable(root);
    return { modelName, singleFile: true, files: [{ name: ".", path: root, size: rootStats.size }] };
  }
  if (!rootStats.isDirectory()) {
    throw new ModelgateError("UNSUPPORTED", `cannot hash ${root}: it is ${kindOf(rootStats)}, not a file or a folder`);
  }
  const files: ModelFile[] = [];
  const walk = async (dirAbs: string, dirRel: string): Promise<void> => {
    let names: Buffer[];
    try {
      names = await readdir(dirAbs, { encoding: "buffer" });
    } catch (e) {
      throw fsError(e, `cannot read the folder ${dirAbs}`);
    }
    const subdirs: [string, string][] = [];
    await Promise.all(
      names.map(async (raw) => {
        let name: string;
        try {
          name = utf8.decode(raw);
        } catch {
          throw new ModelgateError("UNSUPPORTED", `a file name in ${dirAbs} is not valid UTF-8 (${raw.toString("latin1")}); rename it`);
        }
        const rel = dirRel === "" ? name : `${dirRel}/${name}`;
        if (isIgnored(rel, ignore)) return;
        const abs = join(dirAbs, name);
        const { st, link } = await entryStats(abs, options.allowSymlinks);
        if (st.isFile()) {
          await readable(abs);
          files.push({ name: rel, path: abs, size: st.size });
        } else if (st.isDirectory()) {
          // An allowed link to a folder is not entered, as pathlib's "**" glob (model_signing) does not.
          if (!link) subdirs.push([abs, rel]);
        } else throw new ModelgateError("UNSUPPORTED", `cannot hash ${abs}: it is ${kindOf(st)}, not a file or a folder`);
      }),
    );
    for (const [abs, rel] of subdirs) await walk(abs, rel);
  };
  await walk(root, "");
  files.sort((a, b) => comparePaths(a.name, b.name));
  return { modelName, singleFile: false, files };
}
