import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Log } from "sarif";
import { sampleReport } from "../../test/helpers/report.js";
import { getRule } from "../rules/catalog.js";
import { findRepositoryRoot, formatSarif, sarifLocator, SRCROOT } from "./sarif.js";

describe("SARIF report", () => {
  const log = JSON.parse(formatSarif(sampleReport(), { rules: getRule, baseDir: process.cwd() })) as Log;
  const run = log.runs[0]!;

  it("is SARIF 2.1.0 with one run and the tool's rules", () => {
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver.name).toBe("modelgate");
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(["scanner/data-file", "scanner/symlink", "scanner/unparseable"]);
  });

  it("gives GitHub code scanning what it needs: rule index, level, location with a line, security-severity", () => {
    for (const result of run.results!) {
      const rule = run.tool.driver.rules![result.ruleIndex!]!;
      expect(rule.id).toBe(result.ruleId);
      expect(["error", "warning", "note"]).toContain(result.level);
      const loc = result.locations![0]!.physicalLocation!;
      expect(loc.artifactLocation).toEqual({ uri: "models/model.zip", uriBaseId: SRCROOT });
      expect(loc.region!.startLine).toBe(1);
      expect(Object.keys(result.partialFingerprints!)).toHaveLength(1);
    }
    const unparseable = run.tool.driver.rules!.find((r) => r.id === "scanner/unparseable")!;
    expect(unparseable.properties!["security-severity"]).toBe("8.0");
    expect(unparseable.properties!.tags).toContain("external/cwe/cwe-502");
  });

  it("names the container member and keeps the byte offset", () => {
    const r = run.results!.find((x) => x.ruleId === "scanner/unparseable")!;
    expect(r.message.text).toContain("[in archive/data.pkl]");
    expect(r.properties).toMatchObject({ offset: 42, severity: "high" });
    expect(r.level).toBe("error");
    expect(r.properties!.virtualPath).toBe("models/model.zip!/archive/data.pkl");
  });

  it("says where %SRCROOT% is: the base folder as a file URL ending in /", () => {
    expect(run.originalUriBaseIds).toEqual({ [SRCROOT]: { uri: `${pathToFileURL(process.cwd()).href}/` } });
  });
});

describe("SARIF artifact locations", () => {
  const top = realpathSync(mkdtempSync(join(tmpdir(), "modelgate-sarif-loc-")));
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it("relative to the root, percent-encoded as the base is; outside it an absolute file URI without a base", () => {
    const root = join(top, "my repo");
    const locator = sarifLocator(root);
    const base = locator.originalUriBaseIds[SRCROOT]!.uri!;
    expect(base).toBe(`${pathToFileURL(root).href}/`);
    expect(base).toMatch(/my%20repo\/$/);
    const cases: [string, string][] = [
      [join(root, "models", "a.pkl"), "models/a.pkl"],
      [join(root, "models", "50% off #2?.pkl"), "models/50%25%20off%20%232%3F.pkl"],
      [join(root, "a:b.pkl"), "a%3Ab.pkl"],
      [join(root, "models", "dir") + "/", "models/dir"],
      [root, "."],
    ];
    for (const [path, uri] of cases) {
      const loc = locator.locate(path);
      expect(loc, path).toEqual({ uri, uriBaseId: SRCROOT });
      // Resolved against the base the way a SARIF consumer does, it is the file again.
      expect(fileURLToPath(new URL(loc.uri!, base)).replace(/\/$/, ""), path).toBe(path.replace(/\/$/, ""));
    }
    // "my repo2" starts with "my repo" but is not in it.
    const sibling = join(top, "my repo2", "x.pkl");
    expect(locator.locate(sibling)).toEqual({ uri: pathToFileURL(sibling).href });
    expect(locator.locate(join(top, "x.pkl"))).toEqual({ uri: pathToFileURL(join(top, "x.pkl")).href });
  });

  it("a relative path is taken from the current directory", () => {
    const cwd = process.cwd();
    expect(sarifLocator(cwd).locate("models/a.pkl")).toEqual({ uri: "models/a.pkl", uriBaseId: SRCROOT });
    expect(sarifLocator(dirname(cwd)).locate("models/a.pkl").uri).toBe(`${encodeURIComponent(basename(cwd))}/models/a.pkl`);
  });

  it("finds the repository root upward by its .git folder or file, else keeps the start", () => {
    const repo = join(top, "repo");
    mkdirSync(join(repo, ".git"), { recursive: true });
    mkdirSync(join(repo, "models", "deep"), { recursive: true });
    expect(findRepositoryRoot(join(repo, "models", "deep"))).toBe(repo);
    expect(findRepositoryRoot(repo)).toBe(repo);
    // A worktree or a submodule has a .git file; the nearest one wins.
    const sub = join(repo, "models", "sub");
    mkdirSync(sub);
    writeFileSync(join(sub, ".git"), "gitdir: ../../.git/modules/sub\n");
    expect(findRepositoryRoot(sub)).toBe(sub);
    const loose = join(top, "loose", "dir");
    mkdirSync(loose, { recursive: true });
    // Unless the temporary folder itself is inside a checkout, nothing is found and the start is the root.
    if (findRepositoryRoot(top) === top) expect(findRepositoryRoot(loose)).toBe(loose);
  });
});
