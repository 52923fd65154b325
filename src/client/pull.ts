import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ModelgateError } from "../core/errors.js";
import { verify } from "../sign/verify.js";
import { checkFilePath, checkName, SHA256_HEX } from "../server/validate/names.js";
import { api, downloadToFile } from "./http.js";

/** The version of a gate server to pull: `PROJECT/MODEL@VERSION`. */
export interface VersionRef {
  project: string;
  model: string;
  version: string;
}

export interface PullOptions extends VersionRef {
  /** Server base URL, e.g. http://127.0.0.1:8414 */
  url: string;
  token: string;
  /** Folder to create; it must not exist or be empty. */
  out: string;
  /** PEM of the server's signing key, pinned by the caller; without it, the key the server publishes is used. */
  publicKeyPem?: string;
  onProgress?: (p: { bytesDone: number; bytesTotal: number; filesDone: number; filesTotal: number }) => void;
  /** Aborts the pull (e.g. on Ctrl-C): the download stops, the temporary folder is removed, the promise rejects. */
  signal?: AbortSignal;
}

export interface PullResult extends VersionRef {
  status: string;
  out: string;
  files: number;
  bytes: number;
  signature:
    | { status: "verified"; path: string; keyHint: string; keySource: "pinned" | "server" }
    | { status: "unsigned"; released: { by: string; reason: string; at: string } };
}

interface ListedFile {
  path: string;
  size: number;
  sha256: string;
}

interface VersionDetail {
  status: string;
  reasons?: string[];
  downloadable?: boolean;
  released?: { by: string; reason: string; at: string };
  files?: unknown;
}

/** Parses `PROJECT/MODEL@VERSION` (names as the server allows them). */
export function parseVersionRef(text: string): VersionRef {
  const m = /^([^/@]+)\/([^/@]+)@([^/@]+)$/.exec(text);
  if (!m) throw new ModelgateError("USAGE", `expected PROJECT/MODEL@VERSION, got ${JSON.stringify(text)}`);
  return { project: checkName("project name", m[1]), model: checkName("model name", m[2]), version: checkName("version", m[3]) };
}

/**
 * The server's file list is hostile input: each path must be a plain relative path (no `..`, absolute path,
 * backslash or control character), listed once, never both a file and the folder of another, with a SHA-256 and
 * a size.
 */
export function checkListing(files: unknown): ListedFile[] {
  if (!Array.isArray(files) || files.length === 0) throw new ModelgateError("MALFORMED_INPUT", "the server listed no files for this version");
  const out: ListedFile[] = [];
  const paths = new Set<string>();
  for (const f of files as Partial<ListedFile>[]) {
    const path = checkFilePath(f?.path);
    if (paths.has(path)) throw new ModelgateError("MALFORMED_INPUT", `the server listed ${path} twice`);
    if (typeof f.sha256 !== "string" || !SHA256_HEX.test(f.sha256)) throw new ModelgateError("MALFORMED_INPUT", `the server listed ${path} without a SHA-256`);
    if (!Number.isSafeInteger(f.size) || f.size! < 0) throw new ModelgateError("MALFORMED_INPUT", `the server listed ${path} without a valid size`);
    paths.add(path);
    out.push({ path, size: f.size!, sha256: f.sha256 });
  }
  for (const p of paths) {
    for (let i = p.indexOf("/"); i >= 0; i = p.indexOf("/", i + 1)) {
      if (paths.has(p.slice(0, i))) throw new ModelgateError("MALFORMED_INPUT", `the server listed ${p.slice(0, i)} both as a file and as a folder`);
    }
  }
  return out;
}

async function emptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return true;
    if (code === "ENOTDIR") return false;
    throw e;
  }
}

/**
 * Downloads an approved (or admin-released) version into `out`: every file is checked against the SHA-256 and
 * size the server listed, and an approved version's server signature is verified over the downloaded files
 * before anything appears at `out`. The files land in a sibling temporary folder, renamed to `out` only when all
 * checks passed; on any error nothing is left behind.
 */
export async function pullVersion(o: PullOptions): Promise<PullResult> {
  const base = o.url.endsWith("/") ? o.url : `${o.url}/`;
  const out = resolve(o.out);
  if (!(await emptyOrMissing(out))) throw new ModelgateError("USAGE", `${out} exists and is not an empty folder: choose another --out`);
  const versionPath = `api/v1/projects/${encodeURIComponent(o.project)}/models/${encodeURIComponent(o.model)}/versions/${encodeURIComponent(o.version)}`;
  const subject = `${o.project}/${o.model}@${o.version}`;
  const v = await api<VersionDetail>(base, o.token, "GET", versionPath);
  if (!v.downloadable) {
    const reasons = (v.reasons ?? []).slice(0, 5).join("; ");
    throw new ModelgateError("FORBIDDEN", `${subject} is ${v.status}${reasons ? `: ${reasons}` : ""} — only approved or released versions can be pulled`);
  }
  const files = checkListing(v.files);
  const signed = v.status === "approved";
  const sigName = files.some((f) => f.path === "model.sig") ? undefined : "model.sig";
  const bytesTotal = files.reduce((a, f) => a + f.size, 0);

  const tmp = join(dirname(out), `.${basename(out)}.partial-${randomBytes(6).toString("hex")}`);
  await mkdir(tmp, { recursive: false, mode: 0o755 });
  try {
    let bytesDone = 0;
    for (const [i, f] of files.entries()) {
      o.signal?.throwIfAborted();
      const dest = join(tmp, ...f.path.split("/"));
      await mkdir(dirname(dest), { recursive: true });
      const url = new URL(`${versionPath}/files/${f.path.split("/").map(encodeURIComponent).join("/")}`, base);
      const got = await downloadToFile(url, o.token, dest, {
        maxBytes: f.size,
        ...(o.signal ? { signal: o.signal } : {}),
        onBytes: (n) => {
          bytesDone += n;
          o.onProgress?.({ bytesDone, bytesTotal, filesDone: i, filesTotal: files.length });
        },
      });
      if (got.size !== f.size) throw new ModelgateError("VERIFICATION_FAILED", `${f.path}: received ${got.size} bytes, the version lists ${f.size}`);
      if (got.sha256 !== f.sha256) throw new ModelgateError("VERIFICATION_FAILED", `${f.path}: the downloaded bytes hash to sha256:${got.sha256}, the version lists sha256:${f.sha256}`);
      if (got.announcedSha256 !== undefined && got.announcedSha256 !== f.sha256) {
        throw new ModelgateError("VERIFICATION_FAILED", `${f.path}: the server announced sha256:${got.announcedSha256}, the version lists sha256:${f.sha256}`);
      }
    }
    o.onProgress?.({ bytesDone, bytesTotal, filesDone: files.length, filesTotal: files.length });

    let signature: PullResult["signature"];
    if (signed) {
      const bundle = await api<unknown>(base, o.token, "GET", `${versionPath}/signature`);
      const key = o.publicKeyPem ?? (await api<{ publicKeyPem: string }>(base, o.token, "GET", "api/v1/server-key")).publicKeyPem;
      // The bundle goes into the model folder as model.sig (verify's default), unless the model has its own.
      const sigPath = sigName ? join(tmp, sigName) : `${tmp}.sig`;
      await writeFile(sigPath, `${JSON.stringify(bundle)}\n`, { flag: "wx" });
      const result = await verify(tmp, { signaturePath: sigPath, publicKey: key });
      if (!result.verified) {
        if (!sigName) await rm(sigPath, { force: true });
        const why = result.failures.map((f) => `${f.reason}: ${f.message}`).join("; ");
        throw new ModelgateError("VERIFICATION_FAILED", `${subject}: the server's signature does not verify over the downloaded files${o.publicKeyPem ? " with the pinned key" : ""}: ${why}`);
      }
      const finalSig = sigName ? join(out, sigName) : `${out}.sig`;
      if (!sigName) await rename(sigPath, finalSig);
      signature = { status: "verified", path: finalSig, keyHint: result.signer?.keyHint ?? "", keySource: o.publicKeyPem ? "pinned" : "server" };
    } else {
      signature = { status: "unsigned", released: v.released ?? { by: "?", reason: "?", at: "?" } };
    }
    o.signal?.throwIfAborted();
    await rmdir(out).catch(() => undefined);
    await rename(tmp, out);
    return { project: o.project, model: o.model, version: o.version, status: v.status, out, files: files.length, bytes: bytesTotal, signature };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (!sigName) await rm(`${tmp}.sig`, { force: true });
    throw e;
  }
}
