import { pathToFileURL } from "node:url";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../core/errors.js";
import { audit } from "./audit.js";
import { formatAuditSarif } from "./report/audit-sarif.js";
import { formatAuditText } from "./report/audit-text.js";
import type { Dependency, DependencyFile } from "./types.js";

const schema = JSON.parse(readFileSync(new URL("../../schemas/audit-report.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: false }).compile(schema);
function schemaErrors(report: unknown): string[] {
  return validate(JSON.parse(JSON.stringify(report))) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function dep(name: string, spec: string, line = 1, file = "requirements.txt"): Dependency {
  const pinnedMatch = /^===?([^,*]+)$/.exec(spec);
  return {
    name,
    rawName: name,
    specifier: spec,
    ...(pinnedMatch ? { version: pinnedMatch[1]! } : {}),
    extras: [],
    hashes: [],
    locked: false,
    source: { file, line },
  };
}

function depFile(deps: Dependency[], path = "requirements.txt"): DependencyFile {
  return { path, kind: "requirements", dependencies: deps, issues: [] };
}

const rec = (id: string, pkg: string, events: Record<string, string>[], extra: Record<string, unknown> = {}) => ({
  id,
  modified: "2024-05-01T00:00:00Z",
  affected: [{ package: { name: pkg, ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events }] }],
  ...extra,
});

function tmpDb(records: Record<string, unknown>, meta?: object): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-audit-db-"));
  for (const [name, r] of Object.entries(records)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), typeof r === "string" ? r : JSON.stringify(r));
  }
  if (meta) writeFileSync(join(dir, "metadata.json"), JSON.stringify(meta));
  return dir;
}

const NOW = new Date("2024-05-11T12:00:00Z");

const DB = tmpDb({
  "torch/PYSEC-2022-43015.json": rec("PYSEC-2022-43015", "torch", [{ introduced: "0" }, { fixed: "1.13.1" }], { aliases: ["CVE-2022-45907", "GHSA-47fc-vmwq-366v"], summary: "eval in parse_type_line" }),
  "torch/GHSA-47fc-vmwq-366v.json": rec("GHSA-47fc-vmwq-366v", "torch", [{ introduced: "0" }, { fixed: "1.13.1" }], { aliases: ["CVE-2022-45907"], database_specific: { severity: "CRITICAL" } }),
  "pkg/PYSEC-1.json": rec("PYSEC-1", "pkg", [{ introduced: "1.0" }, { last_affected: "1.4" }], { severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" }] }),
  "pkg/PYSEC-2.json": { id: "PYSEC-2", modified: "2024-05-01T00:00:00Z", affected: [{ package: { name: "pkg", ecosystem: "PyPI" }, versions: ["2.0", "2.1"] }] },
  "pkg/PYSEC-3.json": rec("PYSEC-3", "pkg", [{ introduced: "0" }, { fixed: "3.0" }], { withdrawn: "2024-04-01T00:00:00Z" }),
  "other/broken.json": rec("PYSEC-9", "unrelated", [{ introduced: "0" }, { fixed: "x y z" }]),
});

describe("audit() matching", () => {
  it("merges records that share aliases into one finding with a stable id and the best severity", async () => {
    const r = await audit([], { db: DB, now: NOW, files: [depFile([dep("torch", "==1.13.0")])] });
    expect(r.vulnerabilities).toHaveLength(1);
    const v = r.vulnerabilities[0]!;
    expect(v.id).toBe("GHSA-47fc-vmwq-366v");
    expect(v.aliases).toEqual(["CVE-2022-45907", "PYSEC-2022-43015"]);
    expect(v).toMatchObject({ severity: "critical", severitySource: "GHSA database_specific", pinned: true, version: "1.13.0", fixed: ["1.13.1"], upgradeTo: "1.13.1" });
    expect(v.records).toHaveLength(2);
    // The advice table flags torch < 2.6.0 as well, separately.
    expect(r.advice.map((a) => a.id)).toEqual(["torch-load-weights-only-bypass"]);
    expect(r.summary).toMatchObject({ vulnerable: 1, vulnerabilities: 1, advice: 1, failed: true, maxSeverity: "critical" });
    expect(formatAuditText(r)).toContain("upgrade torch to >= 2.6.0");
    expect(schemaErrors(r)).toEqual([]);
  });

  it("applies last_affected, explicit versions and ignores withdrawn records", async () => {
    const r = await audit([], { db: DB, now: NOW, files: [depFile([dep("pkg", "==1.4", 1), dep("pkg", "==1.4.1", 2), dep("pkg", "==2.1", 3), dep("pkg", "==2.2", 4)])] });
    expect(r.vulnerabilities.map((v) => [v.source.line, v.id])).toEqual([
      [1, "PYSEC-1"],
      [3, "PYSEC-2"],
    ]);
    expect(r.vulnerabilities[0]).toMatchObject({ severity: "high", severitySource: "CVSS:3.1 7.5", affected: ">=1.0, <=1.4" });
    expect(r.vulnerabilities[0]!.upgradeTo).toBeUndefined();
    // PYSEC-3 (withdrawn) would have matched every version.
    expect(r.vulnerabilities.some((v) => v.id === "PYSEC-3")).toBe(false);
  });

  it("reports unpinned requirements with the affected versions they allow", async () => {
    const r = await audit([], { db: DB, now: NOW, files: [depFile([dep("torch", ">=1.10", 1), dep("torch", ">=1.13.1", 2), dep("pkg", "~=1.3", 3), dep("pkg", ">1.4,<2.0", 4)])] });
    const byLine = new Map(r.vulnerabilities.map((v) => [v.source.line, v]));
    expect(byLine.get(1)).toMatchObject({ id: "GHSA-47fc-vmwq-366v", pinned: false, allowedAffected: ">=1.10, <1.13.1", upgradeTo: "1.13.1" });
    expect(byLine.get(1)!.version).toBeUndefined();
    expect(byLine.get(1)!.message).toContain("torch >=1.10 allows affected versions >=1.10, <1.13.1");
    expect(byLine.has(2)).toBe(false);
    expect(byLine.get(3)).toMatchObject({ id: "PYSEC-1", allowedAffected: ">=1.3, <=1.4" });
    expect(byLine.has(4)).toBe(false);
    // Unpinned torch >=1.13.1 still allows torch < 2.6: the advice says so.
    expect(r.advice.filter((a) => a.source.line === 2).map((a) => a.id)).toEqual(["torch-load-weights-only-bypass"]);
  });

  it("treats a missing severity as medium, says so, and gates on --fail-on", async () => {
    const r = await audit([], { db: DB, now: NOW, failOn: "high", files: [depFile([dep("pkg", "==2.0")])] });
    expect(r.vulnerabilities[0]).toMatchObject({ severity: "medium", severitySource: "unknown" });
    expect(r.vulnerabilities[0]!.message).toMatch(/no severity.*treated as medium/);
    expect(r.summary.failed).toBe(false);
    const strict = await audit([], { db: DB, now: NOW, failOn: "medium", files: [depFile([dep("pkg", "==2.0")])] });
    expect(strict.summary.failed).toBe(true);
  });

  it("shows the database age and flags a stale one", async () => {
    const fresh = await audit([], { db: DB, now: NOW, files: [depFile([dep("pkg", "==9.0")])] });
    expect(fresh.database).toMatchObject({ kind: "offline", ageDays: 10, ageFrom: "records", stale: true });
    // Imported a day ago, but its newest record is ten days old: the data's age counts, not the import's.
    const withMeta = tmpDb({ "a.json": rec("X", "pkg", [{ introduced: "0" }]) }, { format: "modelgate-osv/1", updatedAt: "2024-05-10T00:00:00Z", source: "test", records: 1 });
    const imported = await audit([], { db: withMeta, now: NOW, files: [depFile([])] });
    expect(imported.database).toMatchObject({ ageDays: 10, ageFrom: "records", stale: true, source: "test", records: 1 });
    // A fresh record (or one dated after the import, or in the future: never newer than the import) ages from the import.
    const recent = { modified: "2024-05-10T06:00:00Z" };
    const future = { modified: "2999-01-01T00:00:00Z" };
    const fresh2 = tmpDb({ "a.json": rec("X", "pkg", [{ introduced: "0" }], recent), "b.json": rec("Y", "pkg", [{ introduced: "0" }], future) }, { format: "modelgate-osv/1", updatedAt: "2024-05-10T00:00:00Z", source: "test", records: 2 });
    const r = await audit([], { db: fresh2, now: NOW, files: [depFile([])] });
    expect(r.database).toMatchObject({ ageDays: 1, ageFrom: "metadata", stale: false, source: "test", records: 2 });
    expect(formatAuditText(fresh)).toMatch(/10 days old[\s\S]*warning: the vulnerability database is 10 days old/);
    expect(formatAuditText(r)).not.toMatch(/warning/);
  });

  it("marks the audit incomplete only for broken records that concern an audited package", async () => {
    // The broken record names only "unrelated": auditing torch neither needs nor reports it.
    const r = await audit([], { db: DB, now: NOW, files: [depFile([dep("torch", "==2.6.0")])] });
    expect(r.issues).toEqual([]);
    expect(r.summary.incomplete).toBe(false);
    const hit = await audit([], { db: DB, now: NOW, files: [depFile([dep("unrelated", "==1.0")])] });
    expect(hit.issues[0]).toMatchObject({ code: "db-record-invalid", fatal: true });
    expect(hit.summary.incomplete).toBe(true);
  });

  it("keeps the report when a file cannot be parsed, naming the file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-audit-in-"));
    writeFileSync(join(dir, "pyproject.toml"), '[project]\nname = "x"\ndependencies = ["torch==1.0"\n');
    writeFileSync(join(dir, "requirements.txt"), "torch==1.13.0\n");
    const r = await audit([join(dir, "pyproject.toml"), join(dir, "requirements.txt"), join(dir, "missing.txt")], { db: DB, now: NOW });
    expect(r.vulnerabilities.map((v) => v.id)).toEqual(["GHSA-47fc-vmwq-366v"]);
    const fatal = r.issues.filter((i) => i.fatal);
    expect(fatal.map((i) => [i.file.split("/").pop(), i.code])).toEqual([
      ["pyproject.toml", "parse-error"],
      ["missing.txt", "read-error"],
    ]);
    expect(fatal[0]!.line).toBeGreaterThanOrEqual(3);
    expect(r.summary.incomplete).toBe(true);
    expect(schemaErrors(r)).toEqual([]);
  });

  it("reports an invalid specifier instead of skipping it silently", async () => {
    const r = await audit([], { db: DB, now: NOW, files: [depFile([dep("torch", ">=1.0.*")])] });
    expect(r.issues).toMatchObject([{ code: "invalid-specifier", fatal: true, line: 1 }]);
  });

  it("fails with DATABASE_UNAVAILABLE when there is no database", async () => {
    const err = await audit([], { db: join(tmpdir(), "mg-none-here"), files: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelgateError);
    expect(err).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect((err as Error).message).toMatch(/no vulnerability database at .*mg-none-here: run `modelgate db update` or pass --db DIR \/ --online/);
    const empty = mkdtempSync(join(tmpdir(), "mg-empty-db-"));
    await expect(audit([], { db: empty, files: [] })).rejects.toMatchObject({ code: "DATABASE_UNAVAILABLE" });
  });

  it("writes SARIF with one rule per advisory and results at file:line", async () => {
    const r = await audit([], { db: DB, now: NOW, files: [depFile([dep("torch", "==1.13.0", 7, "reqs/requirements.txt")], "reqs/requirements.txt")] });
    const log = JSON.parse(formatAuditSarif(r, { baseDir: process.cwd() })) as {
      version: string;
      runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
    };
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0]!.tool.driver.rules.map((x) => x.id)).toEqual(["GHSA-47fc-vmwq-366v", "modelgate-advice/torch-load-weights-only-bypass"]);
    expect(log.runs[0]!.results.map((x) => [x.ruleId, x.level, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine])).toEqual([
      ["GHSA-47fc-vmwq-366v", "error", "reqs/requirements.txt", 7],
      ["modelgate-advice/torch-load-weights-only-bypass", "error", "reqs/requirements.txt", 7],
    ]);
    // Relative to %SRCROOT% (the base given), never "../": GitHub code scanning maps it to the checkout's file.
    const sub = JSON.parse(formatAuditSarif(r, { baseDir: join(process.cwd(), "reqs") })) as { runs: { originalUriBaseIds: Record<string, { uri: string }>; results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[] }[] };
    expect(sub.runs[0]!.originalUriBaseIds["%SRCROOT%"]!.uri).toBe(pathToFileURL(join(process.cwd(), "reqs")).href + "/");
    expect(sub.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: "requirements.txt", uriBaseId: "%SRCROOT%" });
    const outside = JSON.parse(formatAuditSarif(r, { baseDir: join(process.cwd(), "elsewhere") })) as typeof sub;
    expect(outside.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: pathToFileURL(join(process.cwd(), "reqs", "requirements.txt")).href });
  });
});

describe("audit() --online", () => {
  function fakeOsv(records: Record<string, unknown>, byPackage: Record<string, string[]>) {
    const calls: string[] = [];
    const f = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      calls.push(`${init?.method ?? "GET"} ${url}`);
      if (url.endsWith("/v1/querybatch")) {
        const body = JSON.parse(String(init!.body)) as { queries: { package: { name: string; ecosystem: string } }[] };
        expect(body.queries.length).toBeLessThanOrEqual(1000);
        expect(body.queries.every((q) => q.package.ecosystem === "PyPI")).toBe(true);
        return Response.json({ results: body.queries.map((q) => ({ vulns: (byPackage[q.package.name] ?? []).map((id) => ({ id, modified: "2024-01-01T00:00:00Z" })) })) });
      }
      const id = decodeURIComponent(url.split("/v1/vulns/")[1]!);
      return records[id] ? Response.json(records[id]) : new Response("not found", { status: 404, statusText: "Not Found" });
    }) as typeof fetch;
    return { f, calls };
  }

  it("queries the OSV API in batches, fetches each advisory once and matches locally", async () => {
    const records = {
      "PYSEC-2022-43015": rec("PYSEC-2022-43015", "torch", [{ introduced: "0" }, { fixed: "1.13.1" }], { aliases: ["CVE-2022-45907"] }),
      "GHSA-47fc-vmwq-366v": rec("GHSA-47fc-vmwq-366v", "torch", [{ introduced: "0" }, { fixed: "1.13.1" }], { aliases: ["CVE-2022-45907"], database_specific: { severity: "CRITICAL" } }),
    };
    const { f, calls } = fakeOsv(records, { torch: ["PYSEC-2022-43015", "GHSA-47fc-vmwq-366v"] });
    const many = Array.from({ length: 1500 }, (_, i) => dep(`pkg-${i}`, "==1.0", i + 2));
    const r = await audit([], { online: true, fetch: f, now: NOW, files: [depFile([dep("torch", "==1.13.0"), dep("torch", "==1.12.0", 1501), ...many])] });
    expect(calls.filter((c) => c.startsWith("POST"))).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith("GET")).sort()).toEqual([
      "GET https://api.osv.dev/v1/vulns/GHSA-47fc-vmwq-366v",
      "GET https://api.osv.dev/v1/vulns/PYSEC-2022-43015",
    ]);
    expect(r.vulnerabilities.map((v) => [v.id, v.severity])).toEqual([
      ["GHSA-47fc-vmwq-366v", "critical"],
      ["GHSA-47fc-vmwq-366v", "critical"],
    ]);
    expect(r.database).toMatchObject({ kind: "online", records: 2, ageDays: 0, stale: false });
  });

  it("turns API failures into NETWORK_ERROR", async () => {
    const down = (async () => {
      throw new TypeError("fetch failed");
    }) as unknown as typeof fetch;
    await expect(audit([], { online: true, fetch: down, files: [depFile([dep("torch", "==1.0")])] })).rejects.toMatchObject({ code: "NETWORK_ERROR", message: expect.stringMatching(/cannot reach the OSV API/) });
    const { f } = fakeOsv({}, { torch: ["GHSA-gone"] });
    await expect(audit([], { online: true, fetch: f, files: [depFile([dep("torch", "==1.0")])] })).rejects.toMatchObject({ code: "NETWORK_ERROR", message: expect.stringMatching(/404/) });
  });
});
