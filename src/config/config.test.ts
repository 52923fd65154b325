import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPolicyFile, POLICY_FILE_NAMES } from "../policy/load.js";
import { resolveConfig } from "./config.js";
import { CONFIG_FILE_NAMES, findConfigFile } from "./policy-file.js";
import { parseSize } from "./size.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "modelgate-config-"));
  mkdirSync(join(root, "project", "sub"), { recursive: true });
  writeFileSync(
    join(root, "project", "modelgate.yaml"),
    "version: 1\ndefaults:\n  format: sarif\n  fail_on: medium\n  db: cache/osv\n  limits:\n    maxMemberBytes: 1GiB\n    timeoutMs: 5000\n",
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("shared configuration: flag > environment > modelgate.yaml > built-in default", () => {
  const cwd = () => join(root, "project", "sub");

  it("built-in defaults without a file", async () => {
    const c = await resolveConfig({ cwd: root, env: {} });
    expect(c).toMatchObject({ format: "text", failOn: "high", limits: {}, sources: { format: "default", failOn: "default", db: "default", limits: "default" } });
    expect(c.db).toBeUndefined();
    expect(c.file).toBeUndefined();
  });

  it("the file found upward gives format, fail_on, db (relative to the file) and limits", async () => {
    const c = await resolveConfig({ cwd: cwd(), env: {} });
    expect(c.file).toBe(join(root, "project", "modelgate.yaml"));
    expect(c).toMatchObject({ format: "sarif", failOn: "medium", db: join(root, "project", "cache", "osv"), limits: { maxMemberBytes: 1024 ** 3, timeoutMs: 5000 } });
    expect(c.sources).toEqual({ format: "file", failOn: "file", db: "file", limits: "file" });
  });

  it("the environment wins over the file", async () => {
    const c = await resolveConfig({ cwd: cwd(), env: { MODELGATE_FORMAT: "json", MODELGATE_FAIL_ON: "critical", MODELGATE_DB: "/srv/osv" } });
    expect(c).toMatchObject({ format: "json", failOn: "critical", db: "/srv/osv", sources: { format: "env", failOn: "env", db: "env" } });
  });

  it("flags win over everything; flag limits override the file's one by one", async () => {
    const c = await resolveConfig({
      cwd: cwd(),
      env: { MODELGATE_FORMAT: "json", MODELGATE_FAIL_ON: "critical" },
      flags: { format: "html", failOn: "low", db: "here", limits: { timeoutMs: 9000 } },
    });
    expect(c).toMatchObject({ format: "html", failOn: "low", db: join(cwd(), "here"), limits: { maxMemberBytes: 1024 ** 3, timeoutMs: 9000 } });
    expect(c.sources).toEqual({ format: "flag", failOn: "flag", db: "flag", limits: "flag" });
  });

  it("a gate relaxed to critical says where and why (flag, environment, or the file's allow: reason); a tighter one is no relaxation", async () => {
    expect((await resolveConfig({ cwd: cwd(), env: {} })).gateRelaxations).toEqual([]);
    expect((await resolveConfig({ cwd: cwd(), env: {}, flags: { failOn: "critical" } })).gateRelaxations).toEqual([
      { setting: "--fail-on", value: "critical", effect: "high findings pass (only critical ones fail)", reason: "given on the command line" },
    ]);
    expect((await resolveConfig({ cwd: cwd(), env: { MODELGATE_FAIL_ON: "critical" } })).gateRelaxations[0]).toMatchObject({ setting: "MODELGATE_FAIL_ON", reason: "set in the environment" });
    const relaxed = join(root, "relaxed.yaml");
    writeFileSync(relaxed, "version: 1\ndefaults: { fail_on: critical }\nallow:\n  - relax: defaults.fail_on\n    reason: research sandbox (SEC-88)\n");
    const c = await resolveConfig({ cwd: cwd(), env: { MODELGATE_POLICY: relaxed } });
    expect(c.gateRelaxations).toHaveLength(1);
    expect(c.gateRelaxations[0]).toMatchObject({ setting: "defaults.fail_on", value: "critical" });
    expect(c.gateRelaxations[0]!.reason).toContain("research sandbox (SEC-88)");
  });

  it("MODELGATE_POLICY names the file; --policy wins over it", async () => {
    const other = join(root, "other.yaml");
    writeFileSync(other, "version: 1\ndefaults: { format: json }\n");
    expect((await resolveConfig({ cwd: cwd(), env: { MODELGATE_POLICY: other } })).format).toBe("json");
    expect((await resolveConfig({ cwd: root, env: { MODELGATE_POLICY: other }, flags: { policy: join(root, "project", "modelgate.yaml") } })).format).toBe("sarif");
  });

  it("a format the command does not support falls back to its default; a bad environment value is a usage error", async () => {
    expect((await resolveConfig({ cwd: cwd(), env: {}, formats: ["text", "json"] })).format).toBe("text");
    await expect(resolveConfig({ cwd: root, env: { MODELGATE_FAIL_ON: "severe" } })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("MODELGATE_FAIL_ON=severe") });
    await expect(resolveConfig({ cwd: root, env: { MODELGATE_FORMAT: "xml" } })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("a mistake in the file is an error for every command", async () => {
    const bad = join(root, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "modelgate.yaml"), "version: 1\ndefaults:\n  formatt: json\n");
    await expect(resolveConfig({ cwd: bad, env: {} })).rejects.toMatchObject({ code: "POLICY_INVALID", message: expect.stringContaining("modelgate.yaml:3:3: unknown key \"formatt\" in defaults") });
  });
});

describe("finding modelgate.yaml without the policy loader", () => {
  it("looks for the names the policy loader looks for, and finds the same file", () => {
    expect([...CONFIG_FILE_NAMES]).toEqual([...POLICY_FILE_NAMES]);
    const sub = join(root, "project", "sub");
    expect(findConfigFile(sub)).toBe(join(root, "project", "modelgate.yaml"));
    expect(findConfigFile(sub)).toBe(findPolicyFile(sub));
    expect(findConfigFile(root)).toBe(findPolicyFile(root));
  });
});

describe("sizes", () => {
  it.each([
    ["512MiB", 512 * 1024 ** 2],
    ["10 GB", 10 * 1024 ** 3],
    ["2048", 2048],
    ["1.5k", 1536],
    [4096, 4096],
    ["10 bananas", undefined],
    ["-1", undefined],
    [0, undefined],
  ])("%s → %s", (input, expected) => {
    expect(parseSize(input)).toBe(expected);
  });
});
