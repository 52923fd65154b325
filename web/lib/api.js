/* global fetch, URLSearchParams */
/** The dashboard's only way to the server: the JSON API under /api/v1, with the session's Bearer token. */
import { getToken } from "./session.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Listeners told when the server says the token is no longer valid (401), so the app can return to login. */
const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

/** Encodes each path segment; a slash inside a name stays part of that segment. */
export function apiPath(...segments) {
  return "/api/v1/" + segments.map((seg) => encodeURIComponent(String(seg))).join("/");
}

/** fetch() without cookies or caching; an unreachable server is ApiError NETWORK_ERROR. */
async function send(url, init) {
  try {
    return await fetch(url, { ...init, credentials: "omit", cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, "NETWORK_ERROR", `cannot reach the server: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A non-2xx answer as ApiError with the server's code and message; a refused token also tells the listeners. */
function answerError(response, data, token) {
  const error = data && typeof data === "object" && data.error && typeof data.error === "object" ? data.error : {};
  const code = typeof error.code === "string" ? error.code : `HTTP_${response.status}`;
  const message = typeof error.message === "string" ? error.message : `${response.status} ${response.statusText}`;
  if (response.status === 401 && token) for (const listener of unauthorizedListeners) listener();
  return new ApiError(response.status, code, message);
}

/**
 * Calls the API and returns the parsed JSON (or null for an empty body). Throws ApiError with the server's
 * error code and message for any non-2xx answer.
 */
export async function api(path, { method = "GET", body, token = getToken(), query } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
    url += `?${params}`;
  }
  const response = await send(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = parseJson(text);
  if (!response.ok) throw answerError(response, data, token);
  if (text && data === null) throw new ApiError(response.status, "MALFORMED_INPUT", `the server sent a response that is not JSON for ${path}`);
  return data;
}

/** Like api() but returns null instead of throwing for 404 (a piece that does not exist yet, e.g. no SBOM). */
export async function apiOptional(path, options) {
  try {
    return await api(path, options);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/**
 * Fetches a document with the session's token as bytes (a report to save): { blob, type }. The API needs a Bearer
 * header, which a plain link cannot send, so the dashboard fetches and saves the file itself. Throws ApiError.
 */
export async function apiDownload(url) {
  const token = getToken();
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await send(url, { headers });
  if (!response.ok) throw answerError(response, parseJson(await response.text()), token);
  return { blob: await response.blob(), type: response.headers.get("content-type") ?? "" };
}

/** "403 FORBIDDEN: message" for showing to the user. */
export function describeError(err) {
  if (err instanceof ApiError) return `${err.status ? `${err.status} ` : ""}${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
