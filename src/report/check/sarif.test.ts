import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Log } from "sarif";
import type { CheckReport, CheckResult } from "../../core/check-report.js";
import { SRCROOT } from "../sarif.js";
import { formatCheckSarif } from "./sarif.js";

const top = realpathSync(mkdtempSync(join(tmpdir(), "modelgate-check-sarif-")));
afterAll(() => rmSync(top, { recursive: true, force: true }));

/** A check report of models (paths as given) that each fail with results at the given paths inside them. */
function reportOf(models: Record<string, (string | undefined)[]>): CheckReport {
  return {
    schemaVersion: "1.0.0",
    tool: { name: "modelgate", version: "0.0.0" },
    createdAt: "2025-01-01T00:00:00.000Z",
    policy: { source: "default", digest: "sha256:0000000000000000" },
    models: Object.entries(models).map(([path, inside]) => ({
      path,
      verdict: "fail" as const,
      reasons: [],
      results: inside.map((p, i): CheckResult => ({ ruleId: "scan.max-severity", status: "fail", message: `finding ${i}`, controls: [], severity: "critical", finding: `f${i}`, ...(p !== undefined ? { path: p } : {}) })),
      controls: [],
      facts: {},
    })),
    summary: { models: Object.keys(models).length, passed: 0, failed: Object.keys(models).length, errors: 0, suppressed: 0 },
  };
}

function uris(log: Log): { uri?: string; uriBaseId?: string }[] {
  return log.runs[0]!.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!);
}

describe("check SARIF locations", () => {
  it("a single-file model's paths are in its folder (its own name, its SBOM beside it); a folder model's in it", () => {
    const repo = join(top, "repo");
    mkdirSync(join(repo, "models", "bert"), { recursive: true });
    writeFileSync(join(repo, "models", "c.zip"), "PK");
    writeFileSync(join(repo, "models", "bert", "w.pkl"), "x");
    // A file inside the folder with the folder's own name is that file, not the folder.
    writeFileSync(join(repo, "models", "bert", "bert"), "x");
    const report = reportOf({
      [join(repo, "models", "c.zip")]: ["c.zip!/data/inner.pkl", "c.zip.cdx.json", undefined],
      [join(repo, "models", "bert")]: ["w.pkl", "bert", undefined],
    });
    const log = JSON.parse(formatCheckSarif(report, { ruleTitle: () => undefined, baseDir: repo })) as Log;
    expect(uris(log)).toEqual(
      ["models/c.zip", "models/c.zip.cdx.json", "models/c.zip", "models/bert/w.pkl", "models/bert/bert", "models/bert"].map((uri) => ({ uri, uriBaseId: SRCROOT })),
    );
    expect(log.runs[0]!.results![0]!.properties).toMatchObject({ path: "c.zip!/data/inner.pkl" });
  });

  it("a folder model's finding on the folder itself (named by the folder's name) is the folder", () => {
    const repo = join(top, "repo2");
    mkdirSync(join(repo, "models", "notes"), { recursive: true });
    const log = JSON.parse(formatCheckSarif(reportOf({ [join(repo, "models", "notes")]: ["notes"] }), { ruleTitle: () => undefined, baseDir: repo })) as Log;
    expect(uris(log)).toEqual([{ uri: "models/notes", uriBaseId: SRCROOT }]);
  });

  it("a model no longer on disk: its own name is the model, anything else a file in it", () => {
    const repo = join(top, "gone");
    const log = JSON.parse(formatCheckSarif(reportOf({ [join(repo, "m", "x.pkl")]: ["x.pkl"], [join(repo, "m", "dir")]: ["a.pkl"] }), { ruleTitle: () => undefined, baseDir: repo })) as Log;
    expect(uris(log)).toEqual([
      { uri: "m/x.pkl", uriBaseId: SRCROOT },
      { uri: "m/dir/a.pkl", uriBaseId: SRCROOT },
    ]);
  });

  it("an absolute path (a dependency file outside the model) and a model outside the root keep their own place", () => {
    const repo = join(top, "repo3");
    mkdirSync(join(repo, "m"), { recursive: true });
    const req = join(top, "requirements.txt");
    const log = JSON.parse(formatCheckSarif(reportOf({ [join(repo, "m")]: [req], [join(top, "other.pkl")]: ["other.pkl"] }), { ruleTitle: () => undefined, baseDir: repo })) as Log;
    expect(uris(log)).toEqual([{ uri: pathToFileURL(req).href }, { uri: pathToFileURL(join(top, "other.pkl")).href }]);
  });
});
