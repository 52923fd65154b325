import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_CSP, DEFAULT_WEB_DIR, loadDashboardAssets, registerDashboard } from "./web.js";

describe("dashboard static files", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    registerDashboard(app);
    await app.ready();
  });
  afterAll(() => app.close());

  it("serves index.html at / with the security headers", async () => {
    const res = await app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain('<script type="module" src="/ui/app.js"></script>');
    expect(res.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).not.toContain("unsafe-inline");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["x-frame-options"]).toBe("DENY");
  });

  it("serves the assets under /ui/ with their content types", async () => {
    const cases: [string, string][] = [
      ["/ui/app.js", "text/javascript; charset=utf-8"],
      ["/ui/lib/merkle.js", "text/javascript; charset=utf-8"],
      ["/ui/views/version.js", "text/javascript; charset=utf-8"],
      ["/ui/styles.css", "text/css; charset=utf-8"],
      ["/ui/favicon.svg", "image/svg+xml"],
      ["/ui/index.html", "text/html; charset=utf-8"],
    ];
    for (const [url, type] of cases) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"], url).toBe(type);
      expect(res.headers["x-content-type-options"], url).toBe("nosniff");
    }
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const first = await app.inject({ url: "/ui/app.js" });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const second = await app.inject({ url: "/ui/app.js", headers: { "if-none-match": etag } });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe("");
  });

  it("never reaches outside the allow-list: traversal, encoded dots, absolute paths", async () => {
    for (const url of ["/ui/../package.json", "/ui/%2e%2e/package.json", "/ui/..%2fpackage.json", "/ui/%2e%2e%2f%2e%2e%2fpackage.json", "/ui//etc/passwd",
      "/ui/lib/../../package.json", "/ui/%2fetc%2fpasswd", "/ui/lib", "/ui/nope.js", "/ui/app.js%00.css", "/ui/.eslintrc"]) {
      const res = await app.inject({ url });
      expect([404, 400], url).toContain(res.statusCode);
      expect(res.body, url).not.toContain('"name": "modelgate"');
      expect(res.body, url).not.toContain("root:");
    }
  });

  it("loads only regular files with a known type, skipping dotfiles, symlinks and tests", () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-web-"));
    mkdirSync(join(dir, "views"));
    writeFileSync(join(dir, "index.html"), "<!doctype html>");
    writeFileSync(join(dir, "views", "a.js"), "export {};");
    writeFileSync(join(dir, ".secret.js"), "x");
    writeFileSync(join(dir, "notes.md"), "x");
    writeFileSync(join(dir, "a.test.js"), "x");
    symlinkSync("/etc/passwd", join(dir, "passwd.txt"));
    expect([...loadDashboardAssets(dir).keys()].sort()).toEqual(["index.html", "views/a.js"]);
  });

  it("answers 404 (and keeps the server up) when the web folder is missing", async () => {
    const bare = Fastify({ logger: false });
    registerDashboard(bare, { webDir: join(tmpdir(), "modelgate-no-such-web-dir") });
    const res = await bare.inject({ url: "/" });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: { code: "NOT_FOUND", message: "no such dashboard file" } });
    await bare.close();
  });
});

describe("dashboard sources", () => {
  it("never turn data into markup or code: no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval, Function, inline handlers", () => {
    const assets = loadDashboardAssets(DEFAULT_WEB_DIR);
    const scripts = [...assets].filter(([k]) => k.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(10);
    for (const [name, asset] of scripts) {
      const text = asset.body.toString("utf8");
      expect(text, name).not.toMatch(/\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\s*\(|new Function\s*\(|setAttribute\(\s*["']on|setAttribute\(\s*["']style/);
    }
    const html = assets.get("index.html")!.body.toString("utf8");
    // Only external module scripts and no inline handlers or styles: the CSP allows nothing else.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/ui/app.js">']);
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=|<style/i);
  });
});
