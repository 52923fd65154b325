import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { celContext, compileCel } from "./cel.js";
import { evaluatePolicy } from "./evaluate.js";
import { FACT_SECTIONS } from "./facts.js";
import { cleanFacts, policyFromText } from "./testing/facts.js";

const NOW = new Date("2025-06-15T12:00:00Z");

/** The custom rule's results (the default profile's built-in rules run too: a policy starts from it). */
const own = (m: { results: { ruleId: string }[] }) => m.results.filter((x) => x.ruleId === "team.rule") as ReturnType<typeof evaluatePolicy>["results"];

const rule = (expression: string, extra = "") => `version: 1\nrules:\n  - id: team.rule\n    description: team rule\n    expression: ${JSON.stringify(expression)}\n    controls: [MEASURE 2.7, ACME-SEC-7]${extra}\n`;

describe("CEL rules", () => {
  it.each([
    ["model.totalSize < 1024 * 1024", true],
    ["model.totalSize > 1024 * 1024", false],
    ['model.files.all(f, f.format in ["safetensors", "json"])', true],
    ['!model.files.exists(f, f.path.endsWith(".pkl"))', true],
    ['has(model.license) && model.license in ["apache-2.0", "mit"]', true],
    ['signature.verified && signature.method == "key"', true],
    ['provenance.verified && provenance.source.org == "acme"', true],
    ["sbom.fields.license && sbom.fields.datasets && !sbom.fields.base_model", true],
    ['dependencies.audited && dependencies.vulnerabilities.all(v, v.severity != "critical")', true],
    ['scan.findings.filter(f, f.severity == "critical").size() == 0', true],
    ['scan.verdict == "pass" && !scan.incomplete', true],
  ])("%s → %s", async (expression, expected) => {
    const policy = await policyFromText(rule(expression));
    const r = evaluatePolicy(policy, cleanFacts(), {}, NOW);
    expect(own(r)).toHaveLength(1);
    expect(own(r)[0]).toMatchObject({ ruleId: "team.rule", status: expected ? "pass" : "fail", controls: ["MEASURE 2.7", "ACME-SEC-7"] });
    expect(r.verdict).toBe(expected ? "pass" : "fail");
  });

  it("a failing rule shows its message, and its controls fail (custom ids are kept as custom)", async () => {
    const policy = await policyFromText(rule("model.totalSize < 10", "\n    severity: medium\n    message: the model is too big for the edge fleet"));
    const r = evaluatePolicy(policy, cleanFacts(), {}, NOW);
    expect(own(r)[0]).toMatchObject({ status: "fail", severity: "medium", message: "the model is too big for the edge fleet" });
    expect(r.controls.find((c) => c.id === "MEASURE 2.7")).toMatchObject({ framework: "nist-ai-rmf", title: "Security and resilience", status: "fail" });
    expect(r.controls.find((c) => c.id === "MEASURE 2.7")!.rules).toContainEqual({ ruleId: "team.rule", status: "fail" });
    expect(r.controls.find((c) => c.id === "ACME-SEC-7")).toEqual({ id: "ACME-SEC-7", framework: "custom", status: "fail", rules: [{ ruleId: "team.rule", status: "fail" }] });
  });

  it("suppressed, and expired suppression", async () => {
    const s = (expires: string) => `\nsuppressions:\n  - { rule: team.rule, reason: exception granted by security, expires: ${expires} }\n`;
    const ok = evaluatePolicy(await policyFromText(rule("false") + s("2025-06-15")), cleanFacts(), {}, NOW);
    expect(own(ok)[0]!.status).toBe("suppressed");
    expect(ok.verdict).toBe("pass");
    const late = evaluatePolicy(await policyFromText(rule("false") + s("2025-01-31")), cleanFacts(), {}, NOW);
    expect(own(late)[0]!.status).toBe("fail");
    expect(own(late)[0]!.message).toContain("suppression expired on 2025-01-31: exception granted by security");
  });

  it("a field absent at run time is an error that fails the model, with a hint about has()", async () => {
    const facts = cleanFacts();
    delete facts.model.license;
    const r = evaluatePolicy(await policyFromText(rule('model.license == "mit"')), facts, {}, NOW);
    expect(own(r)[0]!.status).toBe("error");
    expect(own(r)[0]!.message).toMatch(/could not be evaluated: .*license.*has\(\)/);
    expect(r.verdict).toBe("fail");
  });

  it("records which fact sections an expression reads", () => {
    const c = compileCel('signature.verified && model.files.exists(scan, scan.size > 0) && dependencies.audited');
    expect(c.ok && [...c.sections].sort()).toEqual(["dependencies", "model", "signature"]);
  });

  it("rejects non-boolean expressions, unknown variables and unknown fields", () => {
    expect(compileCel("model.totalSize")).toMatchObject({ ok: false, message: expect.stringContaining("must be true or false") });
    expect(compileCel("foo.bar")).toMatchObject({ ok: false, message: expect.stringContaining("Unknown variable: foo") });
    expect(compileCel("model.files.exists(f, f.sise > 1)")).toMatchObject({ ok: false, message: expect.stringContaining("sise") });
  });

  it("caps expression size (the AST limit)", () => {
    const huge = Array.from({ length: 3000 }, () => "true").join(" && ");
    expect(compileCel(huge).ok).toBe(false);
  });

  it("declares every field the facts document has (CEL and the JSON schema agree)", () => {
    const schema = JSON.parse(readFileSync(new URL("../../schemas/check-report.schema.json", import.meta.url), "utf8")) as {
      $defs: { facts: { properties: Record<string, { properties: Record<string, unknown> }> } };
    };
    const sections = schema.$defs.facts.properties;
    expect(Object.keys(sections).sort()).toEqual([...FACT_SECTIONS].sort());
    for (const [section, def] of Object.entries(sections)) {
      for (const field of Object.keys(def.properties)) {
        const c = compileCel(`has(${section}.${field}) || true`);
        expect(c.ok, `${section}.${field}: ${c.ok ? "" : c.message}`).toBe(true);
      }
    }
  });

  it("the facts convert to CEL values (integers as ints)", () => {
    const ctx = celContext(cleanFacts()) as unknown as { model: { totalSize: unknown } };
    expect(ctx.model.totalSize).toBe(1100n);
  });
});
