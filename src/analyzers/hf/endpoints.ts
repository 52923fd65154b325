import { keyWords } from "./secrets.js";

/** Key words of fields whose value a loader or tool contacts (downloads from, posts to, connects to). */
const FETCH_WORDS = new Set([
  "url",
  "urls",
  "uri",
  "endpoint",
  "endpoints",
  "webhook",
  "callback",
  "host",
  "hostname",
  "server",
  "download",
  "upload",
  "remote",
  "proxy",
  "base",
  "mirror",
  "registry",
]);

const SCHEMES = new Set(["http:", "https:", "ftp:", "ws:", "wss:", "s3:", "gs:", "hdfs:", "tcp:"]);

const fetchKeyCache = new Map<string, boolean>();

export function isFetchKey(key: string): boolean {
  let known = fetchKeyCache.get(key);
  if (known === undefined) {
    known = keyWords(key).some((w) => FETCH_WORDS.has(w));
    if (fetchKeyCache.size > 10_000) fetchKeyCache.clear();
    fetchKeyCache.set(key, known);
  }
  return known;
}

/** The network address in a fetched field, or undefined when the field or value is something else. */
export function findEndpoint(key: string, value: string): { scheme: string; host: string } | undefined {
  if (!value.includes("://") || !isFetchKey(key)) return undefined;
  const v = value.trim();
  if (v.length > 2048 || !/^[a-z][a-z0-9+.-]{0,15}:\/\//i.test(v)) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return undefined;
  }
  if (!SCHEMES.has(url.protocol)) return undefined;
  return { scheme: url.protocol.slice(0, -1), host: url.host };
}
