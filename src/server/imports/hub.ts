import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { LimitError, ModelgateError } from "../../core/errors.js";
import { outboundFetch, type OutboundAllowlist } from "../../net/outbound.js";
import { checkFilePath, SHA256_HEX } from "../validate/names.js";

/**
 * A Hugging Face-compatible hub, read the way huggingface_hub does: the revision's metadata from
 * `GET {hub}/api/models/{repo}/revision/{rev}?blobs=true` (commit sha, and per file its size and, for LFS files,
 * its SHA-256), then each file from `GET {hub}/{repo}/resolve/{commit}/{path}`, which redirects LFS files to a CDN.
 * Everything the hub says is hostile input: names, paths, sizes and digests are checked, answers are bounded.
 */

/** `hf://ORG/NAME` (or `hf://NAME`): the repository id, each part a hub name. */
export interface HubRepo {
  repo: string;
}

export interface HubFile {
  path: string;
  size: number;
  /** From the hub's LFS pointer; absent for small files kept in git. */
  sha256?: string;
}

export interface HubRevision {
  commit: string;
  files: HubFile[];
}

const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const METADATA_MAX_BYTES = 16 * 1024 * 1024;
const METADATA_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

/** Parses `hf://ORG/NAME[@REVISION]`; the revision may also come separately. */
export function parseHubSource(source: string): { repo: string; revision?: string } {
  const m = /^hf:\/\/([^@]+?)(?:@(.+))?$/.exec(source);
  const parts = m?.[1]!.split("/") ?? [];
  if (!m || parts.length < 1 || parts.length > 2 || !parts.every((p) => REPO_PART.test(p) && !p.includes(".."))) {
    throw new ModelgateError("INVALID_OPTION", `source must look like hf://ORG/NAME or hf://ORG/NAME@REVISION, got ${JSON.stringify(source.slice(0, 200))}`);
  }
  if (m[2] !== undefined) checkRevision(m[2]);
  return { repo: parts.join("/"), ...(m[2] !== undefined ? { revision: m[2] } : {}) };
}

/** A branch, tag or commit: no path tricks, no spaces or control characters. */
export function checkRevision(revision: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(revision) || revision.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new ModelgateError("INVALID_OPTION", `revision ${JSON.stringify(revision.slice(0, 200))} is not a branch, tag or commit name`);
  }
  return revision;
}

function headersFor(url: URL, hub: URL, token: string | undefined): Record<string, string> {
  // The hub token goes to the hub's own origin only, never to a CDN or another host a redirect names.
  return token && url.origin === hub.origin ? { authorization: `Bearer ${token}` } : {};
}

/**
 * GET with redirects followed by hand (http and https only, at most MAX_REDIRECTS), the token kept to the hub.
 * Every hop's address is resolved and checked (net/outbound.ts): a hub or CDN redirecting to loopback, a private
 * network or a metadata address is refused (FORBIDDEN) unless the operator allowlisted it.
 */
async function hubGet(url: URL, hub: URL, token: string | undefined, signal: AbortSignal | undefined, allow: OutboundAllowlist | undefined): Promise<Response> {
  let current = url;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await outboundFetch(current, { headers: headersFor(current, hub, token), ...(signal ? { signal } : {}), ...(allow ? { allow } : {}) });
    } catch (e) {
      if (e instanceof ModelgateError) throw e; // our own abort reason (a stalled hub)
      throw new ModelgateError("NETWORK_ERROR", `cannot reach ${current.origin}: ${(e as Error).message}`, { cause: e });
    }
    if (res.status < 300 || res.status >= 400) return res;
    await res.body?.cancel();
    const location = res.headers.get("location");
    if (!location) throw new ModelgateError("MALFORMED_INPUT", `${current.origin} answered ${res.status} without a Location`);
    if (hop >= MAX_REDIRECTS) throw new ModelgateError("LIMIT_EXCEEDED", `more than ${MAX_REDIRECTS} redirects from ${url.href}`);
    const next = new URL(location, current);
    if (next.protocol !== "https:" && next.protocol !== "http:") throw new ModelgateError("MALFORMED_INPUT", `the hub redirected to a ${next.protocol} URL`);
    current = next;
  }
}

async function failure(res: Response, what: string): Promise<ModelgateError> {
  const text = (await res.text().catch(() => "")).slice(0, 300);
  const code = res.status === 401 || res.status === 403 ? "UNAUTHORIZED" : res.status === 404 ? "NOT_FOUND" : res.status >= 500 || res.status === 429 ? "NETWORK_ERROR" : "MALFORMED_INPUT";
  return new ModelgateError(code, `${what}: the hub answered ${res.status}${text ? ` (${text.replace(/\s+/g, " ")})` : ""}`);
}

/** A body that breaks off mid-way (connection reset, abort) is a network error: the import job retries those. */
function brokenOff(e: unknown, what: string, signal?: AbortSignal): ModelgateError {
  if (signal?.aborted && signal.reason instanceof ModelgateError) return signal.reason;
  if (e instanceof ModelgateError) return e;
  return new ModelgateError("NETWORK_ERROR", `${what}: the download broke off: ${(e as Error).message}`, { cause: e });
}

async function readBounded(res: Response, max: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) {
      size += (chunk as Buffer).length;
      if (size > max) throw new LimitError("hubMetadataBytes", size, max, `${what} is larger than ${max} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    throw brokenOff(e, what);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Resolves a revision to its commit and lists its files with sizes (and LFS SHA-256s), checked. */
export async function resolveRevision(hub: URL, repo: string, revision: string, token: string | undefined, maxFiles: number, allow?: OutboundAllowlist): Promise<HubRevision> {
  const url = new URL(`api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`, hub);
  const what = `hf://${repo}@${revision}`;
  const res = await hubGet(url, hub, token, AbortSignal.timeout(METADATA_TIMEOUT_MS), allow);
  if (!res.ok) throw await failure(res, what);
  let info: { sha?: unknown; siblings?: unknown };
  try {
    info = JSON.parse(await readBounded(res, METADATA_MAX_BYTES, `the metadata of ${what}`)) as typeof info;
  } catch (e) {
    if (e instanceof ModelgateError) throw e;
    throw new ModelgateError("MALFORMED_INPUT", `the metadata of ${what} is not JSON`);
  }
  if (typeof info.sha !== "string" || !/^[0-9a-f]{40}$/.test(info.sha)) throw new ModelgateError("MALFORMED_INPUT", `the hub gave no commit id for ${what}`);
  if (!Array.isArray(info.siblings) || info.siblings.length === 0) throw new ModelgateError("MALFORMED_INPUT", `the hub lists no files for ${what}`);
  if (info.siblings.length > maxFiles) throw new LimitError("maxFilesPerVersion", info.siblings.length, maxFiles, `${what} has ${info.siblings.length} files, more than ${maxFiles}`);
  const seen = new Set<string>();
  const files = (info.siblings as { rfilename?: unknown; size?: unknown; lfs?: { sha256?: unknown } }[]).map((s) => {
    const path = checkFilePath(s.rfilename);
    if (seen.has(path)) throw new ModelgateError("MALFORMED_INPUT", `the hub lists ${path} twice`);
    seen.add(path);
    if (typeof s.size !== "number" || !Number.isSafeInteger(s.size) || s.size < 0) throw new ModelgateError("MALFORMED_INPUT", `the hub gives no size for ${path}`);
    const sha256 = s.lfs?.sha256;
    if (sha256 !== undefined && (typeof sha256 !== "string" || !SHA256_HEX.test(sha256))) throw new ModelgateError("MALFORMED_INPUT", `the hub gives a malformed SHA-256 for ${path}`);
    return { path, size: s.size, ...(sha256 !== undefined ? { sha256 } : {}) };
  });
  return { commit: info.sha, files };
}

/** Yields the body's chunks; each chunk restarts the stall timer; a broken-off body is a NETWORK_ERROR/TIMEOUT. */
async function* watched(body: WebReadableStream<Uint8Array>, timer: NodeJS.Timeout, abort: AbortController, what: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of Readable.fromWeb(body)) {
      timer.refresh();
      yield chunk as Buffer;
    }
  } catch (e) {
    throw brokenOff(e, what, abort.signal);
  } finally {
    clearTimeout(timer);
    abort.abort(); // a consumer that stopped early (a limit) closes the connection; a no-op after the last byte
  }
}

/**
 * Opens one file of a commit as a stream (the caller bounds and hashes it). A hub or CDN that sends nothing for
 * `stallMs` — before answering or between two chunks — ends the download with a TIMEOUT, so a stalled connection
 * cannot hold a worker (whose job lease is renewed while it runs) for ever.
 */
export async function openHubFile(hub: URL, repo: string, commit: string, path: string, token: string | undefined, stallMs: number, allow?: OutboundAllowlist): Promise<Readable> {
  const url = new URL(`${repo}/resolve/${commit}/${path.split("/").map(encodeURIComponent).join("/")}`, hub);
  const what = `hf://${repo}@${commit.slice(0, 12)}/${path}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new ModelgateError("TIMEOUT", `${what}: the hub sent nothing for ${stallMs / 1000} s`)), stallMs).unref();
  let res: Response;
  try {
    res = await hubGet(url, hub, token, abort.signal, allow);
    if (!res.ok || !res.body) throw await failure(res, what);
  } catch (e) {
    clearTimeout(timer);
    throw brokenOff(e, what, abort.signal);
  }
  return Readable.from(watched(res.body as WebReadableStream<Uint8Array>, timer, abort, what));
}
