import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatHtml } from "../src/report/html.js";
import { createFinding } from "../src/scan/scan.js";
import { sampleReport } from "./helpers/report.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The HTML report as a reviewer sees it, in Debian's Chromium. */
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("HTML report in a browser", () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    const report = sampleReport();
    // A hostile string from a model file must show as text, never become markup or script.
    report.files[1]!.findings.push(
      createFinding("scanner/unparseable", report.files[1]!.path, "archive/data.pkl", {
        message: `template snippet <script>document.title="pwned"</script><img src=x onerror="document.title='pwned'">`,
        evidence: { snippet: "{{ cycler.__init__.__globals__.os.popen('id').read() }}" },
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), "modelgate-html-"));
    const file = join(dir, "report.html");
    writeFileSync(file, formatHtml(report));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the verdict, the summary and every finding with its remediation", async () => {
    await expect(page.getByTestId("verdict").innerText()).resolves.toMatch(/FAIL/);
    const body = await page.locator("body").innerText();
    expect(body).toContain("models/model.zip!/archive/data.pkl");
    expect(body).toContain("Content could not be verified");
    expect(body).toContain("Remediation:");
    expect(body).toContain("offset 42");
    expect(body).toContain("CWE-502");
    expect(await page.locator("article.finding").count()).toBe(4);
  });

  it("renders hostile content as text: no script runs, no element is injected", async () => {
    expect(await page.title()).not.toContain("pwned");
    expect(await page.locator("main img").count()).toBe(0);
    const body = await page.locator("body").innerText();
    expect(body).toContain('<script>document.title="pwned"</script>');
    expect(body).toContain("cycler.__init__.__globals__");
  });

  it("hides a severity when its box is unticked", async () => {
    const info = page.locator("article.finding.sev-info");
    await expect(info.isVisible()).resolves.toBe(true);
    await page.locator("#show-info").uncheck();
    await expect(info.isVisible()).resolves.toBe(false);
    await expect(page.locator("article.finding.sev-high").first().isVisible()).resolves.toBe(true);
  });
});
