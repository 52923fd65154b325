import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { ModelgateError } from "../core/errors.js";

/** An API error answer as an exception carrying the server's code and message. */
export class ApiError extends ModelgateError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(status === 401 ? "UNAUTHORIZED" : status === 403 ? "FORBIDDEN" : status === 404 ? "NOT_FOUND" : status === 409 ? "CONFLICT" : status === 413 ? "LIMIT_EXCEEDED" : "NETWORK_ERROR", `${message} (HTTP ${status} ${code})`);
    this.status = status;
  }
}

/** The server's `{ error: { code, message } }` answer (or its raw text) as an ApiError; `prefix` goes before the message. */
export function apiErrorFromBody(status: number, text: string, prefix = ""): ApiError {
  let err = { code: "HTTP_ERROR", message: text.slice(0, 500) };
  try {
    err = (JSON.parse(text) as { error: typeof err }).error ?? err;
  } catch {
    // not JSON: keep the text
  }
  return new ApiError(status, err.code, `${prefix}${err.message}`);
}

/** A JSON API call with the token; non-2xx answers throw ApiError, an unreachable server NETWORK_ERROR. */
export async function api<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    throw new ModelgateError("NETWORK_ERROR", `cannot reach ${base}: ${(e as Error).message}`, { cause: e });
  }
  const text = await res.text();
  if (!res.ok) throw apiErrorFromBody(res.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface DownloadResult {
  size: number;
  sha256: string;
  /** The server's x-modelgate-sha256 header, when it sent one. */
  announcedSha256?: string;
}

/**
 * GETs `url` into a new file `dest` (created exclusively: never overwrites, never follows a link), hashing while
 * writing. Stops as soon as more than `maxBytes` arrive, so a hostile server cannot fill the disk.
 */
export function downloadToFile(url: URL, token: string, dest: string, o: { maxBytes: number; onBytes?: (n: number) => void; signal?: AbortSignal }): Promise<DownloadResult> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers: { authorization: `Bearer ${token}`, accept: "application/octet-stream" }, ...(o.signal ? { signal: o.signal } : {}) }, (res) => {
      void receive(res).then(resolve, reject);
    });
    req.on("error", (e) => reject(new ModelgateError("NETWORK_ERROR", `downloading ${url.pathname}: ${e.message}`, { cause: e })));
    req.end();
  });

  async function receive(res: IncomingMessage): Promise<DownloadResult> {
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of res) {
        if (n < 64 * 1024) chunks.push(c as Buffer);
        n += (c as Buffer).length;
      }
      throw apiErrorFromBody(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"));
    }
    const header = res.headers["x-modelgate-sha256"];
    const fh = await open(dest, "wx", 0o644);
    const hash = createHash("sha256");
    let size = 0;
    try {
      for await (const c of res) {
        const chunk = c as Buffer;
        size += chunk.length;
        if (size > o.maxBytes) {
          res.destroy();
          throw new ModelgateError("VERIFICATION_FAILED", `${url.pathname}: the server sent more than the ${o.maxBytes} bytes the version lists`);
        }
        hash.update(chunk);
        await fh.write(chunk);
        o.onBytes?.(chunk.length);
      }
      if (!res.complete) throw new ModelgateError("NETWORK_ERROR", `${url.pathname}: the connection closed before the file was complete`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { size, sha256: hash.digest("hex"), ...(typeof header === "string" ? { announcedSha256: header.toLowerCase() } : {}) };
  }
}
