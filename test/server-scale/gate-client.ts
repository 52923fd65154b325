/**
 * A small HTTP client for the gate server's push flow, used by the scale tests and bench/server.ts: create a
 * version, upload its files, complete, and wait for the verdict — through the real HTTP API only.
 */
import { createHash } from "node:crypto";

export interface GateClient {
  url: string;
  token: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 500)}`);
    this.name = "HttpError";
  }
}

export async function api<T = unknown>(client: GateClient, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${client.token}` };
  let payload: string | Buffer | undefined;
  if (Buffer.isBuffer(body)) {
    headers["content-type"] = "application/octet-stream";
    payload = body;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(client.url + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  if (!res.ok) throw new HttpError(res.status, parsed, `${method} ${path}`);
  return parsed as T;
}

export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * A valid safetensors file of about `bytes` bytes: one F32 tensor whose values come from a seeded PRNG, so every
 * seed gives different content (no dedupe between versions) and the same seed the same bytes.
 */
export function safetensorsBytes(seed: number, bytes: number): Buffer {
  const count = Math.max(1, Math.floor(bytes / 4));
  let header = JSON.stringify({ __metadata__: { format: "pt" }, weight: { dtype: "F32", shape: [count], data_offsets: [0, count * 4] } });
  header += " ".repeat((8 - (header.length % 8)) % 8);
  const out = Buffer.alloc(8 + header.length + count * 4);
  out.writeBigUInt64LE(BigInt(header.length), 0);
  out.write(header, 8, "utf8");
  let s = (seed * 2654435761 + 1) >>> 0;
  const base = 8 + header.length;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.writeFloatLE(((s & 0xffff) - 32768) / 32768, base + i * 4); // small finite floats
  }
  return out;
}

export interface PushFile {
  path: string;
  data: Buffer;
}

export interface PushHooks {
  /** Called before each file upload starts and after it ends (fault test: kill while uploads are in flight). */
  onUploadStart?: () => void;
  onUploadEnd?: () => void;
}

/** Pushes one version; resolves once /complete answered 202 (the version is then pending, its scan queued). */
export async function pushVersion(client: GateClient, project: string, model: string, version: string, files: PushFile[], hooks: PushHooks = {}): Promise<void> {
  const created = await api<{ uploadId: string; missing: string[] }>(client, "POST", `/api/v1/projects/${project}/models/${model}/versions`, {
    version,
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256Hex(f.data) })),
  });
  for (const f of files) {
    if (!created.missing.includes(f.path)) continue;
    hooks.onUploadStart?.();
    try {
      await api(client, "PUT", `/api/v1/uploads/${created.uploadId}/files/${f.path.split("/").map(encodeURIComponent).join("/")}`, f.data);
    } finally {
      hooks.onUploadEnd?.();
    }
  }
  await api(client, "POST", `/api/v1/uploads/${created.uploadId}/complete`);
}

export interface VersionView {
  project: string;
  model: string;
  version: string;
  status: string;
  reasons: string[];
  files: { path: string; size: number; sha256: string }[];
}

export const DECIDED = new Set(["approved", "quarantined", "rejected"]);

/** Polls a version until it is decided (approved/quarantined/rejected) or `timeoutMs` passes. */
export async function waitForVerdict(client: GateClient, project: string, model: string, version: string, timeoutMs = 60_000): Promise<VersionView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await api<VersionView>(client, "GET", `/api/v1/projects/${project}/models/${model}/versions/${version}`);
    if (DECIDED.has(v.status)) return v;
    if (Date.now() > deadline) throw new Error(`${project}/${model}@${version} still ${v.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
