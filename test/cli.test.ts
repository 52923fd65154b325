import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validateReport } from "./helpers/schema.js";

const BIN = new URL("../bin/modelgate.js", import.meta.url).pathname;

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "true", NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("output to a closed pipe", () => {
  it("stops quietly when the reader goes away (modelgate scan --help | head -1)", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" scan --help | head -1`], { encoding: "utf8" });
    expect(r.stdout).toMatch(/^Usage: modelgate scan/);
    expect(r.stderr).toBe("");
  });
});

describe("modelgate CLI", () => {
  let dir: string;
  let evil: string;
  let clean: string;
  let notes: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-cli-"));
    // Protocol-0 pickle: os.system("echo pwned") — a classic payload, written as bytes (never loaded).
    evil = join(dir, "weights.bin");
    writeFileSync(evil, Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", "latin1"));
    // A benign pickle (PROTO 4, the int 1, STOP): model content that verifies clean.
    clean = join(dir, "clean.pkl");
    writeFileSync(clean, Buffer.from([0x80, 0x04, 0x4b, 0x01, 0x2e]));
    notes = join(dir, "notes.txt");
    writeFileSync(notes, "just some text\n");
  });

  it("exits 0 for a clean file and 1 when a finding reaches the gate", () => {
    expect(run("scan", clean).code).toBe(0);
    const r = run("scan", evil);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("weights.bin");
    expect(r.stdout).toMatch(/FAIL/);
  });

  it("--fail-on critical lets a high-only file pass; a medium note passes the default gate", () => {
    const unknown = join(dir, "blob.dat");
    writeFileSync(unknown, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7]));
    // Unknown binary content is medium; named like a model (.pt) it is high.
    expect(run("scan", clean, unknown).code).toBe(0);
    expect(run("scan", "--fail-on", "medium", clean, unknown).code).toBe(1);
    const named = join(dir, "blob.pt");
    writeFileSync(named, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7]));
    expect(run("scan", clean, named).code).toBe(1);
    expect(run("scan", "--fail-on", "critical", clean, named).code).toBe(0);
  });

  it("exits 2, naming the paths, when no model content was verified (only text, or an empty folder)", () => {
    const r = run("scan", notes);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("notes.txt");
    expect(r.stderr).toMatch(/no model content was verified/);
    const empty = mkdtempSync(join(tmpdir(), "modelgate-empty-"));
    const out = join(dir, "empty-report.json");
    const e = run("scan", "--format", "json", "--output", out, empty);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain(empty);
    // The report is still written, and says why.
    const report = JSON.parse(readFileSync(out, "utf8")) as { summary: { verifiedModelFiles: number; files: number } };
    expect(validateReport(report)).toEqual([]);
    expect(report.summary).toMatchObject({ verifiedModelFiles: 0, files: 0 });
  });

  it("exits 2 with a message naming the path when it does not exist", () => {
    const r = run("scan", join(dir, "missing.pt"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.pt");
    expect(r.stderr).toMatch(/no such file/);
  });

  it("exits 2 on usage errors: unknown format, bad limit, no path", () => {
    expect(run("scan", "--format", "xml", clean).code).toBe(2);
    const bad = run("scan", "--limit", "maxDepth=lots", clean);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/maxDepth=lots/);
    expect(run("scan").code).toBe(2);
    expect(run("frobnicate").code).toBe(2);
  });

  it("writes a schema-valid JSON report to --output and says where", () => {
    const out = join(dir, "report.json");
    const r = run("scan", "--format", "json", "--output", out, evil, notes);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("report.json");
    const report = JSON.parse(readFileSync(out, "utf8")) as { files: { path: string; sha256: string }[] };
    expect(validateReport(report)).toEqual([]);
    expect(report.files.map((f) => f.path).sort()).toEqual([notes, evil].sort());
    expect(report.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("exits 2 when the report cannot be written", () => {
    const r = run("scan", "--output", join(dir, "no-such-dir", "r.json"), clean);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write the report/);
  });

  it("scan --help teaches: exit codes, severities, examples", () => {
    const r = run("scan", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:/);
    expect(r.stdout).toMatch(/--fail-on/);
    expect(r.stdout).toMatch(/Examples:/);
  });

  it("emits SARIF", () => {
    const r = run("scan", "--format", "sarif", evil);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as { version: string; runs: { results: unknown[] }[] };
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0]!.results.length).toBeGreaterThan(0);
  });
});
