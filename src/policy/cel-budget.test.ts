import { afterAll, describe, expect, it } from "vitest";
import { stopCelWorker, runCelRules } from "./cel-worker.js";
import { evaluatePolicy } from "./evaluate.js";
import { cleanFacts, policyFromText } from "./testing/facts.js";

const NOW = new Date("2025-06-15T12:00:00Z");
const rule = (expression: string) => `version: 1\nrules:\n  - id: team.rule\n    expression: ${JSON.stringify(expression)}\n`;
/** Catastrophic backtracking: tiny to compile, seconds to run on a name of 30 a's and a b. */
const SLOW = 'model.name.matches("^(a+)+$")';

afterAll(() => stopCelWorker());

describe("CEL evaluation budget", () => {
  it("refuses at load time a comprehension inside a comprehension over the facts' large lists", async () => {
    await expect(policyFromText(rule("scan.findings.all(f, model.files.all(g, g.path != f.path))"))).rejects.toMatchObject({
      code: "POLICY_INVALID",
      message: expect.stringMatching(/^modelgate\.yaml:\d+:\d+: rules\[0\] \(team\.rule\): over the evaluation budget: the expression could take about [\d,]+ evaluation steps/),
    });
  });

  it("refuses comprehensions nested three deep, even over small lists", async () => {
    await expect(policyFromText(rule("[1, 2].all(a, [1, 2].all(b, [1, 2].all(c, a + b + c > 0)))"))).rejects.toMatchObject({
      code: "POLICY_INVALID",
      message: expect.stringContaining("nested 3 deep; at most 2 are allowed"),
    });
  });

  it("still loads ordinary rules over the capped lists", async () => {
    const p = await policyFromText(rule('model.files.all(f, f.size < 1000000000 && f.format != "pickle" && !f.path.endsWith(".py"))'));
    expect(p.rules).toHaveLength(1);
  });

  it("a rule past its deadline at run time is stopped in the worker and fails the model; the thread is not blocked and the next rule runs", async () => {
    const facts = cleanFacts();
    facts.model.name = `${"a".repeat(34)}b`;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = Date.now();
    const results = await runCelRules([SLOW, 'model.name.startsWith("a")'], facts, { timeoutMs: 300 });
    clearInterval(timer);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ticks).toBeGreaterThan(5);
    expect(results[0]).toMatchObject({ ok: false, budget: true, message: expect.stringContaining("exceeded the evaluation budget") });
    expect(results[1]).toEqual({ ok: true, value: true });

    const policy = await policyFromText(rule(SLOW));
    const m = evaluatePolicy(policy, facts, {}, NOW, results.slice(0, 1));
    expect(m.verdict).toBe("fail");
    expect(m.results.find((r) => r.ruleId === "team.rule")).toMatchObject({ status: "error", message: expect.stringContaining("could not be evaluated: exceeded the evaluation budget") });
  });

  it("gives the same values as evaluating on this thread", async () => {
    const facts = cleanFacts();
    const exprs = ["model.totalSize < 1024 * 1024", 'signature.verified && signature.method == "key"', 'model.license == "mit"'];
    const results = await runCelRules(exprs, facts);
    expect(results.slice(0, 2)).toEqual([{ ok: true, value: true }, { ok: true, value: true }]);
    expect(results[2]).toEqual({ ok: true, value: false });
  });
});
