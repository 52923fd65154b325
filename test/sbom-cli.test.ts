import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { cyclonedxErrors, spdxErrors } from "../src/sbom/index.js";
import { spdxShaclErrors } from "../src/sbom/testing/shacl.js";

const FIXTURE = new URL("./fixtures/sbom/hf-model/", import.meta.url).pathname;

/** Runs the CLI in this process (the command module is what the bin runs) and captures its output. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

describe("modelgate sbom", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-sbom-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a schema-valid CycloneDX 1.6 document to standard output by default", async () => {
    const r = await run("sbom", FIXTURE, "--name", "acme/tiny-chat-gpt2", "--revision", "main");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout) as { specVersion: string; metadata: { component: { purl: string; properties: { name: string; value: string }[] } } };
    expect(doc.specVersion).toBe("1.6");
    expect(doc.metadata.component.purl).toBe("pkg:huggingface/acme/tiny-chat-gpt2@main");
    expect(doc.metadata.component.properties).toContainEqual({ name: "modelgate:scan:verdict", value: "pass" });
    expect(await cyclonedxErrors(doc)).toEqual([]);
  });

  it("--format spdx --output FILE writes SPDX 3.0.1 to the file and a summary to standard error", async () => {
    const out = join(dir, "model.spdx.json");
    const r = await run("sbom", FIXTURE, "--format", "spdx", "--output", out, "--no-scan");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/SPDX 3\.0\.1 SBOM of hf-model: 8 file\(s\), 5 Python requirement\(s\); written to /);
    const doc = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
    expect(doc["@context"]).toBe("https://spdx.org/rdf/3.0.1/spdx-context.jsonld");
    expect(spdxErrors(doc)).toEqual([]);
    expect(spdxShaclErrors(doc)).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain("modelgate:scan:verdict");
  });

  it("warns about a malformed metadata file with its line and still writes the SBOM", async () => {
    const model = join(dir, "broken-model");
    cpSync(FIXTURE, model, { recursive: true });
    writeFileSync(join(model, "config.json"), '{\n  "model_type": "gpt2",\n  oops\n}\n');
    const r = await run("sbom", model, "--no-scan");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^modelgate: warning: config\.json:3: not valid JSON/m);
    expect(JSON.parse(r.stdout)).toHaveProperty("bomFormat", "CycloneDX");
  });

  it("exits 2 naming the folder when it does not exist, and for a bad --name", async () => {
    const missing = join(dir, "no-such-model");
    const r = await run("sbom", missing);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(r.stdout).toBe("");
    const bad = await run("sbom", FIXTURE, "--name", "a/b/c", "--no-scan");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"a\/b\/c" is not a model name/);
    const fmt = await run("sbom", FIXTURE, "--format", "xml");
    expect(fmt.code).toBe(2);
  });

  it("--help teaches with examples", async () => {
    const r = await run("sbom", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: modelgate sbom \[options\] <model-dir>/);
    expect(r.stdout).toContain("--format spdx --output");
    expect(r.stdout).toContain("Exit codes:");
  });
});
