import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

/**
 * The web dashboard: static files from web/ at the package root, served at `/` (index.html) and `/ui/*`.
 *
 * The files are read once at registration into an allow-list keyed by their path under web/; a request is
 * answered only when its path is exactly one of those keys, so there is no path to the file system to
 * traverse (`/ui/../package.json`, encoded dots and absolute paths simply miss the map). Every response carries
 * a strict CSP — scripts, styles and connections only from this origin, no inline script, no framing.
 * (A static-file plugin would add a dependency for what is a Map lookup; the dashboard is a dozen small files.)
 */

/** web/ relative to this module: src/server/routes/ under tsx/vitest, dist/server/routes/ once built. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../../web/", import.meta.url));

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/** Files larger than this are not dashboard assets (and are not loaded into memory). */
const MAX_ASSET_BYTES = 2 * 1024 * 1024;
const MAX_ASSETS = 500;

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

export interface DashboardOptions {
  /** Folder with index.html and the assets; default: web/ at the package root. */
  webDir?: string;
}

function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot).toLowerCase();
}

/**
 * Reads the dashboard's files into a map keyed by their "/"-separated path under `dir`. Only regular files with
 * a known content type are taken; dotfiles, symlinks, test files and oversized files are skipped.
 */
export function loadDashboardAssets(dir: string): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  const walk = (folder: string, depth: number): void => {
    if (depth > 4) return;
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".")) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(full, depth + 1);
        continue;
      }
      if (!entry.isFile()) continue; // symlinks, sockets…
      const type = CONTENT_TYPES[extension(entry.name)];
      if (!type || /\.test\.|\.d\.ts$/.test(entry.name)) continue;
      const stat = lstatSync(full);
      if (!stat.isFile() || stat.size > MAX_ASSET_BYTES) continue;
      if (assets.size >= MAX_ASSETS) return;
      const body = readFileSync(full);
      const key = relative(dir, full).split(sep).join("/");
      assets.set(key, { body, contentType: type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` });
    }
  };
  walk(dir, 0);
  return assets;
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  return reply;
}

/**
 * Registers `/` and `/ui/*` on the server (public routes). Missing web/ files make those routes answer 404, not
 * crash the server. The second argument may also be createServer's deps object; only `webDir` is read from it.
 */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): void {
  const dir = options.webDir ?? DEFAULT_WEB_DIR;
  let assets: Map<string, DashboardAsset>;
  try {
    assets = loadDashboardAssets(dir);
  } catch (err) {
    app.log.warn({ err, dir }, "dashboard files not found; / and /ui/ will answer 404");
    assets = new Map();
  }

  const send = (reply: FastifyReply, ifNoneMatch: string | undefined, key: string) => {
    securityHeaders(reply);
    const asset = assets.get(key);
    if (!asset) {
      return reply.code(404).type("application/json; charset=utf-8").send({ error: { code: "NOT_FOUND", message: "no such dashboard file" } });
    }
    reply.header("cache-control", "no-cache").header("etag", asset.etag);
    if (ifNoneMatch !== undefined && ifNoneMatch.split(",").some((t) => t.trim() === asset.etag)) return reply.code(304).send();
    return reply.code(200).type(asset.contentType).send(asset.body);
  };

  // Public: the files hold no data; everything the pages show comes from the API with the user's token.
  const PUBLIC = { config: { public: true } } as const;
  app.get("/", PUBLIC, (request, reply) => send(reply, request.headers["if-none-match"], "index.html"));
  app.get("/ui", PUBLIC, (_request, reply) => securityHeaders(reply).redirect("/", 302));
  app.get<{ Params: { "*": string } }>("/ui/*", PUBLIC, (request, reply) => {
    const key = request.params["*"];
    return send(reply, request.headers["if-none-match"], key === "" ? "index.html" : key);
  });
}
