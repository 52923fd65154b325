/**
 * SARIF locations on a checkout layout, end to end through the CLI: `scan` and `check` run from the repository
 * root and from a subfolder, and every result's uri + uriBaseId, resolved through run.originalUriBaseIds the
 * way GitHub code scanning resolves them, must name a file that exists at that path in the repository (issue 14:
 * `models/c.zip/c.zip` for a single-file model, `../` paths from a subfolder).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Log, Result } from "sarif";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildZip } from "../../test/fixtures/archive/zip-builder.js";
import { main } from "../cli/main.js";
import { SRCROOT } from "./sarif.js";

/** `cos\nsystem\n(S'id'\ntR.`: os.system("id") in pickle protocol 0. */
const EVIL = Buffer.from("cos\nsystem\n(S'id'\ntR.", "latin1");

let top: string;
let repo: string;
let outside: string;
let n = 0;

beforeAll(() => {
  // realpath: macOS's /tmp is a link, and the URIs are compared with the real cwd.
  top = realpathSync(mkdtempSync(join(tmpdir(), "modelgate-sarif-checkout-")));
  repo = join(top, "repo");
  mkdirSync(join(repo, ".git"), { recursive: true });
  writeFileSync(join(repo, ".git", "HEAD"), "ref: refs/heads/main\n");
  mkdirSync(join(repo, "models", "nested dir", "deeper"), { recursive: true });
  writeFileSync(join(repo, "models", "a.pkl"), EVIL);
  // A single-file model: an archive whose member holds the pickle.
  writeFileSync(join(repo, "models", "c.zip"), buildZip([{ name: "data/inner.pkl", data: EVIL }]));
  // A folder model whose file name needs percent-encoding (space, #).
  writeFileSync(join(repo, "models", "nested dir", "deeper", "b #1.pkl"), EVIL);
  // A folder model with nothing verifiable in it: check's finding is on the folder itself.
  mkdirSync(join(repo, "models", "notes"));
  writeFileSync(join(repo, "models", "notes", "README.txt"), "no model here\n");
  outside = join(top, "elsewhere");
  mkdirSync(outside);
  writeFileSync(join(outside, "x.pkl"), EVIL);
});

afterAll(() => rmSync(top, { recursive: true, force: true }));

/** Runs the CLI in `cwd` with the report written to a file; returns the exit code and the parsed SARIF. */
async function sarifOf(cwd: string, args: string[]): Promise<{ code: number; log: Log }> {
  const output = join(top, `out-${n++}.sarif`);
  const before = process.cwd();
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  process.chdir(cwd);
  try {
    const code = await main([...args, "--format", "sarif", "--output", output, "--quiet"]);
    return { code, log: JSON.parse(readFileSync(output, "utf8")) as Log };
  } finally {
    process.chdir(before);
    err.mockRestore();
  }
}

/** Resolves a result's location as code scanning does; returns the path on disk and the location. */
function resolveLocation(log: Log, result: Result): { path: string; uri: string; uriBaseId: string | undefined } {
  const loc = result.locations![0]!.physicalLocation!.artifactLocation!;
  const uri = loc.uri!;
  if (loc.uriBaseId === undefined) return { path: fileURLToPath(uri), uri, uriBaseId: undefined };
  const base = log.runs[0]!.originalUriBaseIds![loc.uriBaseId]!.uri!;
  return { path: fileURLToPath(new URL(uri, base)), uri, uriBaseId: loc.uriBaseId };
}

/** Checks what every log must satisfy; returns each result's path relative to the repository (POSIX). */
function mapped(log: Log): string[] {
  const run = log.runs[0]!;
  expect(run.originalUriBaseIds).toEqual({ [SRCROOT]: { uri: `${pathToFileURL(repo).href}/` } });
  expect(run.results!.length).toBeGreaterThan(0);
  return run.results!.map((r) => {
    const { path, uri, uriBaseId } = resolveLocation(log, r);
    expect(uriBaseId, uri).toBe(SRCROOT);
    expect(uri).not.toMatch(/^\.\/|^\.\.\/|\/\.\.\/|^\/|^file:|\\/);
    expect(existsSync(path), `${uri} → ${path} exists`).toBe(true);
    return relative(repo, path).split(sep).join("/");
  });
}

describe("scan SARIF on a checkout", () => {
  const expected = ["models/a.pkl", "models/c.zip", "models/nested dir/deeper/b #1.pkl"];

  it("from the repository root: URIs relative to it, the archive member's finding on the archive", async () => {
    const { code, log } = await sarifOf(repo, ["scan", "models", "--jobs", "1"]);
    expect(code).toBe(1);
    expect([...new Set(mapped(log))].sort()).toEqual(expected);
    const uris = log.runs[0]!.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri);
    expect(uris).toContain("models/nested%20dir/deeper/b%20%231.pkl");
    const member = log.runs[0]!.results!.find((r) => String(r.properties?.virtualPath).includes("!/"))!;
    expect(member.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: "models/c.zip", uriBaseId: SRCROOT });
    expect(member.properties!.virtualPath).toBe(join("models", "c.zip") + "!/data/inner.pkl");
    expect(member.message.text).toContain("[in data/inner.pkl]");
  });

  it("from a subfolder, with paths written through `..`: the same URIs and fingerprints", async () => {
    const fromRoot = await sarifOf(repo, ["scan", "models", "--jobs", "1"]);
    const fromSub = await sarifOf(join(repo, "models"), ["scan", ".", "../models/a.pkl", "--jobs", "1"]);
    expect(fromSub.code).toBe(1);
    expect([...new Set(mapped(fromSub.log))].sort()).toEqual(expected);
    const prints = (log: Log): string[] => log.runs[0]!.results!.map((r) => r.partialFingerprints!["modelgateFinding/v1"]!).sort();
    expect(new Set(prints(fromSub.log))).toEqual(new Set(prints(fromRoot.log)));
  });

  it("a file outside the repository: an absolute file URI, no uriBaseId", async () => {
    const { log } = await sarifOf(join(repo, "models"), ["scan", join(outside, "x.pkl"), "--jobs", "1"]);
    const loc = log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!;
    expect(loc).toEqual({ uri: pathToFileURL(join(outside, "x.pkl")).href });
    expect(resolveLocation(log, log.runs[0]!.results![0]!).path).toBe(join(outside, "x.pkl"));
  });
});

describe("check SARIF on a checkout", () => {
  const models = (prefix: string): string[] => ["c.zip", "a.pkl", "nested dir", "notes"].map((m) => `${prefix}${m}`);

  for (const [where, sub, prefix] of [
    ["the repository root", "", "models/"],
    ["a subfolder", "models", ""],
  ] as const) {
    it(`from ${where}: a single-file model is the file itself, a folder's finding the file in it or the folder`, async () => {
      const { code, log } = await sarifOf(join(repo, sub), ["check", ...models(prefix), "--profile", "default"]);
      expect(code).toBe(1);
      const paths = mapped(log);
      expect(new Set(paths)).toEqual(new Set(["models/c.zip", "models/a.pkl", "models/nested dir/deeper/b #1.pkl", "models/notes"]));
      const byModel = new Map(log.runs[0]!.results!.map((r) => [String(r.properties!.model), r]));
      expect(byModel.get(`${prefix}c.zip`)!.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: "models/c.zip", uriBaseId: SRCROOT });
      expect(byModel.get(`${prefix}c.zip`)!.message.text).toContain("c.zip!/data/inner.pkl");
      expect(byModel.get(`${prefix}nested dir`)!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe("models/nested%20dir/deeper/b%20%231.pkl");
    });
  }

  it("gives the same fingerprints from the root and from a subfolder", async () => {
    const a = await sarifOf(repo, ["check", ...models("models/"), "--profile", "default"]);
    const b = await sarifOf(join(repo, "models"), ["check", ...models(""), "--profile", "default"]);
    const prints = (log: Log): string[] => log.runs[0]!.results!.map((r) => r.partialFingerprints!["modelgateCheck/v1"]!).sort();
    expect(prints(b.log)).toEqual(prints(a.log));
  });
});
