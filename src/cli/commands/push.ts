import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { realpath } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { basename, dirname, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { api, apiErrorFromBody } from "../../client/http.js";
import { ModelgateError } from "../../core/errors.js";
import { DEFAULT_IGNORE_PATHS } from "../../sign/manifest/index.js";
import { listModelFiles } from "../../sign/manifest/walk.js";
import { EXIT } from "../exit-codes.js";
import { createByteProgress, type ByteCount } from "../progress.js";

export interface PushOptions {
  /** Server base URL, e.g. http://127.0.0.1:8414 */
  url: string;
  token: string;
  project: string;
  model: string;
  version: string;
  onProgress?: (phase: "hashing" | "uploading", p: ByteCount) => void;
}

export interface PushResult {
  project: string;
  model: string;
  version: string;
  status: string;
  files: number;
  uploaded: number;
  bytesUploaded: number;
}

interface LocalFile {
  path: string;
  abs: string;
  size: number;
  sha256: string;
}

async function hashFile(abs: string, onBytes: (n: number) => void): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(abs, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
  }
  return h.digest("hex");
}

/** PUTs one file as a stream (Content-Length set, so the server can refuse an oversized body before reading it). */
function uploadFile(base: string, token: string, uploadId: string, f: LocalFile, onBytes: (n: number) => void): Promise<void> {
  const url = new URL(`/api/v1/uploads/${encodeURIComponent(uploadId)}/files/${f.path.split("/").map(encodeURIComponent).join("/")}`, base);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": String(f.size) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if (res.statusCode === 204 || res.statusCode === 200) return resolve();
        reject(apiErrorFromBody(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), `${f.path}: `));
      });
      res.on("error", reject);
    });
    req.on("error", (e) => reject(new ModelgateError("NETWORK_ERROR", `uploading ${f.path}: ${e.message}`, { cause: e })));
    const stream = createReadStream(f.abs, { highWaterMark: 1 << 20 });
    stream.on("data", (c) => onBytes((c as Buffer).length));
    pipeline(stream, req).catch((e: unknown) => reject(new ModelgateError("NETWORK_ERROR", `uploading ${f.path}: ${(e as Error).message}`, { cause: e })));
  });
}

/**
 * Refuses a file whose real path is outside the pushed folder, or, for a Hugging Face cache snapshot
 * (`…/models--org--name/snapshots/<commit>`), outside that repository's folder (its links point into ../../blobs).
 */
async function checkLinkTargets(root: string, files: readonly { name: string; path: string }[]): Promise<void> {
  const real = await realpath(root);
  const snapshots = dirname(real);
  const base = basename(snapshots) === "snapshots" && basename(dirname(snapshots)).startsWith("models--") ? dirname(snapshots) : real;
  for (const f of files) {
    const target = await realpath(f.path);
    if (target !== base && !target.startsWith(base + sep)) {
      throw new ModelgateError("SYMLINK_NOT_ALLOWED", `${f.path} is a link to ${target}, outside ${base}: push uploads only files inside the model folder`);
    }
  }
}

/**
 * Pushes a model folder (or one file) to a gate server: hashes every file, declares the version, uploads the files
 * the server does not hold yet, and completes the push (the version is then pending until scanned).
 */
export async function pushModel(modelPath: string, o: PushOptions): Promise<PushResult> {
  // Links to files are followed, as scan does: a Hugging Face cache snapshot is a folder of links into ../../blobs.
  // What is pushed is the linked file's content, hashed and uploaded from the same path; links to folders are not
  // entered (listModelFiles). A link may not lead out of the folder (or the snapshot's repository): a cloned
  // repository's `config.json -> ~/.aws/credentials` must not be uploaded.
  const listing = await listModelFiles(modelPath, { allowSymlinks: true, ignorePaths: [...DEFAULT_IGNORE_PATHS] });
  if (!listing.singleFile) await checkLinkTargets(modelPath, listing.files);
  const entries = listing.files.map((f) => ({ path: listing.singleFile ? basename(modelPath) : f.name, abs: f.path, size: f.size }));
  if (entries.length === 0) throw new ModelgateError("USAGE", `${modelPath}: no files to push`);
  const total = entries.reduce((a, f) => a + f.size, 0);
  let done = 0;
  const files: LocalFile[] = [];
  for (const [i, e] of entries.entries()) {
    const sha256 = await hashFile(e.abs, (n) => {
      done += n;
      o.onProgress?.("hashing", { bytesDone: done, bytesTotal: total, filesDone: i, filesTotal: entries.length });
    });
    files.push({ ...e, sha256 });
  }
  const base = o.url.endsWith("/") ? o.url : `${o.url}/`;
  const created = await api<{ uploadId: string; missing: string[] }>(base, o.token, "POST", `api/v1/projects/${encodeURIComponent(o.project)}/models/${encodeURIComponent(o.model)}/versions`, {
    version: o.version,
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
  });
  const missing = new Set(created.missing);
  const toUpload = files.filter((f) => missing.has(f.path));
  const uploadTotal = toUpload.reduce((a, f) => a + f.size, 0);
  let sent = 0;
  for (const [i, f] of toUpload.entries()) {
    await uploadFile(base, o.token, created.uploadId, f, (n) => {
      sent += n;
      o.onProgress?.("uploading", { bytesDone: sent, bytesTotal: uploadTotal, filesDone: i, filesTotal: toUpload.length });
    });
  }
  const completed = await api<{ status: string }>(base, o.token, "POST", `api/v1/uploads/${encodeURIComponent(created.uploadId)}/complete`);
  return { project: o.project, model: o.model, version: o.version, status: completed.status, files: files.length, uploaded: toUpload.length, bytesUploaded: uploadTotal };
}

export interface VersionState {
  status: string;
  reasons: string[];
}

/** Polls a version until it leaves `pending` (or the timeout passes: NETWORK_ERROR… TIMEOUT). */
export async function waitForVerdict(url: string, token: string, project: string, model: string, version: string, timeoutMs = 600_000, intervalMs = 1000): Promise<VersionState> {
  const base = url.endsWith("/") ? url : `${url}/`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await api<VersionState>(base, token, "GET", `api/v1/projects/${encodeURIComponent(project)}/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`);
    if (v.status !== "pending" && v.status !== "uploading") return v;
    if (Date.now() > deadline) throw new ModelgateError("TIMEOUT", `${project}/${model}@${version} is still ${v.status} after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

interface PushCliOptions {
  to?: string;
  project?: string;
  model?: string;
  version?: string;
  token?: string;
  wait?: boolean;
  timeout?: string;
  quiet?: boolean;
}

/** --timeout (seconds) of a command that can --wait, in ms; undefined (said on stderr) when it is not a positive number. */
export function waitTimeoutMs(command: string, value: string | undefined, defaultMs: number): number | undefined {
  const ms = value === undefined ? defaultMs : Number(value) * 1000;
  if (Number.isFinite(ms) && ms > 0) return ms;
  process.stderr.write(`modelgate ${command}: --timeout must be a number of seconds, got ${value}\n`);
  return undefined;
}

export async function runPush(modelPath: string, raw: Record<string, unknown>): Promise<number> {
  const o = raw as PushCliOptions;
  o.to ??= process.env.MODELGATE_SERVER;
  const token = o.token ?? process.env.MODELGATE_TOKEN;
  const missing = [!o.to && "--to URL (or MODELGATE_SERVER)", !o.project && "--project P", !o.model && "--model M", !o.version && "--version V", !token && "--token T (or MODELGATE_TOKEN)"].filter(Boolean);
  if (missing.length > 0) {
    process.stderr.write(`modelgate push: missing ${missing.join(", ")}\n`);
    return EXIT.USAGE;
  }
  const timeoutMs = waitTimeoutMs("push", o.timeout, 600_000);
  if (timeoutMs === undefined) return EXIT.USAGE;
  const bars = { hashing: createByteProgress({ enabled: !o.quiet, label: "hashing", minBytes: 16 * 1024 ** 2 }), uploading: createByteProgress({ enabled: !o.quiet, label: "uploading", minBytes: 16 * 1024 ** 2 }) };
  let result: PushResult;
  try {
    result = await pushModel(modelPath, {
      url: o.to!,
      token: token!,
      project: o.project!,
      model: o.model!,
      version: o.version!,
      onProgress: (phase, p) => {
        if (phase === "uploading") bars.hashing.done();
        bars[phase].update(p);
      },
    });
  } catch (e) {
    bars.hashing.done();
    bars.uploading.done();
    if (e instanceof ModelgateError) {
      process.stderr.write(`modelgate push: ${e.message}\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
  bars.hashing.done();
  bars.uploading.done();
  const subject = `${result.project}/${result.model}@${result.version}`;
  process.stdout.write(`pushed ${subject}: ${result.files} file(s), ${result.uploaded} uploaded (${result.bytesUploaded} bytes), ${result.files - result.uploaded} already stored; status ${result.status}\n`);
  if (!o.wait) return EXIT.OK;
  let state: VersionState;
  try {
    state = await waitForVerdict(o.to!, token!, result.project, result.model, result.version, timeoutMs);
  } catch (e) {
    process.stderr.write(`modelgate push: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }
  process.stdout.write(`${subject}: ${state.status}\n`);
  for (const r of state.reasons) process.stdout.write(`  - ${r}\n`);
  return state.status === "approved" ? EXIT.OK : EXIT.FINDINGS;
}
