import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../core/errors.js";
import { findPolicyFile, loadPolicy, policySchema, resolvePolicy } from "./load.js";
import { BUILTIN_PROFILES } from "./profiles.js";

async function mistake(text: string, file = "team/modelgate.yaml"): Promise<string> {
  try {
    await loadPolicy({ text, file, baseDir: dir });
  } catch (e) {
    expect(e).toBeInstanceOf(ModelgateError);
    expect((e as ModelgateError).code).toBe("POLICY_INVALID");
    return (e as Error).message;
  }
  throw new Error("the policy was accepted");
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "modelgate-policy-"));
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  mkdirSync(join(dir, "keys"));
  writeFileSync(join(dir, "keys", "release.pub"), publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(join(dir, "keys", "garbage.pub"), "not a key");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("policy mistakes are rejected with file, line, column and a clear message", () => {
  it.each([
    ["unknown key", "version: 1\nscan:\n  max_sevrity: high\n", 'team/modelgate.yaml:3:3: unknown key "max_sevrity" in scan (allowed: max_severity, incomplete)'],
    ["unknown top-level key", "version: 1\nsignatures:\n  required: true\n", 'team/modelgate.yaml:2:1: unknown key "signatures" in the policy'],
    ["wrong type", "version: 1\nsignature:\n  required: yes please\n", 'team/modelgate.yaml:3:13: signature.required must be true or false, not text "yes please"'],
    ["wrong type (list)", "version: 1\nformats:\n  deny: pickle\n", "team/modelgate.yaml:3:9: formats.deny must be a list, not text"],
    ["bad enum", "version: 1\nscan: { max_severity: severe }\n", 'team/modelgate.yaml:2:23: scan.max_severity must be one of "critical", "high", "medium", "low", "info", "none", not "severe"'],
    ["wrong version", "version: 2\n", "team/modelgate.yaml:1:10: version must be 1, not 2"],
    ["missing version", "scan: {}\n", 'team/modelgate.yaml:1:1: the policy needs "version"'],
    ["missing reason", "version: 1\nsuppressions:\n  - rule: scan.max-severity\n", 'team/modelgate.yaml:3:5: suppressions[0] needs "reason"'],
    ["bad date", "version: 1\nsuppressions:\n  - { rule: x, reason: because, expires: 2025-02-30 }\n", "team/modelgate.yaml:3:42: suppressions[0].expires: 2025-02-30 is not a real date"],
    ["bad size", "version: 1\nsize: { max_file_size: 10 bananas }\n", 'team/modelgate.yaml:2:24: size.max_file_size must be a size: a number of bytes or text such as 512MiB or 10GB, not "10 bananas"'],
    ["unknown format", "version: 1\nformats:\n  deny: [pickle-based, pikle]\n", 'team/modelgate.yaml:3:24: unknown format "pikle"'],
    ["YAML syntax error", "version: 1\nscan: [\n  max_severity: high\n", "team/modelgate.yaml:4:1: YAML syntax error:"],
    ["duplicate key", "version: 1\nscan: {}\nscan: {}\n", "team/modelgate.yaml:3:1: YAML syntax error: Map keys must be unique"],
    ["invalid CEL (unknown field)", "version: 1\nrules:\n  - id: team.x\n    expression: model.totalSise > 1\n", "team/modelgate.yaml:4:23: rules[0] (team.x): invalid CEL: No such key: totalSise"],
    ["invalid CEL (syntax)", "version: 1\nrules:\n  - id: team.x\n    expression: 'model.totalSize >'\n", "team/modelgate.yaml:4:35: rules[0] (team.x): invalid CEL: Unexpected token: EOF"],
    [
      "invalid CEL in a block scalar",
      "version: 1\nrules:\n  - id: team.x\n    expression: |\n      signature.verified &&\n        scan.verdit == \"pass\"\n",
      "team/modelgate.yaml:6:14: rules[0] (team.x): invalid CEL: No such key: verdit",
    ],
    ["CEL not boolean", "version: 1\nrules:\n  - id: team.x\n    expression: model.totalSize\n", "rules[0] (team.x): the expression must be true or false, but it gives int"],
    ["built-in rule id", "version: 1\nrules:\n  - { id: scan.max-severity, expression: 'true' }\n", 'team/modelgate.yaml:3:11: rule id "scan.max-severity" is a built-in rule\'s id'],
    ["duplicate rule id", "version: 1\nrules:\n  - { id: a, expression: 'true' }\n  - { id: a, expression: 'true' }\n", 'team/modelgate.yaml:4:11: rule id "a" is used twice'],
    ["misspelt control", "version: 1\nrules:\n  - { id: a, expression: 'true', controls: [AML.M13] }\n", 'team/modelgate.yaml:3:45: control "AML.M13" looks like a framework id'],
    ["missing key file", "version: 1\nsignature:\n  keys: [keys/nope.pub]\n", "team/modelgate.yaml:3:10: public key: cannot read keys/nope.pub"],
    ["not a key", "version: 1\nsignature:\n  keys: [keys/garbage.pub]\n", "team/modelgate.yaml:3:10: cannot read the public key keys/garbage.pub"],
    ["allowed and denied", "version: 1\nlicenses: { allow: [mit], deny: [MIT] }\n", "team/modelgate.yaml:2:34: licence MIT is both allowed and denied"],
    ["unknown profile", "version: 1\nextends: paranoid\n", 'team/modelgate.yaml:2:10: extends must be one of "strict", "default", "permissive", not "paranoid"'],
    ["empty file", "", "team/modelgate.yaml:1:1: the policy is empty"],
  ])("%s", async (_name, text, expected) => {
    expect(await mistake(text)).toContain(expected);
  });

  it("reports every mistake, first one first", async () => {
    const message = await mistake("version: 1\nscan: { max_severity: severe }\nformats: { deny: pickle }\nsize: { max_file_size: big }\n");
    const lines = message.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.split(": ")[0])).toEqual(["team/modelgate.yaml:2:23", "team/modelgate.yaml:3:18", "team/modelgate.yaml:4:24"]);
  });

  it("refuses YAML alias bombs", async () => {
    const bomb = ["version: 1", "a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join("\n");
    expect(await mistake(bomb)).toMatch(/^team\/modelgate\.yaml:\d+:\d+: /);
  });
});

describe("loading", () => {
  it("extends a profile key by key; reads keys relative to the policy file", async () => {
    writeFileSync(join(dir, "modelgate.yaml"), "version: 1\nextends: strict\nsignature:\n  keys: [keys/release.pub]\nscan:\n  max_severity: medium\n");
    const p = await loadPolicy(join(dir, "modelgate.yaml"));
    expect(p.profile).toBe("strict");
    expect(p.document.signature).toEqual({ required: true, keys: ["keys/release.pub"] });
    expect(p.document.scan).toEqual({ max_severity: "medium", incomplete: "fail" });
    expect(p.document.formats).toEqual(BUILTIN_PROFILES.strict.formats);
    expect(p.material.keys).toHaveLength(1);
    expect(p.material.provenanceKeys).toHaveLength(1);
    expect(p.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a missing policy file is PATH_NOT_FOUND naming it", async () => {
    await expect(loadPolicy(join(dir, "nope.yaml"))).rejects.toMatchObject({ code: "PATH_NOT_FOUND", message: expect.stringContaining("nope.yaml") });
  });

  it("the built-in profiles are valid policies", () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    const validate = ajv.compile(policySchema());
    for (const [name, doc] of Object.entries(BUILTIN_PROFILES)) expect(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });
});

describe("which policy applies", () => {
  it("found upward from the working folder; MODELGATE_POLICY; explicit file; profile; default", async () => {
    const root = mkdtempSync(join(tmpdir(), "modelgate-find-"));
    try {
      mkdirSync(join(root, "a", "b"), { recursive: true });
      writeFileSync(join(root, "modelgate.yml"), "version: 1\nscan: { max_severity: low }\n");
      writeFileSync(join(root, "other.yaml"), "version: 1\nscan: { max_severity: critical }\nallow:\n  - { relax: scan.max_severity, reason: a test of which file applies }\n");
      expect(findPolicyFile(join(root, "a", "b"))).toBe(join(root, "modelgate.yml"));
      expect((await resolvePolicy({ cwd: join(root, "a", "b"), env: {} })).document.scan?.max_severity).toBe("low");
      expect((await resolvePolicy({ cwd: join(root, "a"), env: { MODELGATE_POLICY: join(root, "other.yaml") } })).document.scan?.max_severity).toBe("critical");
      expect((await resolvePolicy({ policy: join(root, "other.yaml"), cwd: root, env: {} })).source).toBe(join(root, "other.yaml"));
      expect((await resolvePolicy({ profile: "permissive", cwd: root, env: {} })).source).toBe("profile:permissive");
      await expect(resolvePolicy({ profile: "paranoid" })).rejects.toMatchObject({ code: "USAGE" });
      await expect(resolvePolicy({ profile: "strict", policy: "x.yaml" })).rejects.toMatchObject({ code: "USAGE" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const bare = mkdtempSync(join(tmpdir(), "modelgate-none-"));
    try {
      if (findPolicyFile(bare) === undefined) expect((await resolvePolicy({ cwd: bare, env: {} })).source).toBe("profile:default");
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
