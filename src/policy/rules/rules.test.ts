/**
 * Table-driven tests of every built-in rule: a passing model, a failing one, the failure suppressed, and the
 * suppression expired (the failure stands and says so). Evaluated over facts, without I/O.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BUILTIN_RULE_CONTROLS } from "../controls.js";
import { evaluatePolicy } from "../evaluate.js";
import type { Facts } from "../facts.js";
import { cleanFacts, policyFromText } from "../testing/facts.js";
import { BUILTIN_RULES } from "./index.js";

const NOW = new Date("2025-06-15T12:00:00Z");
const KEY = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();

interface Case {
  rule: string;
  /** Policy sections (YAML, without version). */
  policy: string;
  /** Turns the clean facts into failing ones. */
  breakFacts: (f: Facts) => void;
  /** What the failure message says. */
  reason: RegExp;
  /** A suppression matching the failure (rule, and path when the result names a file). */
  suppress: string;
}

const CASES: Case[] = [
  {
    rule: "scan.max-severity",
    policy: "scan: { max_severity: medium }",
    breakFacts: (f) => f.scan.findings.push({ ruleId: "pickle/dangerous-global", severity: "critical", path: "evil.pkl", message: "os.system" }),
    reason: /pickle\/dangerous-global \(critical\) in evil\.pkl/,
    suppress: "{ rule: pickle/dangerous-global, path: '*.pkl' }",
  },
  {
    rule: "scan.incomplete",
    // max_severity high (said why in allow:) so that only scan.incomplete fails on the high limit finding.
    policy: "scan: { incomplete: fail, max_severity: high }\nallow:\n  - { relax: scan.max_severity, reason: only scan.incomplete is tested here }",
    breakFacts: (f) => f.scan.findings.push({ ruleId: "scanner/limit-exceeded", severity: "high", path: "big.zip", message: "limit maxMembers exceeded" }),
    reason: /big\.zip could not be fully verified \(scanner\/limit-exceeded\)/,
    suppress: "{ rule: scan.incomplete, path: big.zip }",
  },
  {
    rule: "formats.allowed",
    policy: "formats: { deny: [pickle-based] }",
    breakFacts: (f) => f.scan.files.push({ path: "weights.pt", format: "pytorch-zip", size: 10 }),
    reason: /weights\.pt is pytorch-zip, denied by formats\.deny \(pickle-based\)/,
    suppress: "{ rule: formats.allowed, path: weights.pt }",
  },
  {
    rule: "signature.verified",
    policy: `signature: { required: true, keys: [${JSON.stringify(KEY)}] }`,
    breakFacts: (f) => Object.assign(f.signature, { verified: false, error: "changed since signing (digest differs): model.safetensors" }),
    reason: /does not verify: changed since signing/,
    suppress: "{ rule: signature.verified }",
  },
  {
    rule: "provenance.verified",
    policy: `provenance: { required: true, keys: [${JSON.stringify(KEY)}] }`,
    breakFacts: (f) => Object.assign(f.provenance, { present: false, verified: false }),
    reason: /no provenance/,
    suppress: "{ rule: provenance.verified }",
  },
  {
    rule: "provenance.source",
    policy: `provenance: { allowed_sources: [huggingface.co/acme, "https://models.example.com/"], keys: [${JSON.stringify(KEY)}] }`,
    breakFacts: (f) => (f.provenance.source = { kind: "huggingface", org: "mallory", repository: "mallory/clean", url: "hf://mallory/clean" }),
    reason: /source hf:\/\/mallory\/clean is not allowed/,
    suppress: "{ rule: provenance.source }",
  },
  {
    rule: "dependencies.vulnerabilities",
    policy: "dependencies: { max_severity: medium }",
    breakFacts: (f) =>
      f.dependencies.vulnerabilities.push({ id: "PYSEC-2022-1", aliases: ["CVE-2022-45907"], package: "torch", version: "1.13.0", severity: "critical", fixed: ["1.13.1"], file: "requirements.txt", line: 1 }),
    reason: /torch 1\.13\.0 in requirements\.txt:1: PYSEC-2022-1 \(CVE-2022-45907\) critical; fixed in 1\.13\.1/,
    suppress: "{ rule: PYSEC-2022-1 }",
  },
  {
    rule: "dependencies.database",
    policy: "dependencies: { max_database_age_days: 7 }",
    breakFacts: (f) => (f.dependencies.databaseAgeDays = 40),
    reason: /40 days old \(at most 7 allowed\)/,
    suppress: "{ rule: dependencies.database }",
  },
  {
    rule: "licenses.allowed",
    policy: "licenses: { allow: [apache-2.0, mit], unknown: fail }",
    breakFacts: (f) => (f.model.license = "cc-by-nc-4.0"),
    reason: /licence cc-by-nc-4\.0 is not in licenses\.allow/,
    suppress: "{ rule: licenses.allowed }",
  },
  {
    rule: "sbom.fields",
    policy: "sbom: { required_fields: [license, datasets] }",
    breakFacts: (f) => (f.sbom.fields.datasets = false),
    reason: /missing from the model's metadata .*: datasets/,
    suppress: "{ rule: sbom.fields }",
  },
  {
    rule: "sbom.file",
    policy: "sbom: { require_file: true }",
    breakFacts: (f) => Object.assign(f.sbom, { present: false, file: undefined, format: undefined }),
    reason: /no SBOM file in the model/,
    suppress: "{ rule: sbom.file }",
  },
  {
    rule: "size.max-file",
    policy: "size: { max_file_size: 2KiB }",
    breakFacts: (f) => f.model.files.push({ path: "huge.bin", size: 5000, sha256: "e".repeat(64), format: "unknown" }),
    reason: /huge\.bin is 4\.9 KiB, larger than size\.max_file_size \(2\.0 KiB\)/,
    suppress: `{ rule: size.max-file, digest: "sha256:${"e".repeat(64)}" }`,
  },
  {
    rule: "size.max-total",
    policy: "size: { max_total_size: 2000 }",
    breakFacts: (f) => (f.model.totalSize = 3 * 1024 * 1024),
    reason: /the model is 3\.0 MiB, larger than size\.max_total_size/,
    suppress: "{ rule: size.max-total }",
  },
];

async function run(c: Case, facts: Facts, suppression?: string) {
  const text = `version: 1\n${c.policy}\n${suppression ? `suppressions:\n  - ${suppression.replace(/}$/, ", reason: 'accepted risk, ticket SEC-1'}")}\n` : ""}`;
  const policy = await policyFromText(text);
  const report = evaluatePolicy(policy, facts, {}, NOW);
  return { report, results: report.results.filter((r) => r.ruleId === c.rule) };
}

describe("built-in rules", () => {
  it("every built-in rule has a case here and maps to controls", () => {
    expect(CASES.map((c) => c.rule).sort()).toEqual(BUILTIN_RULES.map((r) => r.id).sort());
    for (const r of BUILTIN_RULES) expect(BUILTIN_RULE_CONTROLS[r.id]?.length, r.id).toBeGreaterThan(2);
  });

  describe.each(CASES)("$rule", (c) => {
    it("passes a clean model", async () => {
      const { report, results } = await run(c, cleanFacts());
      expect(results.length).toBeGreaterThan(0);
      expect(results.map((r) => r.status)).toEqual(results.map(() => "pass"));
      expect(report.verdict).toBe("pass");
      expect(results[0]!.controls).toEqual(BUILTIN_RULE_CONTROLS[c.rule]);
    });

    it("fails the model with the reason", async () => {
      const facts = cleanFacts();
      c.breakFacts(facts);
      const { report, results } = await run(c, facts);
      const failed = results.filter((r) => r.status === "fail");
      expect(failed).toHaveLength(1);
      expect(failed[0]!.message).toMatch(c.reason);
      expect(report.verdict).toBe("fail");
      expect(report.reasons.some((r) => r.startsWith(`${c.rule}: `))).toBe(true);
      expect(report.controls.filter((x) => x.status === "fail").map((x) => x.id).sort()).toEqual([...BUILTIN_RULE_CONTROLS[c.rule]!].sort());
    });

    it("a suppression with a reason keeps the result, marked, and the model passes", async () => {
      const facts = cleanFacts();
      c.breakFacts(facts);
      const { report, results } = await run(c, facts, c.suppress.replace(/}$/, ", expires: 2025-06-15 }"));
      const suppressed = results.filter((r) => r.status === "suppressed");
      expect(suppressed).toHaveLength(1);
      expect(suppressed[0]!.message).toMatch(c.reason);
      expect(suppressed[0]!.message).toContain("suppressed: accepted risk, ticket SEC-1");
      expect(suppressed[0]!.suppression).toMatchObject({ reason: "accepted risk, ticket SEC-1", expires: "2025-06-15" });
      expect(report.verdict).toBe("pass");
    });

    it("an expired suppression stops applying and says so", async () => {
      const facts = cleanFacts();
      c.breakFacts(facts);
      const { report, results } = await run(c, facts, c.suppress.replace(/}$/, ", expires: 2025-06-14 }"));
      const failed = results.filter((r) => r.status === "fail");
      expect(failed).toHaveLength(1);
      expect(failed[0]!.message).toContain("suppression expired on 2025-06-14");
      expect(failed[0]!.suppression).toMatchObject({ expired: true, expires: "2025-06-14" });
      expect(report.verdict).toBe("fail");
    });
  });
});

describe("rule details", () => {
  it("a suppression for another path does not apply", async () => {
    const facts = cleanFacts();
    facts.scan.findings.push({ ruleId: "pickle/dangerous-global", severity: "critical", path: "sub/evil.pkl", message: "os.system" });
    const policy = await policyFromText("version: 1\nscan: { max_severity: medium }\nsuppressions:\n  - { rule: pickle/dangerous-global, path: 'other/*.pkl', reason: nope }\n");
    expect(evaluatePolicy(policy, facts, {}, NOW).verdict).toBe("fail");
    const glob = await policyFromText("version: 1\nscan: { max_severity: medium }\nsuppressions:\n  - { rule: pickle/dangerous-global, path: '**/*.pkl', reason: reviewed }\n");
    expect(evaluatePolicy(glob, facts, {}, NOW).verdict).toBe("pass");
  });

  it("strict scan limit none fails on an info finding", async () => {
    const policy = await policyFromText("version: 1\nscan: { max_severity: none }\n");
    const r = evaluatePolicy(policy, cleanFacts(), {}, NOW);
    expect(r.verdict).toBe("fail");
    expect(r.results.find((x) => x.ruleId === "scan.max-severity")!.finding).toBe("scanner/unknown-format");
  });

  it("formats: an allow list refuses what it does not name; members of a refused container are not repeated", async () => {
    const facts = cleanFacts();
    facts.scan.files.push({ path: "w.pt", format: "pytorch-zip", size: 5 }, { path: "w.pt!/archive/data.pkl", format: "pickle", size: 5, container: "w.pt" });
    const policy = await policyFromText("version: 1\nformats: { allow: [weights-only, documents] }\n");
    const failed = evaluatePolicy(policy, facts, {}, NOW).results.filter((r) => r.status === "fail");
    expect(failed.map((r) => r.path)).toEqual(["w.pt"]);
    expect(failed[0]!.message).toContain("not in formats.allow (weights-only, documents)");
  });

  it("signature: required without anything to verify with is an error, not a pass", async () => {
    const policy = await policyFromText("version: 1\nsignature: { required: true }\n");
    const r = evaluatePolicy(policy, cleanFacts(), {}, NOW);
    expect(r.results.find((x) => x.ruleId === "signature.verified")).toMatchObject({ ruleId: "signature.verified", status: "error" });
    expect(r.results.find((x) => x.ruleId === "signature.verified")!.message).toContain("add signature.keys");
    expect(r.verdict).toBe("fail");
  });

  it("signature: a method the policy does not allow fails", async () => {
    const policy = await policyFromText(`version: 1\nsignature: { required: true, methods: [sigstore], keys: [${JSON.stringify(KEY)}] }\n`);
    const r = evaluatePolicy(policy, cleanFacts(), {}, NOW);
    expect(r.results.find((x) => x.ruleId === "signature.verified")!.status).toBe("fail");
    expect(r.results.find((x) => x.ruleId === "signature.verified")!.message).toContain("signature.methods allows sigstore");
  });

  it("signature: absent and not required is skipped", async () => {
    const facts = cleanFacts();
    facts.signature = { checked: true, present: false, verified: false };
    const policy = await policyFromText("version: 1\nsignature: { required: false }\n");
    const r = evaluatePolicy(policy, facts, {}, NOW);
    expect(r.results.find((x) => x.ruleId === "signature.verified")!.status).toBe("skipped");
    expect(r.verdict).toBe("pass");
  });

  it("provenance sources: org, repository and URL prefixes; a revision can be required", async () => {
    const base = `provenance: { keys: [${JSON.stringify(KEY)}], `;
    const check = async (sources: string, extra = "") => {
      const policy = await policyFromText(`version: 1\n${base}allowed_sources: ${sources}${extra} }\n`);
      return evaluatePolicy(policy, cleanFacts(), {}, NOW).results.find((r) => r.ruleId === "provenance.source")!.status;
    };
    expect(await check("[huggingface.co/acme]")).toBe("pass");
    expect(await check("[https://huggingface.co/acme/clean]")).toBe("pass");
    expect(await check("[huggingface.co/acme/other]")).toBe("fail");
    expect(await check("[huggingface.co/acm]")).toBe("fail");
    expect(await check("['https://models.example.com/']")).toBe("fail");
    const facts = cleanFacts();
    facts.provenance.source = { kind: "url", url: "https://models.example.com/team/m.onnx" };
    const policy = await policyFromText(`version: 1\n${base}allowed_sources: ['https://models.example.com/'], require_revision: true }\n`);
    const r = evaluatePolicy(policy, facts, {}, NOW).results.find((x) => x.ruleId === "provenance.source")!;
    expect(r.status).toBe("fail");
    expect(r.message).toContain("names no revision");
  });

  it("dependencies: unfixed vulnerabilities can be ignored; no database is an error or a skip as configured", async () => {
    const facts = cleanFacts();
    facts.dependencies.vulnerabilities.push({ id: "GHSA-x", aliases: [], package: "mlflow", version: "2.0.0", severity: "high", fixed: [], file: "requirements.txt" });
    const ignore = await policyFromText("version: 1\ndependencies: { max_severity: medium, ignore_unfixed: true }\n");
    expect(evaluatePolicy(ignore, facts, {}, NOW).verdict).toBe("pass");
    const noDb = cleanFacts();
    noDb.dependencies = { audited: false, vulnerabilities: [], files: [], incomplete: false, error: "no vulnerability database at /x" };
    const strict = await policyFromText("version: 1\ndependencies: { max_severity: medium, require_database: true }\n");
    expect(evaluatePolicy(strict, noDb, {}, NOW).results.find((x) => x.ruleId === "dependencies.vulnerabilities")!.status).toBe("error");
    const lax = await policyFromText("version: 1\ndependencies: { max_severity: medium, require_database: false }\n");
    expect(evaluatePolicy(lax, noDb, {}, NOW).results.find((x) => x.ruleId === "dependencies.vulnerabilities")!.status).toBe("skipped");
  });

  it("licences: deny list, SPDX OR / AND, unknown licence", async () => {
    const status = async (policy: string, license: string | undefined) => {
      const facts = cleanFacts();
      if (license === undefined) delete facts.model.license;
      else facts.model.license = license;
      const p = await policyFromText(`version: 1\nlicenses: ${policy}\n`);
      return evaluatePolicy(p, facts, {}, NOW).results.find((x) => x.ruleId === "licenses.allowed")!.status;
    };
    expect(await status("{ deny: [cc-by-nc-4.0] }", "CC-BY-NC-4.0")).toBe("fail");
    expect(await status("{ allow: [mit] }", "MIT OR GPL-3.0")).toBe("pass");
    expect(await status("{ allow: [mit] }", "MIT AND GPL-3.0")).toBe("fail");
    expect(await status("{ unknown: fail }", undefined)).toBe("fail");
    expect(await status("{ allow: [mit], unknown: allow }", undefined)).toBe("skipped");
  });

  it("a rule that cannot read the model's metadata reports an error", async () => {
    const policy = await policyFromText("version: 1\nlicenses: { allow: [mit] }\n");
    const r = evaluatePolicy(policy, cleanFacts(), { metadataError: "README.md: bad front matter" }, NOW);
    expect(r.results.find((x) => x.ruleId === "licenses.allowed")).toMatchObject({ status: "error" });
    expect(r.verdict).toBe("fail");
  });
});
