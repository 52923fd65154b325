/**
 * Issue 12: a policy starts from the default profile unless it says otherwise, and a policy that lets a high or
 * critical finding pass says why (`allow:`), which every check report shows.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check } from "../src/check/index.js";
import { formatCheckSarif } from "../src/report/check/sarif.js";
import { formatCheckText } from "../src/report/check/text.js";
import { validateCheckReport } from "./helpers/check-schema.js";

/** A protocol-2 pickle that calls builtins.eval("1+1") when loaded. */
const EVAL_PICKLE = Buffer.concat([Buffer.from("\x80\x02cbuiltins\neval\n(X", "latin1"), Buffer.from([4, 0, 0, 0]), Buffer.from("1+1tR.", "latin1")]);

let root: string;
let n = 0;

function project(policy: string): { cwd: string; model: string } {
  const cwd = join(root, `project-${n++}`);
  const model = join(cwd, "model");
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, "model.pkl"), EVAL_PICKLE);
  writeFileSync(join(cwd, "modelgate.yaml"), policy);
  return { cwd, model };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "modelgate-policy-defaults-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a policy without extends starts from the default profile", () => {
  it.each([
    ["only defaults:", "version: 1\ndefaults:\n  format: json\n"],
    ["only a signature block", "version: 1\nsignature:\n  required: false\n"],
    ["just version: 1", "version: 1\n"],
  ])("%s: a model calling builtins.eval fails", async (_name, text) => {
    const { cwd, model } = project(text);
    const report = await check([model], { cwd });
    expect(report.policy.profile).toBe("default");
    expect(report.models[0]!.verdict).toBe("fail");
    expect(report.models[0]!.reasons.some((r) => r.startsWith("scan.max-severity: ") && r.includes("builtins.eval"))).toBe(true);
    expect(report.policy.relaxations).toBeUndefined();
  });
});

describe("a policy that relaxes the gate says why", () => {
  it("extends: permissive without a reason does not load, naming the file and line", async () => {
    const { cwd, model } = project("version: 1\nextends: permissive\n");
    await expect(check([model], { cwd })).rejects.toMatchObject({ code: "POLICY_INVALID", message: expect.stringMatching(/modelgate\.yaml:2:10: scan\.max_severity: high \(from extends: permissive\) relaxes the gate: .*allow:/) });
  });

  it("a raised scan.max_severity or defaults.fail_on without a reason does not load", async () => {
    const a = project("version: 1\nscan:\n  max_severity: critical\n");
    await expect(check([a.model], { cwd: a.cwd })).rejects.toMatchObject({ code: "POLICY_INVALID", message: expect.stringContaining("modelgate.yaml:3:17: scan.max_severity: critical relaxes the gate: high and critical scan findings pass") });
    const b = project("version: 1\ndefaults:\n  fail_on: critical\n");
    await expect(check([b.model], { cwd: b.cwd })).rejects.toMatchObject({ code: "POLICY_INVALID", message: expect.stringContaining("modelgate.yaml:3:12: defaults.fail_on: critical relaxes the gate") });
  });

  it("with allow: entries it loads, and the text, JSON and SARIF reports show the relaxation and its reason", async () => {
    const { cwd, model } = project(
      [
        "version: 1",
        "extends: permissive",
        "allow:",
        "  - relax: scan.max_severity",
        "    reason: research sandbox, models never leave the cluster (SEC-88)",
        "  - relax: scan.incomplete",
        "    reason: encrypted archives are reviewed by hand",
        "suppressions:",
        "  - rule: pickle/dangerous-global",
        "    path: model.pkl",
        "    reason: the eval call is reviewed (SEC-89)",
        "",
      ].join("\n"),
    );
    const report = await check([model], { cwd });
    expect(report.policy.relaxations).toEqual([
      { setting: "scan.max_severity", value: "high", effect: expect.stringContaining("high scan findings pass"), reason: "research sandbox, models never leave the cluster (SEC-88)" },
      { setting: "scan.incomplete", value: "allow", effect: expect.stringContaining("could not be fully verified"), reason: "encrypted archives are reviewed by hand" },
      { setting: "suppressions[0]", value: "pickle/dangerous-global in model.pkl", effect: expect.any(String), reason: "the eval call is reviewed (SEC-89)" },
    ]);
    expect(validateCheckReport(JSON.parse(JSON.stringify(report)))).toEqual([]);
    const text = formatCheckText(report, { color: false });
    expect(text).toContain("the policy relaxes the gate (3):");
    expect(text).toContain("! scan.max_severity: high — high scan findings pass (only critical ones fail); reason: research sandbox, models never leave the cluster (SEC-88)");
    const sarif = JSON.parse(formatCheckSarif(report, { ruleTitle: () => undefined })) as { runs: { invocations: { toolConfigurationNotifications: { message: { text: string } }[] }[] }[] };
    const notes = sarif.runs[0]!.invocations[0]!.toolConfigurationNotifications.map((x) => x.message.text);
    expect(notes).toHaveLength(3);
    expect(notes[0]).toContain("research sandbox");
  });

  it("an allow: entry for a setting the policy does not relax is a mistake", async () => {
    const { cwd, model } = project("version: 1\nallow:\n  - { relax: scan.max_severity, reason: just in case }\n");
    await expect(check([model], { cwd })).rejects.toMatchObject({ code: "POLICY_INVALID", message: expect.stringContaining("modelgate.yaml:3:14: allow[0]: the policy does not relax scan.max_severity") });
  });

  it("--profile permissive is reported as a relaxation chosen explicitly", async () => {
    const { cwd, model } = project("version: 1\n");
    const report = await check([model], { cwd, profile: "permissive" });
    expect(report.policy.relaxations?.map((r) => r.setting)).toEqual(["scan.max_severity", "scan.incomplete"]);
    expect(report.policy.relaxations?.[0]?.reason).toContain("chosen explicitly");
  });
});

describe("custom rules have an evaluation budget", () => {
  it("check(): a rule that runs past its deadline fails the model with the reason, never passes", async () => {
    const cwd = join(root, `project-${n++}`);
    const model = join(cwd, `${"a".repeat(34)}b`);
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, "model.pkl"), EVAL_PICKLE);
    writeFileSync(join(cwd, "modelgate.yaml"), 'version: 1\nrules:\n  - id: team.slow\n    expression: \'model.name.matches("^(a+)+$")\'\n');
    const report = await check([model], { cwd, celTimeoutMs: 300 });
    expect(report.models[0]!.verdict).toBe("fail");
    expect(report.models[0]!.reasons).toContainEqual(expect.stringMatching(/^team\.slow: could not be evaluated: exceeded the evaluation budget: still running after 300 ms/));
  });
});

describe("without a vulnerability database", () => {
  it("the default profile still fails a torch that torch.load's weights_only does not protect (built-in advice)", async () => {
    const cwd = join(root, `project-${n++}`);
    const model = join(cwd, "model");
    mkdirSync(model, { recursive: true });
    // A safetensors file (u64 header length, the header, 8 bytes of tensor data) and a torch that is too old.
    const header = Buffer.from('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(join(model, "model.safetensors"), Buffer.concat([len, header, Buffer.alloc(8)]));
    writeFileSync(join(model, "requirements.txt"), "torch==2.0.0\n");
    writeFileSync(join(cwd, "modelgate.yaml"), "version: 1\n");
    const noDb = join(root, "no-osv-here");
    const report = await check([model], { cwd, db: noDb });
    const deps = report.models[0]!.results.filter((r) => r.ruleId === "dependencies.vulnerabilities");
    expect(deps.find((r) => r.status === "fail")).toMatchObject({ severity: "critical", finding: "torch-load-weights-only-bypass", message: expect.stringContaining("torch 2.0.0") });
    expect(deps.find((r) => r.status === "skipped")?.message).toContain("only modelgate's built-in advice was checked");
    expect(report.models[0]!.verdict).toBe("fail");

    // The same model with a torch the advice does not name passes (the database is still missing: skipped).
    writeFileSync(join(model, "requirements.txt"), "torch==2.6.0\n");
    const ok = await check([model], { cwd, db: noDb });
    expect(ok.models[0]!.results.filter((r) => r.ruleId === "dependencies.vulnerabilities").map((r) => r.status)).toEqual(["skipped"]);
    expect(ok.models[0]!.verdict).toBe("pass");
  });
});
