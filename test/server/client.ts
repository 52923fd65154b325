/** A small HTTP client for the server tests: JSON in and out, raw requests for what fetch would normalise. */
import { request as httpRequest } from "node:http";

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class Api {
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  as(token: string | undefined): Api {
    return new Api(this.url, token);
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined && !(body instanceof Uint8Array) && typeof body !== "string" ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: body instanceof Uint8Array || typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.call<T>("GET", path);
  }
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.call<T>("POST", path, body ?? {});
  }
  put<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.call<T>("PUT", path, body);
  }
  delete<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.call<T>("DELETE", path);
  }

  /** Bytes of a download. */
  async bytes(path: string): Promise<{ status: number; body: Buffer; text: string }> {
    const res = await fetch(`${this.url}${path}`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, body, text: body.toString("utf8") };
  }

  /** A request with the path sent exactly as given (fetch would resolve `..` and `%2e%2e`). */
  raw(method: string, rawPath: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const u = new URL(this.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          method,
          path: rawPath,
          headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(body ? { "content-length": String(body.length) } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}

export const errorCode = (r: ApiResponse): string | undefined => (r.body as { error?: { code?: string } } | undefined)?.error?.code;
export const errorMessage = (r: ApiResponse): string => (r.body as { error?: { message?: string } } | undefined)?.error?.message ?? "";
