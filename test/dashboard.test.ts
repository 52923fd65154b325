import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryLeafHash } from "../src/server/audit/entry.js";
import type { Report } from "../src/core/report.js";
import { formatHtml } from "../src/report/html.js";
import { createServer, type GateServer } from "../src/server/app.js";
import { buildSafetensors } from "./fixtures/safetensors/build.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Set DASHBOARD_SCREENSHOTS=/some/dir to keep a screenshot of every page the test visits. */
const SHOTS = process.env.DASHBOARD_SCREENSHOTS;
const ADMIN = `mg_${Buffer.alloc(32, 7).toString("base64url")}`;
const HOSTILE_REASON = `suspected backdoor <img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;

// Models pushed through the API (small, real files).
const CLEAN = buildSafetensors([{ name: "fc.weight", dtype: "F32", shape: [4, 4] }], { format: "pt" });
/** os.system called at load: a critical finding, rejected by the server. */
const EVIL = Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", "latin1");
/** Calls a class nobody vouched for: a high finding, so the policy verdict fails and the version is quarantined. */
const SUSPICIOUS = Buffer.from("cmylib.layers\nDense\n)R.", "latin1");
/**
 * Old torch and transformers: three critical advice items (modelgate's advice table) and no scan finding, so the
 * policy fails on dependencies.vulnerabilities and the version is quarantined; onnx has a high OSV advisory (the test
 * database's one record), listed but within the default policy.
 */
const REQUIREMENTS = Buffer.from("torch==2.0.0\ntransformers==4.30.0\nonnx==1.12.0\n");
const ONNX_ADVISORY = {
  id: "GHSA-test-onnx-0001",
  modified: new Date(Date.now() - 86_400_000).toISOString(),
  summary: "path traversal in onnx external data",
  database_specific: { severity: "HIGH" },
  affected: [{ package: { name: "onnx", ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.13.0" }] }] }],
};

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The web dashboard end to end: the real gate server (SQLite + folder blobs in a temp dir), models pushed through
 * the HTTP API, and Debian's Chromium driving the pages as a reviewer and as an administrator.
 */
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("web dashboard in Chromium", () => {
  let server: GateServer;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let reviewer: string;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const failedResponses: { status: number; url: string }[] = [];

  async function call<T = unknown>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Pushes one file as a new version and waits for the scan to decide it. */
  async function push(token: string, model: string, version: string, path: string, data: Buffer): Promise<string> {
    return pushFiles(token, model, version, [[path, data]]);
  }

  /** Pushes files as a new version and waits for the scan to decide it. */
  async function pushFiles(token: string, model: string, version: string, files: [string, Buffer][]): Promise<string> {
    const created = await call<{ uploadId: string; missing: string[] }>(token, "POST", `/api/v1/projects/vision/models/${model}/versions`, {
      version,
      files: files.map(([path, data]) => ({ path, size: data.length, sha256: sha256(data) })),
    });
    for (const [path, data] of files) {
      if (!created.missing.includes(path)) continue;
      const res = await fetch(`${server.url}/api/v1/uploads/${created.uploadId}/files/${path}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        body: data,
      });
      expect(res.status, await res.text()).toBe(204);
    }
    await call(token, "POST", `/api/v1/uploads/${created.uploadId}/complete`);
    for (let i = 0; i < 600; i++) {
      const v = await call<{ status: string }>(token, "GET", `/api/v1/projects/vision/models/${model}/versions/${version}`);
      if (v.status !== "pending" && v.status !== "uploading") return v.status;
      await sleep(100);
    }
    throw new Error(`${model}@${version} was not scanned`);
  }

  /**
   * Waits until the element's text matches, as Playwright's toHaveText does: a view shows "Saving…" and the like
   * before the server answers, so reading the text once races the page.
   */
  async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const matches = (text: string) => (typeof expected === "string" ? text.includes(expected) : expected.test(text));
    let text = await locator.innerText();
    while (!matches(text) && Date.now() < deadline) {
      await sleep(50);
      text = await locator.innerText();
    }
    if (typeof expected === "string") expect(text).toContain(expected);
    else expect(text).toMatch(expected);
  }

  async function shot(name: string): Promise<void> {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });
    await page.screenshot({ path: join(SHOTS, `dashboard-${name}-top.png`) });
  }

  async function login(token: string): Promise<void> {
    await page.goto(`${server.url}/#/login`);
    await page.getByLabel("API token").fill(token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { level: 1, name: "Models" }).waitFor();
  }

  async function open(hash: string, heading: string | RegExp): Promise<void> {
    const url = `${server.url}/${hash}`;
    // Going to the URL the tab already shows only compares fragments; reload to get fresh data.
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  }

  /** Fills the reason form of an action and confirms it. */
  async function decide(scope: ReturnType<Page["locator"]>, action: string, reason: string, formScope = scope): Promise<void> {
    await scope.locator(`button[data-action="${action}"]`).click();
    const form = formScope.locator(`form[data-form-action="${action}"]`);
    await form.getByLabel("Reason").fill(reason);
    await form.getByRole("button", { name: /^Confirm/ }).click();
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "modelgate-dashboard-"));
    // An offline vulnerability database as `POST /api/v1/vulndb/update` leaves it: every version gets a dependency audit.
    mkdirSync(join(dataDir, "vulndb"));
    writeFileSync(join(dataDir, "vulndb", "metadata.json"), JSON.stringify({ format: "modelgate-osv/1", updatedAt: new Date().toISOString(), source: "dashboard test", records: 1 }));
    writeFileSync(join(dataDir, "vulndb", "records.jsonl"), `${JSON.stringify(ONNX_ADVISORY)}\n`);
    server = await createServer({ dataDir, port: 0, adminToken: ADMIN, logLevel: "silent", workers: 1 });
    await call(ADMIN, "POST", "/api/v1/projects", { name: "vision" });
    const publisher = (await call<{ token: string }>(ADMIN, "POST", "/api/v1/tokens", { name: "ci-publisher", roles: [{ project: "vision", role: "publisher" }] })).token;
    reviewer = (await call<{ token: string }>(ADMIN, "POST", "/api/v1/tokens", { name: "rita-reviewer", roles: [{ project: "vision", role: "reviewer" }] })).token;
    expect(await push(publisher, "classifier", "1.0.0", "model.safetensors", CLEAN)).toBe("approved");
    expect(await push(publisher, "loader", "0.1.0", "model.pkl", EVIL)).toBe("rejected");
    expect(await push(publisher, "legacy", "2.0.0", "model.pkl", SUSPICIOUS)).toBe("quarantined");
    // Pushed by the admin itself: the server must refuse the admin's own approval (four eyes).
    expect(await push(ADMIN, "legacy", "2.1.0", "weights.pkl", SUSPICIOUS)).toBe("quarantined");
    // Clean weights, vulnerable dependencies: held for three critical advice items, with no scan finding at all.
    expect(await pushFiles(publisher, "chat", "3.0.0", [["model.safetensors", CLEAN], ["requirements.txt", REQUIREMENTS]])).toBe("quarantined");

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Runs outside the page's CSP (DevTools protocol): records any violation the policy reports.
    await context.addInitScript(`window.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`);
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) failedResponses.push({ status: r.status(), url: r.url().replace(server.url, "") });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a token the server does not know, then logs the reviewer in", async () => {
    await page.goto(server.url);
    await page.getByRole("heading", { level: 1, name: "Log in to modelgate" }).waitFor();
    await shot("login");
    await page.getByLabel("API token").fill(`mg_${Buffer.alloc(32, 1).toString("base64url")}`);
    await page.getByRole("button", { name: "Log in" }).click();
    await expectText(page.getByRole("alert"), /did not accept this token \(401 UNAUTHORIZED/);
    // Keyboard only: the token field has focus again after the error, Enter submits.
    expect(await page.evaluate("document.activeElement.id")).toBe("token");
    await page.keyboard.press("Control+A");
    await page.keyboard.type(reviewer);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Models" }).waitFor();
    // Focus moves to the new page's heading, so screen readers announce it.
    expect(await page.evaluate("document.activeElement.tagName + ' ' + document.activeElement.textContent")).toBe("H1 Models");
    await expectText(page.locator("#whoami"), "rita-reviewer");
    await expectText(page.locator("#whoami"), "reviewer @ vision");
    // The token lives in this tab's sessionStorage only.
    expect(await page.evaluate('[sessionStorage.getItem("modelgate.token"), localStorage.length]')).toEqual([reviewer, 0]);
  });

  it("lists the models with the status of their latest version", async () => {
    const rows = page.locator('table[data-project="vision"] tbody tr');
    await rows.first().waitFor();
    const text = await rows.allInnerTexts();
    expect(text.find((t) => t.startsWith("classifier"))).toMatch(/1\.0\.0\s+Approved/);
    expect(text.find((t) => t.startsWith("loader"))).toMatch(/0\.1\.0\s+Rejected/);
    expect(text.find((t) => t.startsWith("legacy"))).toMatch(/2\.1\.0\s+Quarantined/);
    await shot("models");
    await page.getByRole("link", { name: "legacy" }).click();
    await page.getByRole("heading", { level: 1, name: "vision / legacy" }).waitFor();
    await expectText(page.locator('#versions tr[data-version="2.0.0"]'), /Quarantined\s+HIGH\s+scan\.max-severity: pickle\/unknown-global-call/);
  });

  it("shows a rejected version with its reasons, critical finding, verdict and file digests", async () => {
    await open("#/projects/vision/models/loader/versions/0.1.0", "loader 0.1.0");
    await expectText(page.locator("#version-status"), /Rejected.*Policy: fail.*CRITICAL/s);
    await expectText(page.locator("#reasons"), "pickle/dangerous-global");
    const finding = page.locator('details[data-severity="critical"] article[data-rule="pickle/dangerous-global"]');
    await expectText(finding, /os\.system[\s\S]*Remediation:[\s\S]*CWE-502/);
    await expectText(page.locator("#files"), sha256(EVIL));
    await expectText(page.locator("#verdict"), "Policy: fail");
    // No decision applies to a rejected version.
    expect(await page.locator("#decision").count()).toBe(0);
    await shot("version-rejected");
  });

  it("shows the policy read-only to a reviewer", async () => {
    await open("#/policy", "Policy");
    await page.locator("#policy-body section").waitFor();
    expect(await page.locator("#policy-editor").count()).toBe(0);
    await expectText(page.locator("#policy-body"), "Read-only");
  });

  it("quarantines an approved version from its page, with the reason shown as text", async () => {
    await open("#/projects/vision/models/classifier/versions/1.0.0", "classifier 1.0.0");
    await expectText(page.locator("#version-status"), /Approved.*Policy: pass/s);
    await expectText(page.locator("#findings"), /No findings/);
    await expectText(page.locator("#signature"), "Signature verified");
    await expectText(page.locator("#pull-command"), `modelgate pull vision/classifier@1.0.0 --from ${server.url} --public-key server.pub`);
    await shot("version-approved");
    await decide(page.locator("#decision"), "quarantine", HOSTILE_REASON);
    await page.locator("#version-status").getByText("Quarantined").waitFor();
    await expectText(page.locator("#reasons"), HOSTILE_REASON);
    expect(await page.locator("#pull-command").count()).toBe(0); // no longer downloadable
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.title()).not.toContain("pwned");
    await shot("version-quarantined");
  });

  it("lists both held versions in the quarantine queue", async () => {
    await open("#/quarantine", "Quarantine queue");
    await page.locator('#quarantine tr[data-version="vision/classifier/1.0.0"]').waitFor();
    await expectText(page.locator('#quarantine tr[data-version="vision/legacy/2.0.0"]'), "pickle/unknown-global-call");
    await expectText(page.locator('#quarantine tr[data-version="vision/classifier/1.0.0"]'), HOSTILE_REASON);
    // A reviewer may approve or reject; releasing is for administrators.
    expect(await page.locator('#quarantine button[data-action="release"]').count()).toBe(0);
    await shot("quarantine-reviewer");
  });

  it("lists the dependency advice that failed the policy on the version page, with package names", async () => {
    await open("#/projects/vision/models/chat/versions/3.0.0", "chat 3.0.0");
    // No scan finding, yet the worst reason is critical: the advice the policy failed on.
    await expectText(page.locator("#version-status"), /Quarantined.*Policy: fail.*CRITICAL/s);
    const advice = page.locator("#advice tbody tr");
    await advice.first().waitFor();
    const ids = await advice.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: Record<string, string> }).dataset));
    expect(ids.map((d) => [d.advisory, d.severity, d.rule])).toEqual([
      ["torch-load-weights-only-bypass", "critical", "dependencies.vulnerabilities"],
      ["transformers-deserialization-4.36", "critical", "dependencies.vulnerabilities"],
      ["transformers-tf-checkpoint-pickle", "critical", "dependencies.vulnerabilities"],
    ]);
    const torch = page.locator('#advice tr[data-advisory="torch-load-weights-only-bypass"]');
    await expectText(torch, /CRITICAL\s+torch-load-weights-only-bypass\s+CVE-2025-32434\s+torch 2\.0\.0\s+torch\.load\(weights_only=True\) can be bypassed/);
    await expectText(torch, /controls: .*controlVulnerabilityManagement[\s\S]*2\.6\.0/);
    await expectText(page.locator('#advice tr[data-advisory="transformers-tf-checkpoint-pickle"] td.package'), "transformers 4.30.0");
    await expectText(page.locator("#dependency-advice"), "3 dependency results failed the policy, 3 critical");

    // The audit table: every row names its package (the API sends `package` as a string), the policy's failures marked.
    const packages = await page.locator("#dependency-audit td.package strong").allInnerTexts();
    expect(packages.sort()).toEqual(["onnx", "torch", "transformers", "transformers", "transformers"]);
    await expectText(page.locator('#dependency-audit tr[data-advisory="GHSA-test-onnx-0001"]'), /GHSA-test-onnx-0001[\s\S]*onnx 1\.12\.0[\s\S]*requirements\.txt:3\s+HIGH\s+1\.13\.0\s+—/);
    for (const id of ["torch-load-weights-only-bypass", "transformers-deserialization-4.36", "transformers-tf-checkpoint-pickle"]) {
      await expectText(page.locator(`#dependency-audit tr[data-advisory="${id}"]`), "fails policy");
    }
    await expectText(page.locator('#dependency-audit tr[data-advisory="transformers-deserialization-4.48"]'), /HIGH\s+4\.48\.0\s+—/);
    await expectText(page.locator("main"), /Dependencies\s+3/);
    await shot("version-dependency-advice");
  });

  it("shows in the quarantine queue the worst reason each version is held for", async () => {
    await open("#/quarantine", "Quarantine queue");
    const chat = page.locator('#quarantine tr[data-version="vision/chat/3.0.0"] td.worst');
    await chat.waitFor();
    await expectText(chat, /CRITICAL · 3 reasons\s*from dependencies\.vulnerabilities/);
    expect(await chat.locator(".badge").getAttribute("data-severity")).toBe("critical");
    await expectText(page.locator('#quarantine tr[data-version="vision/legacy/2.0.0"] td.worst'), /HIGH · \d+ reasons?\s*from the scan findings/);
    // Held by a reviewer's decision: no finding, one reason (the reviewer's).
    await expectText(page.locator('#quarantine tr[data-version="vision/classifier/1.0.0"] td.worst'), "no finding · 1 reason");
    await shot("quarantine-worst");
  });

  it("downloads the stored scan report as JSON and as the HTML report from the version page", async () => {
    await open("#/projects/vision/models/legacy/versions/2.0.0", "legacy 2.0.0");
    const token = (await page.evaluate('sessionStorage.getItem("modelgate.token")')) as string;
    const links = page.locator("#report-downloads a");
    expect(await links.evaluateAll((as) => as.map((a) => [a.getAttribute("data-format"), a.getAttribute("href"), a.getAttribute("download")]))).toEqual([
      ["json", "/api/v1/projects/vision/models/legacy/versions/2.0.0/report?format=json", "legacy-2.0.0-scan-report.json"],
      ["html", "/api/v1/projects/vision/models/legacy/versions/2.0.0/report?format=html", "legacy-2.0.0-scan-report.html"],
    ]);
    const stored = await call<Report>(reviewer, "GET", "/api/v1/projects/vision/models/legacy/versions/2.0.0/report");

    // The links' targets, fetched with the session's token: the version API's authorisation, the report's content.
    const htmlHref = (await links.nth(1).getAttribute("href"))!;
    const html = await fetch(server.url + htmlHref, { headers: { authorization: `Bearer ${token}` } });
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const htmlText = await html.text();
    expect(htmlText).toBe(formatHtml(stored));
    expect(htmlText).toContain("pickle/unknown-global-call");
    expect((await fetch(server.url + htmlHref)).status).toBe(401);
    const json = await fetch(server.url + (await links.nth(0).getAttribute("href"))!, { headers: { authorization: `Bearer ${token}` } });
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await json.json()).toEqual(stored);

    // A click saves the file (the page fetches it with the token: a plain link cannot send the Bearer header).
    for (const [i, format] of [[0, "json"], [1, "html"]] as const) {
      const [download] = await Promise.all([page.waitForEvent("download"), links.nth(i).click()]);
      expect(download.suggestedFilename()).toBe(`legacy-2.0.0-scan-report.${format}`);
      const saved = readFileSync((await download.path())!, "utf8");
      if (format === "json") expect(JSON.parse(saved)).toEqual(stored);
      else expect(saved).toBe(htmlText);
      await expectText(page.locator("#report-downloads"), `Saved legacy-2.0.0-scan-report.${format}`);
    }
  });

  it("searches versions by name, version, status and digest prefix from the header", async () => {
    const shown = () => page.locator("#search-table tbody tr").evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: Record<string, string> }).dataset.version));
    await page.locator("#header-search").fill("legacy");
    await page.locator("#header-search").press("Enter");
    await page.getByRole("heading", { level: 1, name: "Search" }).waitFor();
    await expectText(page.locator("#search-count"), "2 versions match “legacy”");
    expect(await shown()).toEqual(["vision/legacy/2.1.0", "vision/legacy/2.0.0"]);
    expect(await page.locator("#search-query").inputValue()).toBe("legacy");
    await shot("search");

    const query = page.locator("#search-query");
    const search = async (q: string, expected: string[]) => {
      await query.fill(q);
      await expectText(page.locator("#search-count"), q ? `match “${q}”` : "you can see");
      expect(await shown(), q).toEqual(expected);
    };
    await search("quarantined", ["vision/chat/3.0.0", "vision/classifier/1.0.0", "vision/legacy/2.1.0", "vision/legacy/2.0.0"]);
    const { digest } = await call<{ digest: string }>(reviewer, "GET", "/api/v1/projects/vision/models/chat/versions/3.0.0");
    await search(digest.slice(0, 10), ["vision/chat/3.0.0"]);
    await search(`sha256:${digest.slice(0, 10)}`, ["vision/chat/3.0.0"]);
    await search("vision/loader@0.1", ["vision/loader/0.1.0"]);
    await search("rejected loader", ["vision/loader/0.1.0"]);
    await search("legacy 2.1", ["vision/legacy/2.1.0"]);
    await search("", ["vision/chat/3.0.0", "vision/classifier/1.0.0", "vision/legacy/2.1.0", "vision/legacy/2.0.0", "vision/loader/0.1.0"]);
    await query.fill("approved");
    await page.locator("#search-empty").waitFor();
    // The worst reason shows here too, and the address follows the search (shareable, no reload).
    await search("chat", ["vision/chat/3.0.0"]);
    await expectText(page.locator('#search-table tr[data-version="vision/chat/3.0.0"]'), /Quarantined\s+CRITICAL/);
    expect(new URL(page.url()).hash).toBe("#/search/chat");
    await page.locator('#search-table a[href="#/projects/vision/models/chat/versions/3.0.0"]').click();
    await page.getByRole("heading", { level: 1, name: "chat 3.0.0" }).waitFor();
  });

  it("draws severities and verdicts in the HTML report's colours, with its badge labels", async () => {
    const stored = await call<Report>(reviewer, "GET", "/api/v1/projects/vision/models/loader/versions/0.1.0/report");
    const reportHtml = formatHtml(stored);
    const colours = Object.fromEntries([...reportHtml.matchAll(/\.sev-(\w+) \.badge\{background:(#[0-9a-f]{6})\}/g)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(colours)).toEqual(["critical", "high", "medium", "low", "info"]);
    const verdict = { pass: /\.verdict\.pass\{background:(#[0-9a-f]{6})\}/.exec(reportHtml)![1], fail: /\.verdict\.fail\{background:(#[0-9a-f]{6})\}/.exec(reportHtml)![1] };
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

    await open("#/projects/vision/models/loader/versions/0.1.0", "loader 0.1.0");
    const seen = (await page.evaluate(`(() => {
      const root = getComputedStyle(document.documentElement);
      const out = { vars: {}, badges: {} };
      for (const sev of ["critical", "high", "medium", "low", "info"]) {
        out.vars[sev] = root.getPropertyValue("--sev-" + sev).trim();
        const b = document.createElement("span");
        b.className = "badge sev-" + sev;
        b.textContent = sev;
        document.body.append(b);
        const st = getComputedStyle(b);
        out.badges[sev] = { background: st.backgroundColor, color: st.color, transform: st.textTransform };
        b.remove();
      }
      out.pass = root.getPropertyValue("--verdict-pass").trim();
      out.fail = root.getPropertyValue("--verdict-fail").trim();
      out.failBadge = getComputedStyle(document.querySelector("#version-status .verdict-fail")).backgroundColor;
      out.critical = getComputedStyle(document.querySelector("#version-status .badge.sev-critical")).backgroundColor;
      return out;
    })()`)) as { vars: Record<string, string>; badges: Record<string, { background: string; color: string; transform: string }>; pass: string; fail: string; failBadge: string; critical: string };
    expect(seen.vars).toEqual(colours);
    for (const [sev, hex] of Object.entries(colours)) expect(seen.badges[sev], sev).toEqual({ background: rgb(hex), color: "rgb(255, 255, 255)", transform: "uppercase" });
    expect({ pass: seen.pass, fail: seen.fail }).toEqual(verdict);
    expect(seen.failBadge).toBe(rgb(verdict.fail!));
    expect(seen.critical).toBe(rgb(colours.critical!));
    // The label: the report writes the severity and capitalises it with CSS; the dashboard shows the same capitals.
    expect(await page.locator("#version-status .badge.sev-critical").innerText()).toBe("CRITICAL");
    expect(reportHtml).toContain('<span class="badge">critical</span>');
  });

  it("reads dependency entries whose package is a string or an object", async () => {
    const out = await page.evaluate(`import("/ui/lib/deps.js").then((m) => ({
      string: m.packageOf({ package: "torch", version: "2.0.0" }),
      object: m.packageOf({ package: { name: "onnx", version: "1.12.0" } }),
      none: m.packageOf({ id: "x" }),
      entries: m.auditEntries({ vulnerabilities: [{ id: "GHSA-1", package: { name: "onnx", version: "1.12.0" }, severity: "HIGH", fixed: ["1.13.0"] }], advice: [{ id: "torch-x", package: "torch", version: "2.0.0", severity: "critical", fixed: "2.6.0", title: "t" }] })
        .map((e) => [e.kind, e.id, e.package, e.version, e.severity, e.fixed.join(",")]),
      failing: m.failingDependencyResults({ results: [{ rule: "dependencies.vulnerabilities", outcome: "fail", severity: "critical", finding: "torch-x", message: "torch 2.0.0 in requirements.txt:1: torch-x critical", controls: [] }] }, null)
        .map((r) => [r.id, r.package, r.version, r.severity]),
    }))`);
    expect(out).toEqual({
      string: { name: "torch", version: "2.0.0" },
      object: { name: "onnx", version: "1.12.0" },
      none: { name: "" },
      entries: [["advice", "torch-x", "torch", "2.0.0", "critical", "2.6.0"], ["advisory", "GHSA-1", "onnx", "1.12.0", "high", "1.13.0"]],
      failing: [["torch-x", "torch", "2.0.0", "critical"]],
    });
  });

  it("logs out, and as admin sees the server refuse approving its own upload, then releases another", async () => {
    await page.locator("#logout").click();
    await page.getByRole("heading", { level: 1, name: "Log in to modelgate" }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("modelgate.token")')).toBeNull();
    await login(ADMIN);
    await open("#/quarantine", "Quarantine queue");
    const own = page.locator('#quarantine tr[data-version="vision/legacy/2.1.0"]');
    const ownForm = page.locator('#quarantine tr[data-form-for="vision/legacy/2.1.0"]');
    await decide(own, "approve", "looks fine to me", ownForm);
    await expectText(ownForm.getByRole("alert"), /Approve failed — 403 FORBIDDEN: the token that pushed .* cannot approve it/);
    await shot("quarantine-403");
    const other = page.locator('#quarantine tr[data-version="vision/legacy/2.0.0"]');
    await decide(other, "release", "customer needs it today; class vetted by the ML platform team", page.locator('#quarantine tr[data-form-for="vision/legacy/2.0.0"]'));
    await page.locator('#quarantine tr[data-version="vision/legacy/2.0.0"] .released').waitFor();
    await expectText(page.locator('#quarantine tr[data-version="vision/legacy/2.0.0"]'), /Released by .*bootstrap-admin.*: customer needs it today/);
    expect(await page.locator('#quarantine tr[data-version="vision/legacy/2.0.0"] button[data-action="release"]').count()).toBe(0);
    const v = await call<{ released?: { reason: string }; downloadable: boolean }>(ADMIN, "GET", "/api/v1/projects/vision/models/legacy/versions/2.0.0");
    expect(v.released?.reason).toContain("customer needs it today");
    expect(v.downloadable).toBe(true);
    await shot("quarantine-released");
  });

  it("shows the audit log with a valid checkpoint signature and every inclusion proof checked in the browser", async () => {
    await open("#/audit", "Audit log");
    await expect(page.locator("#checkpoint-signature").getAttribute("data-check")).resolves.toBe("ok");
    // The first visit from this browser: the checkpoint is remembered for the next one.
    await expect(page.locator("#checkpoint-history").getAttribute("data-check")).resolves.toBe("first");
    const rows = page.locator("#audit-entries tbody tr");
    const types = await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: Record<string, string> }).dataset.type));
    expect(types).toEqual(expect.arrayContaining(["token.created", "version.pushed", "policy.verdict", "version.quarantined", "version.released"]));
    await page.locator("#verify-page").click();
    // (Polled from here: waitForFunction evaluates a string in the page, which the dashboard's CSP forbids.)
    for (let i = 0; i < 600 && (await page.locator("#audit-entries [data-check]").count()) < types.length; i++) await sleep(50);
    const checks = await page.locator("#audit-entries [data-check]").evaluateAll((els) => els.map((e) => (e as unknown as { dataset: Record<string, string> }).dataset.check));
    expect(checks.length).toBe(types.length);
    expect(new Set(checks)).toEqual(new Set(["ok"]));
    await shot("audit-log");
  });

  it("flags an audit entry edited in the database", async () => {
    const entries = (await call<{ entries: { index: number; type: string; actor: string }[] }>(ADMIN, "GET", "/api/v1/audit-log/entries?from=0&to=1000")).entries;
    const released = entries.find((e) => e.type === "version.released")!;
    await server.db.run("UPDATE audit_entries SET actor = ? WHERE idx = ?", ["someone-else", released.index]);
    try {
      await open("#/audit", "Audit log");
      const row = page.locator(`#audit-entries tr[data-index="${released.index}"]`);
      await row.locator("button[data-verify]").click();
      await row.locator("[data-check]").waitFor();
      await expect(row.locator("[data-check]").getAttribute("data-check")).resolves.toBe("fail");
      await expectText(row.locator("[data-check]"), "does not hash to its recorded leaf hash");
      await shot("audit-log-tampered");
    } finally {
      await server.db.run("UPDATE audit_entries SET actor = ? WHERE idx = ?", [released.actor, released.index]);
    }
  });

  it("lets an admin edit the policy and shows the server's validation error", async () => {
    await open("#/policy", "Policy");
    const editor = page.locator("#policy-editor");
    await editor.fill("version: 1\nextends: default\nscann:\n  max_severity: high\n");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expectText(page.locator("#policy-message").getByRole("alert"), /not valid: 400 .*scann/);
    await shot("policy-invalid");
    await editor.fill("version: 1\nextends: default\nscan:\n  max_severity: low\n");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expectText(page.locator("#policy-message").getByRole("status"), /^Saved/);
    const stored = await call<{ yaml: string }>(ADMIN, "GET", "/api/v1/policy");
    expect(stored.yaml).toContain("max_severity: low");
  });

  it("checks in the browser that the log only grew since the last visit, and flags a rewritten history", async () => {
    const KEY = "modelgate.audit-log.seen.modelgate/audit-log";
    const seen = JSON.parse((await page.evaluate(`localStorage.getItem(${JSON.stringify(KEY)})`)) as string) as { size: number; rootHash: string };
    const now = await call<{ size: number }>(ADMIN, "GET", "/api/v1/audit-log/checkpoint");
    expect(now.size).toBeGreaterThan(seen.size); // the tests since then logged decisions and a policy change
    await open("#/audit", "Audit log");
    await expect(page.locator("#checkpoint-history").getAttribute("data-check")).resolves.toBe("ok");
    await expectText(page.locator("#checkpoint-history"), `extends the tree of ${seen.size} entries you saw`);
    await shot("audit-log-consistent");

    // A log forked behind the browser's back: the tree of that size had another root.
    const forged = Buffer.from(seen.rootHash, "base64");
    forged[0]! ^= 1;
    await page.evaluate(`localStorage.setItem(${JSON.stringify(KEY)}, ${JSON.stringify(JSON.stringify({ ...seen, rootHash: forged.toString("base64") }))})`);
    await open("#/audit", "Audit log");
    await expect(page.locator("#checkpoint-history").getAttribute("data-check")).resolves.toBe("fail");
    await expectText(page.locator("#checkpoint-history"), `not consistent with the tree of ${seen.size} entries`);
    await expectText(page.locator("#checkpoint-history"), "the log was rewritten");
    // A failed check keeps the remembered checkpoint: the warning stays until someone looks into it.
    await open("#/audit", "Audit log");
    await expect(page.locator("#checkpoint-history").getAttribute("data-check")).resolves.toBe("fail");
    await shot("audit-log-forked");
    await page.evaluate(`localStorage.removeItem(${JSON.stringify(KEY)})`);
  });

  it("draws findings over time as an SVG chart with a data table", async () => {
    await open("#/stats", "Findings over time");
    const chart = page.locator("svg#findings-chart");
    await chart.waitFor();
    const today = new Date().toISOString().slice(0, 10);
    const bar = chart.locator(`g.bar[data-date="${today}"]`);
    expect(await bar.locator('rect[data-severity="critical"]').count()).toBe(1);
    expect(await bar.locator('rect[data-severity="high"]').count()).toBe(1);
    await page.locator("#stats-body summary").click();
    await expectText(page.locator("#stats-table"), new RegExp(`${today}\\s+1\\s+2\\s+0\\s+0\\s+0\\s+5`));
    await shot("stats");
  });

  it("verifies RFC 9162 inclusion and consistency proofs in the browser exactly as the RFC's definitions say", async () => {
    // Oracle: the tree hash and audit path written straight from RFC 9162 §2.1.1 and §2.1.3.1.
    const leaf = (i: number) => createHash("sha256").update(Buffer.from([0])).update(`entry ${i}`).digest();
    const node = (l: Buffer, r: Buffer) => createHash("sha256").update(Buffer.from([1])).update(l).update(r).digest();
    const split = (n: number) => {
      let k = 1;
      while (k * 2 < n) k *= 2;
      return k;
    };
    const mth = (d: Buffer[]): Buffer => (d.length === 1 ? d[0]! : node(mth(d.slice(0, split(d.length))), mth(d.slice(split(d.length)))));
    const path = (m: number, d: Buffer[]): Buffer[] => {
      if (d.length === 1) return [];
      const k = split(d.length);
      return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
    };
    const cases: { index: number; size: number; leaf: string; proof: string[]; root: string; good: boolean }[] = [];
    for (let size = 1; size <= 17; size++) {
      const leaves = Array.from({ length: size }, (_, i) => leaf(i));
      const root = mth(leaves).toString("base64");
      for (let index = 0; index < size; index++) {
        const proof = path(index, leaves).map((p) => p.toString("hex"));
        cases.push({ index, size, leaf: leaves[index]!.toString("hex"), proof, root, good: true });
        if (proof.length > 0) {
          const flipped = [...proof];
          flipped[0] = (flipped[0]![0] === "0" ? "1" : "0") + flipped[0]!.slice(1);
          cases.push({ index, size, leaf: leaves[index]!.toString("hex"), proof: flipped, root, good: false });
          cases.push({ index, size, leaf: leaves[index]!.toString("hex"), proof: proof.slice(1), root, good: false });
        }
        if (size > 1) cases.push({ index: (index + 1) % size, size, leaf: leaves[index]!.toString("hex"), proof, root, good: false });
      }
    }
    // Strings, not functions: the test runner would rewrite import() inside a function it ships to the page.
    const results = await page.evaluate(`(async () => {
      const m = await import("/ui/lib/merkle.js");
      const out = [];
      for (const c of ${JSON.stringify(cases)}) {
        const r = await m.verifyInclusion({ index: c.index, treeSize: c.size, leaf: m.hexToBytes(c.leaf), proof: c.proof.map(m.hexToBytes), rootHash: m.base64ToBytes(c.root) });
        out.push(r.ok);
      }
      return out;
    })()`);
    expect(results).toEqual(cases.map((c) => c.good));
    expect(cases.filter((c) => c.good).length).toBe(153);

    // Consistency proofs: PROOF(m, D[n]) = SUBPROOF(m, D[n], true) straight from RFC 9162 §2.1.4.1.
    const subproof = (m: number, d: Buffer[], b: boolean): Buffer[] => {
      if (m === d.length) return b ? [] : [mth(d)];
      const k = split(d.length);
      return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
    };
    const consistency: { from: number; to: number; fromRoot: string; toRoot: string; proof: string[]; good: boolean }[] = [];
    for (let to = 1; to <= 17; to++) {
      const leaves = Array.from({ length: to }, (_, i) => leaf(i));
      const toRoot = mth(leaves).toString("base64");
      for (let from = 1; from <= to; from++) {
        const fromRoot = mth(leaves.slice(0, from)).toString("base64");
        const proof = subproof(from, leaves, true).map((p) => p.toString("hex"));
        consistency.push({ from, to, fromRoot, toRoot, proof, good: true });
        // Another history of the same size (entry 0 rewritten) must not verify.
        consistency.push({ from, to, fromRoot: mth([leaf(99), ...leaves.slice(1, from)]).toString("base64"), toRoot, proof, good: false });
        if (proof.length > 0) {
          const flipped = [...proof];
          flipped[flipped.length - 1] = (flipped.at(-1)![0] === "0" ? "1" : "0") + flipped.at(-1)!.slice(1);
          consistency.push({ from, to, fromRoot, toRoot, proof: flipped, good: false });
          consistency.push({ from, to, fromRoot, toRoot, proof: proof.slice(0, -1), good: false });
        }
        // The new tree's root for another size (a checkpoint binds size and root): 7 entries are not 8.
        if (to > 1) consistency.push({ from, to, fromRoot, toRoot: mth(leaves.slice(0, to - 1)).toString("base64"), proof, good: false });
      }
    }
    const consistent = await page.evaluate(`(async () => {
      const m = await import("/ui/lib/merkle.js");
      const out = [];
      for (const c of ${JSON.stringify(consistency)}) {
        const r = await m.verifyConsistency({ fromSize: c.from, toSize: c.to, fromRoot: m.base64ToBytes(c.fromRoot), toRoot: m.base64ToBytes(c.toRoot), proof: c.proof.map(m.hexToBytes) });
        out.push(r.ok);
      }
      return out;
    })()`);
    expect(consistency.filter((c, i) => (consistent as boolean[])[i] !== c.good)).toEqual([]);
    expect(consistency.filter((c) => c.good).length).toBe(153);

    // The browser hashes an entry's content exactly as the server does (canonical JSON, Unicode, nesting).
    const entry = { index: 7, time: "2026-01-02T03:04:05.678Z", type: "version.released", actor: "zoë <admin>", project: "vision", data: { z: [1, "é", { b: null, a: true }], a: "\u2028 \"q\"", n: 1.5e-7 } };
    const inBrowser = await page.evaluate(`import("/ui/lib/audit-verify.js").then((m) => m.entryLeafHash(${JSON.stringify(entry)}))`);
    expect(inBrowser).toBe(entryLeafHash(entry));
  });

  it("ran every page without a script error, a CSP violation or an unexpected failed request", async () => {
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate("window.__csp")).toEqual([]);
    const expected = [
      /^401 \/api\/v1\/me$/, // the unknown token at login
      /^403 \/api\/v1\/projects\/vision\/models\/legacy\/versions\/2\.1\.0\/approve$/, // own upload
      /^400 \/api\/v1\/policy$/, // the invalid policy
      /^404 \/api\/v1\/projects\/vision\/models\/\w+\/versions\/[\d.]+\/(sbom|audit)$/, // documents a version may not have
    ];
    const unexpected = failedResponses.map((r) => `${r.status} ${r.url}`).filter((r) => !expected.some((re) => re.test(r)));
    expect(unexpected).toEqual([]);
  });
});
