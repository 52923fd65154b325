/**
 * Outbound HTTP(S) requests the server (or a command) makes on its own: hub imports, webhook deliveries, the OSV
 * database download. Each request resolves its host, checks every address against a deny list of internal ranges
 * (loopback, private, link-local and cloud metadata, carrier-grade NAT, unique-local, IPv4-mapped/embedded forms…)
 * and then connects to exactly the address it checked (the lookup is pinned: no second DNS answer between check and
 * connect). Redirects are never followed by the transport: callers follow them by hand, so every hop is checked.
 * An operator opens internal addresses explicitly with an allowlist (`--allow-internal-host`): IPs, CIDR ranges or
 * host names.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
import { ModelgateError } from "../core/errors.js";

/** 16 bytes for IPv6, 4 for IPv4; undefined when not an address literal. */
function parseIp(text: string): Uint8Array | undefined {
  const kind = isIP(text);
  if (kind === 4) return Uint8Array.from(text.split(".").map(Number));
  if (kind !== 6) return undefined;
  let s = text.replace(/%.*$/, "");
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    tail.push(...dotted[1]!.split(".").map(Number));
    s = `${s.slice(0, dotted.index)}:0:0`;
  }
  const [head, rest] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":") : [];
  const r = rest === undefined ? [] : rest ? rest.split(":") : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill("0"), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g || "0", 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}

interface Cidr {
  bytes: Uint8Array;
  bits: number;
  name: string;
}

function cidr(text: string, name = text): Cidr {
  const [addr, bits] = text.split("/");
  const bytes = parseIp(addr!);
  if (!bytes) throw new ModelgateError("INVALID_OPTION", `not an IP address or CIDR range: ${JSON.stringify(text)}`);
  const max = bytes.length * 8;
  const n = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new ModelgateError("INVALID_OPTION", `bad prefix length in ${JSON.stringify(text)}`);
  return { bytes, bits: n, name };
}

function inRange(ip: Uint8Array, range: Cidr): boolean {
  if (ip.length !== range.bytes.length) return false;
  for (let bit = 0; bit < range.bits; bit += 8) {
    const left = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - left)) & 0xff;
    if ((ip[bit / 8]! & mask) !== (range.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

const DENIED_V4 = [
  cidr("0.0.0.0/8", "this network (0.0.0.0/8)"),
  cidr("10.0.0.0/8", "private (10/8)"),
  cidr("100.64.0.0/10", "carrier-grade NAT (100.64/10)"),
  cidr("127.0.0.0/8", "loopback (127/8)"),
  cidr("169.254.169.254/32", "cloud metadata (169.254.169.254)"),
  cidr("169.254.0.0/16", "link-local (169.254/16)"),
  cidr("172.16.0.0/12", "private (172.16/12)"),
  cidr("192.0.0.0/24", "IETF protocol assignments (192.0.0/24)"),
  cidr("192.0.2.0/24", "documentation (192.0.2/24)"),
  cidr("192.88.99.0/24", "6to4 relay anycast (192.88.99/24)"),
  cidr("192.168.0.0/16", "private (192.168/16)"),
  cidr("198.18.0.0/15", "benchmarking (198.18/15)"),
  cidr("198.51.100.0/24", "documentation (198.51.100/24)"),
  cidr("203.0.113.0/24", "documentation (203.0.113/24)"),
  cidr("224.0.0.0/4", "multicast (224/4)"),
  cidr("240.0.0.0/4", "reserved (240/4, broadcast)"),
];
const DENIED_V6 = [
  cidr("::/128", "unspecified (::)"),
  cidr("::1/128", "loopback (::1)"),
  cidr("100::/64", "discard (100::/64)"),
  cidr("2001::/32", "Teredo (2001::/32)"),
  cidr("2001:db8::/32", "documentation (2001:db8::/32)"),
  cidr("fc00::/7", "unique local (fc00::/7)"),
  cidr("fe80::/10", "link-local (fe80::/10)"),
  cidr("fec0::/10", "site-local (fec0::/10)"),
  cidr("ff00::/8", "multicast (ff00::/8)"),
];
/** IPv6 forms that carry an IPv4 address: the embedded address is checked as IPv4. */
const EMBEDDING_V6: { range: Cidr; at: number }[] = [
  { range: cidr("::ffff:0:0/96", "IPv4-mapped"), at: 12 },
  { range: cidr("::/96", "IPv4-compatible"), at: 12 },
  { range: cidr("::ffff:0:0:0/96", "IPv4-translated"), at: 12 },
  { range: cidr("64:ff9b::/96", "NAT64"), at: 12 },
  { range: cidr("64:ff9b:1::/48", "local NAT64"), at: 12 },
  { range: cidr("2002::/16", "6to4"), at: 2 },
];

/** The internal range `address` falls in (its name), or undefined for a public address. */
export function deniedRange(address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return "not an IP address";
  if (ip.length === 4) return DENIED_V4.find((r) => inRange(ip, r))?.name;
  for (const e of EMBEDDING_V6) {
    if (!inRange(ip, e.range)) continue;
    const v4 = ip.subarray(e.at, e.at + 4);
    if (e.at === 12 && e.range.name === "IPv4-compatible" && v4.every((b) => b === 0)) break; // :: itself, below
    const inner = DENIED_V4.find((r) => inRange(v4, r));
    if (inner) return `${inner.name} as ${e.range.name} IPv6`;
    if (e.range.name === "local NAT64") return "local NAT64 (64:ff9b:1::/48)";
    return undefined;
  }
  return DENIED_V6.find((r) => inRange(ip, r))?.name;
}

/** Internal addresses an operator allowed: IPs or CIDR ranges, and host names (matched exactly, case-insensitive). */
export interface OutboundAllowlist {
  ranges: Cidr[];
  hosts: Set<string>;
}

export function parseAllowlist(entries: readonly string[] = []): OutboundAllowlist {
  const allow: OutboundAllowlist = { ranges: [], hosts: new Set() };
  for (const raw of entries) {
    const e = raw.trim();
    if (!e) continue;
    const bare = e.replace(/^\[(.*)\]$/, "$1");
    if (isIP(bare.split("/")[0]!)) allow.ranges.push(cidr(bare));
    else if (/^[A-Za-z0-9.-]{1,253}$/.test(e)) allow.hosts.add(e.toLowerCase().replace(/\.$/, ""));
    else throw new ModelgateError("INVALID_OPTION", `--allow-internal-host takes host names, IP addresses or CIDR ranges, got ${JSON.stringify(e)}`);
  }
  return allow;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export interface OutboundOptions {
  /** Internal destinations allowed anyway (default: none). */
  allow?: OutboundAllowlist;
  /** DNS resolution (tests inject one); default dns.lookup with all answers. */
  resolve?: Resolver;
}

const defaultResolve: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Resolves `url`'s host and checks every answer; returns the one address to connect to. Refuses (FORBIDDEN) when
 * any answer is internal and not allowlisted: a name that resolves to both a public and an internal address is
 * refused, not raced.
 */
export async function checkDestination(url: URL, options: OutboundOptions = {}): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ModelgateError("INVALID_OPTION", `outbound requests are http(s) only, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase().replace(/\.$/, "");
  const allow = options.allow;
  let answers: { address: string; family: number }[];
  if (isIP(host)) answers = [{ address: host, family: isIP(host) }];
  else {
    try {
      answers = await (options.resolve ?? defaultResolve)(host);
    } catch (e) {
      throw new ModelgateError("NETWORK_ERROR", `cannot resolve ${host}: ${(e as Error).message}`, { cause: e });
    }
    if (answers.length === 0) throw new ModelgateError("NETWORK_ERROR", `cannot resolve ${host}: no addresses`);
  }
  const hostAllowed = allow?.hosts.has(host) === true;
  for (const a of answers) {
    const range = deniedRange(a.address);
    if (range === undefined || hostAllowed) continue;
    const ip = parseIp(a.address)!;
    if (allow?.ranges.some((r) => inRange(ip, r))) continue;
    throw new ModelgateError(
      "FORBIDDEN",
      `refusing to connect to ${host}${host === a.address ? "" : ` (${a.address})`}: ${range} is an internal address outbound requests may not reach (an operator allows it with --allow-internal-host)`,
    );
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface OutboundRequest extends OutboundOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  const status = res.statusCode ?? 502;
  const noBody = NULL_BODY.has(status) || method === "HEAD";
  if (noBody) res.resume();
  return new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status: status < 200 ? 502 : status, statusText: res.statusMessage ?? "", headers });
}

/**
 * One HTTP(S) request to `url` after checkDestination, connected to the checked address (TLS still verifies the
 * host name). Redirects are returned, never followed. Network failures are NETWORK_ERROR; a refused destination
 * is FORBIDDEN.
 */
export async function outboundFetch(url: URL | string, init: OutboundRequest = {}): Promise<Response> {
  const target = typeof url === "string" ? new URL(url) : url;
  const pinned = await checkDestination(target, init);
  const lookup: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else cb(null, pinned.address, pinned.family);
  };
  const method = init.method ?? "GET";
  const headers: OutgoingHttpHeaders = { ...init.headers };
  if (init.body !== undefined) headers["content-length"] = Buffer.byteLength(init.body);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method,
        headers,
        lookup,
        agent: false,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        try {
          resolve(toResponse(res, method));
        } catch (e) {
          res.destroy();
          reject(e as Error);
        }
      },
    );
    req.on("error", (e) => {
      if (init.signal?.aborted) reject(init.signal.reason instanceof Error ? init.signal.reason : e);
      else reject(new ModelgateError("NETWORK_ERROR", `cannot reach ${target.origin}: ${e.message}`, { cause: e }));
    });
    req.end(init.body);
  });
}

/** GET following redirects by hand (http/https only, at most `maxRedirects`), each hop checked by outboundFetch. */
export async function outboundGetFollowing(url: URL | string, init: OutboundRequest & { maxRedirects?: number } = {}): Promise<Response> {
  const max = init.maxRedirects ?? 5;
  let current = typeof url === "string" ? new URL(url) : url;
  for (let hop = 0; ; hop++) {
    const res = await outboundFetch(current, init);
    if (res.status < 300 || res.status >= 400) return res;
    await res.body?.cancel();
    const location = res.headers.get("location");
    if (!location) throw new ModelgateError("MALFORMED_INPUT", `${current.origin} answered ${res.status} without a Location`);
    if (hop >= max) throw new ModelgateError("LIMIT_EXCEEDED", `more than ${max} redirects from ${String(url)}`);
    current = new URL(location, current);
    if (current.protocol !== "https:" && current.protocol !== "http:") throw new ModelgateError("MALFORMED_INPUT", `redirected to a ${current.protocol} URL`);
  }
}
