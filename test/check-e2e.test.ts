/**
 * End to end: a clean model folder — safetensors weights, config, a model card with licence and datasets, an
 * SBOM, clean pinned dependencies — signed with a test key passes the strict profile; changing one byte,
 * adding a pickle, or adding a vulnerable dependency each fails it with the right reason. The vulnerability
 * database is a one-record OSV folder made here (the torch advisory PYSEC-2022-43015).
 */
import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { check } from "../src/check/index.js";
import type { Report } from "../src/core/report.js";
import { audit } from "../src/deps/audit.js";
import { main } from "../src/cli/main.js";
import { loadPolicy } from "../src/policy/load.js";
import { sbom } from "../src/sbom/index.js";
import { createFinding, scan } from "../src/scan/scan.js";
import { sign } from "../src/sign/index.js";
import { validateCheckReport } from "./helpers/check-schema.js";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

const TORCH_ADVISORY = {
  id: "PYSEC-2022-43015",
  // A fresh database: its age is its newest record's (the import time only caps it).
  modified: new Date(Date.now() - 86_400_000).toISOString(),
  aliases: ["CVE-2022-45907", "GHSA-47fc-vmwq-366v"],
  details: "In PyTorch before trunk/89695, torch.jit.annotations.parse_type_line can cause arbitrary code execution because eval is used unsafely.",
  affected: [{ package: { name: "torch", ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.13.1" }] }] }],
};

let root: string;
let privateKey: string;
let policyFile: string;
let n = 0;

/** A clean model folder with an SBOM, signed. */
async function cleanModel(): Promise<string> {
  const dir = join(root, `model-${n++}`);
  mkdirSync(dir);
  copyFileSync(join(FIXTURES, "baseline/safetensors/tiny.safetensors"), join(dir, "model.safetensors"));
  copyFileSync(join(FIXTURES, "hf/gpt2/config.json"), join(dir, "config.json"));
  writeFileSync(join(dir, "README.md"), "---\nlicense: apache-2.0\ndatasets:\n  - acme/clean-corpus\npipeline_tag: text-generation\n---\n\n# acme/tiny\n\nA tiny test model.\n");
  writeFileSync(join(dir, "requirements.txt"), "safetensors==0.4.5\nnumpy==1.26.4\n");
  const bom = await sbom(dir, { format: "cyclonedx", scan: false, name: "acme/tiny" });
  writeFileSync(join(dir, "sbom.cdx.json"), JSON.stringify(bom.document, null, 2));
  await sign(dir, { privateKey });
  return dir;
}

async function resign(dir: string): Promise<void> {
  await sign(dir, { privateKey });
}

function failing(report: Awaited<ReturnType<typeof check>>): string[] {
  return [...new Set(report.models[0]!.results.filter((r) => r.status === "fail" || r.status === "error").map((r) => r.ruleId))];
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "modelgate-check-e2e-"));
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  privateKey = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  mkdirSync(join(root, "keys"));
  writeFileSync(join(root, "keys", "release.pub"), keys.publicKey.export({ type: "spki", format: "pem" }));
  const db = join(root, "osv-db");
  mkdirSync(join(db, "torch"), { recursive: true });
  writeFileSync(join(db, "torch", "PYSEC-2022-43015.json"), JSON.stringify(TORCH_ADVISORY));
  writeFileSync(join(db, "metadata.json"), JSON.stringify({ format: "modelgate-osv/1", updatedAt: new Date().toISOString(), source: "test", records: 1 }));
  policyFile = join(root, "modelgate.yaml");
  writeFileSync(policyFile, "version: 1\nextends: strict\ndefaults:\n  db: osv-db\nsignature:\n  keys: [keys/release.pub]\n");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("strict profile, end to end", () => {
  it("a clean, signed model with an SBOM and clean dependencies passes", async () => {
    const dir = await cleanModel();
    const report = await check([dir], { policy: policyFile });
    const m = report.models[0]!;
    expect(m.reasons).toEqual([]);
    expect(m.verdict).toBe("pass");
    expect(m.results.map((r) => r.ruleId)).toEqual(
      expect.arrayContaining(["scan.max-severity", "scan.incomplete", "formats.allowed", "signature.verified", "dependencies.vulnerabilities", "dependencies.database", "licenses.allowed", "sbom.fields", "sbom.file"]),
    );
    const facts = m.facts as { signature: { verified: boolean; method: string }; sbom: { present: boolean }; dependencies: { audited: boolean; files: string[] }; model: { license: string } };
    expect(facts.signature).toMatchObject({ verified: true, method: "key" });
    expect(facts.sbom.present).toBe(true);
    expect(facts.dependencies).toMatchObject({ audited: true, files: ["requirements.txt"] });
    expect(facts.model.license).toBe("apache-2.0");
    expect(report.summary).toMatchObject({ models: 1, passed: 1, failed: 0, errors: 0 });
    expect(validateCheckReport(JSON.parse(JSON.stringify(report)))).toEqual([]);
  });

  it("changing one byte fails signature.verified, naming the file", async () => {
    const dir = await cleanModel();
    const path = join(dir, "model.safetensors");
    const bytes = readFileSync(path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
    writeFileSync(path, bytes);
    const report = await check([dir], { policy: policyFile });
    expect(report.models[0]!.verdict).toBe("fail");
    expect(failing(report)).toEqual(["signature.verified"]);
    expect(report.models[0]!.reasons[0]).toMatch(/^signature\.verified: signature .* does not verify: changed since signing \(digest differs\): model\.safetensors/);
  });

  it("adding a pickle fails formats.allowed (pickle-based formats are denied), even when re-signed", async () => {
    const dir = await cleanModel();
    copyFileSync(join(FIXTURES, "pickle/builtins_p4.pkl"), join(dir, "extra.pkl"));
    const unsigned = await check([dir], { policy: policyFile });
    expect(failing(unsigned)).toEqual(expect.arrayContaining(["formats.allowed", "signature.verified"]));
    expect(unsigned.models[0]!.reasons.join("\n")).toContain("not covered by the signature (extra files): extra.pkl");
    await resign(dir);
    const report = await check([dir], { policy: policyFile });
    expect(failing(report)).toEqual(["formats.allowed"]);
    expect(report.models[0]!.reasons).toEqual(["formats.allowed: extra.pkl is pickle, denied by formats.deny (pickle-based)"]);
  });

  it("adding a vulnerable dependency fails dependencies.vulnerabilities with the advisory", async () => {
    const dir = await cleanModel();
    appendFileSync(join(dir, "requirements.txt"), "torch==1.13.0\n");
    await resign(dir);
    const report = await check([dir], { policy: policyFile });
    expect(failing(report)).toEqual(["dependencies.vulnerabilities"]);
    const r = report.models[0]!.results.find((x) => x.status === "fail" && x.finding === "GHSA-47fc-vmwq-366v")!;
    expect(r).toMatchObject({ path: "requirements.txt", finding: "GHSA-47fc-vmwq-366v" });
    expect(r.message).toMatch(/^torch 1\.13\.0 in requirements\.txt:3: GHSA-47fc-vmwq-366v \(.*PYSEC-2022-43015.*\) medium; fixed in 1\.13\.1$/);
  });

  it("a suppression (naming any id of the advisory) lets the vulnerable dependency through, marked; once expired it fails again", async () => {
    const dir = await cleanModel();
    appendFileSync(join(dir, "requirements.txt"), "torch==1.13.0\n");
    await resign(dir);
    const text =
      readFileSync(policyFile, "utf8") +
      "suppressions:\n" +
      "  - { rule: PYSEC-2022-43015, path: requirements.txt, reason: 'torch.jit is not used; upgrade in SEC-42', expires: 2030-01-01 }\n" +
      "  - { rule: CVE-2025-32434, reason: 'only our own checkpoints are loaded; upgrade in SEC-42', expires: 2030-01-01 }\n";
    const policy = await loadPolicy({ text, file: "suppressed.yaml", baseDir: root });
    const ok = await check([dir], { policy });
    expect(ok.models[0]!.reasons).toEqual([]);
    expect(ok.models[0]!.verdict).toBe("pass");
    expect(ok.models[0]!.results.filter((r) => r.status === "suppressed").map((r) => r.finding)).toEqual(expect.arrayContaining(["GHSA-47fc-vmwq-366v", "torch-load-weights-only-bypass"]));
    expect(ok.models[0]!.results.find((r) => r.finding === "GHSA-47fc-vmwq-366v")).toMatchObject({ status: "suppressed", finding: "GHSA-47fc-vmwq-366v", suppression: { reason: "torch.jit is not used; upgrade in SEC-42" } });
    const later = await check([dir], { policy, now: new Date("2030-01-02T00:00:00Z") });
    expect(later.models[0]!.verdict).toBe("fail");
    expect(later.models[0]!.reasons[0]).toContain("suppression expired on 2030-01-01");
  });

  it("another signer's key fails, saying so", async () => {
    const dir = await cleanModel();
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await sign(dir, { privateKey: other.privateKey });
    const report = await check([dir], { policy: policyFile });
    expect(failing(report)).toEqual(["signature.verified"]);
  });
});

describe("modelgate check (CLI, in process)", () => {
  let out = "";
  let err = "";
  beforeAll(() => {
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  });
  afterEach(() => {
    out = "";
    err = "";
    process.exitCode = undefined;
  });
  afterAll(() => vi.restoreAllMocks());

  it("exit 0 for a passing model, 1 with the reason for a failing one, 2 for a bad policy", async () => {
    const dir = await cleanModel();
    expect(await main(["check", dir, "--policy", policyFile])).toBe(0);
    expect(out).toContain(`PASS  ${dir}`);
    out = "";
    copyFileSync(join(FIXTURES, "pickle/builtins_p4.pkl"), join(dir, "extra.pkl"));
    expect(await main(["check", dir, "--policy", policyFile, "--explain"])).toBe(1);
    expect(out).toContain(`FAIL  ${dir}`);
    expect(out).toContain("formats.allowed");
    expect(out).toContain("extra.pkl is pickle, denied by formats.deny (pickle-based)");
    expect(out).toMatch(/✗ AML\.M0011 Restrict Library Loading — formats\.allowed ✗/);
    const bad = join(root, "bad.yaml");
    writeFileSync(bad, "version: 1\nscan:\n  max_sevrity: high\n");
    expect(await main(["check", dir, "--policy", bad])).toBe(2);
    expect(err).toContain(`${bad}:3:3: unknown key "max_sevrity" in scan`);
  });

  it("--format sarif and json write reports; the JSON validates against the schema", async () => {
    const dir = await cleanModel();
    cpSync(join(FIXTURES, "pickle/builtins_p4.pkl"), join(dir, "extra.pkl"));
    const sarif = join(root, "check.sarif");
    expect(await main(["check", dir, "--policy", policyFile, "--format", "sarif", "--output", sarif])).toBe(1);
    const log = JSON.parse(readFileSync(sarif, "utf8")) as { runs: { results: { ruleId: string; level: string }[] }[] };
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(expect.arrayContaining(["formats.allowed", "signature.verified"]));
    expect(err).toContain("FAIL");
    expect(await main(["check", dir, "--profile", "permissive", "--format", "json"])).toBe(0);
    const report = JSON.parse(out) as { models: { facts: { dependencies: { audited: boolean }; provenance: { checked: boolean }; scan: { ran: boolean } } }[] };
    expect(validateCheckReport(report)).toEqual([]);
    // Only what the policy needs is gathered: the permissive profile neither audits dependencies nor looks for provenance.
    expect(report.models[0]!.facts).toMatchObject({ dependencies: { audited: false }, provenance: { checked: false }, scan: { ran: true } });
  });

  it("reuses a scan report it is given instead of scanning again (the gate server scans first)", async () => {
    const dir = await cleanModel();
    const fresh = await scan([dir]);
    expect(fresh.summary.failed).toBe(false);
    const file = fresh.files[0]!;
    const flagged: Report = {
      ...fresh,
      files: [{ ...file, findings: [{ ...createFinding("pickle/dangerous-global", file.path, undefined, { message: "planted" }) }] }, ...fresh.files.slice(1)],
    };
    const report = await check([dir], { profile: "default", scanReport: flagged });
    expect(report.models[0]!.verdict).toBe("fail");
    expect(report.models[0]!.reasons.join("\n")).toContain("pickle/dangerous-global");
    await expect(check([dir, dir], { profile: "default", scanReport: flagged })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("reuses a dependency audit it is given instead of auditing again", async () => {
    const dir = await cleanModel();
    expect((await check([dir], { policy: policyFile })).models[0]!.verdict).toBe("pass");
    const other = mkdtempSync(join(tmpdir(), "modelgate-check-audit-"));
    try {
      writeFileSync(join(other, "requirements.txt"), "torch==1.13.0\n");
      const vulnerable = await audit([other], { db: join(root, "osv-db") });
      expect(vulnerable.vulnerabilities.length).toBeGreaterThan(0);
      const report = await check([dir], { policy: policyFile, auditReport: vulnerable });
      expect(report.models[0]!.verdict).toBe("fail");
      expect(report.models[0]!.results.find((r) => r.ruleId === "dependencies.vulnerabilities")?.status).toBe("fail");
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("usage errors exit 2", async () => {
    expect(await main(["check", join(root, "missing-model"), "--profile", "default"])).toBe(2);
    expect(err).toContain("missing-model: no such file or folder");
    expect(await main(["check", root, "--profile", "default", "--policy", policyFile])).toBe(2);
  });
});
