import { readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ModelgateError } from "../core/errors.js";
import { MAX_BUNDLE_BYTES } from "./format/bundle.js";

/** The file name model_signing uses for signatures. */
export const DEFAULT_SIGNATURE_NAME = "model.sig";

function fsError(e: unknown, what: string): ModelgateError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new ModelgateError("PATH_NOT_FOUND", `${what}: no such file or directory`, { cause: e });
  if (code === "EACCES" || code === "EPERM") return new ModelgateError("PATH_UNREADABLE", `${what}: permission denied`, { cause: e });
  return new ModelgateError("PATH_UNREADABLE", `${what}: ${code ?? (e as Error).message}`, { cause: e });
}

/** MODEL/model.sig for a folder; MODEL.sig beside a single-file model (so models sharing a folder do not collide). */
export async function defaultSignaturePath(modelPath: string): Promise<string> {
  let st;
  try {
    st = await stat(modelPath);
  } catch (e) {
    throw fsError(e, `cannot read the model ${modelPath}`);
  }
  return st.isDirectory() ? join(modelPath, DEFAULT_SIGNATURE_NAME) : `${modelPath}.sig`;
}

/** The signature's path relative to the model folder when it lies inside it (it is then left out of the hash). */
export function signatureInsideModel(modelPath: string, signaturePath: string): string | undefined {
  const rel = relative(resolve(modelPath), resolve(signaturePath));
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join("/");
}

/** Reads a file given by the user (signature, key, certificate, trust root), with errors naming it. */
export async function readInputFile(path: string, what: string, maxBytes: number = MAX_BUNDLE_BYTES): Promise<Buffer> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new ModelgateError("PATH_UNREADABLE", `${what} ${path} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof ModelgateError) throw e;
    throw fsError(e, `cannot read ${what} ${path}`);
  }
  if (size > maxBytes) throw new ModelgateError("LIMIT_EXCEEDED", `${what} ${path} is ${size} bytes, more than the ${maxBytes} accepted`);
  try {
    return await readFile(path);
  } catch (e) {
    throw fsError(e, `cannot read ${what} ${path}`);
  }
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writeFileAtomically(path: string, text: string, what: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw fsError(e, `cannot write ${what} ${path}`);
  }
}
