import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { loadOsvDatabase } from "./database.js";
import { matchAffected } from "./match.js";
import { parseVersion } from "../pep440/index.js";

function tmpDb(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mg-osv-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const YAML_RECORD = `id: PYSEC-2099-1
summary: A bug
affected:
- package:
    name: Demo_Pkg
    ecosystem: PyPI
  ranges:
  - type: GIT
    repo: https://example.com/x
    events:
    - introduced: "0"
    - fixed: 0123abcd
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: 1.10
aliases:
- CVE-2099-1
modified: "2024-01-02T00:00:00Z"
`;

const pinned = (v: string) => ({ pinned: true as const, version: parseVersion(v), raw: v });

describe("loadOsvDatabase", () => {
  it("loads YAML, JSON and JSON Lines records recursively, indexed by normalised name", async () => {
    const dir = tmpDb({
      "vulns/demo-pkg/PYSEC-2099-1.yaml": YAML_RECORD,
      "b/GHSA-aaaa-bbbb-cccc.json": JSON.stringify({
        id: "GHSA-aaaa-bbbb-cccc",
        aliases: ["CVE-2099-2"],
        affected: [{ package: { name: "demo.pkg", ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "2.0" }, { last_affected: "2.3" }] }] }],
        database_specific: { severity: "HIGH" },
      }),
      "pack.jsonl": `${JSON.stringify({ id: "OSV-1", affected: [{ package: { name: "other", ecosystem: "PyPI" }, versions: ["1.0", "1.1"] }] })}\n`,
      "npm.json": JSON.stringify({ id: "GHSA-npm", affected: [{ package: { name: "x", ecosystem: "npm" }, ranges: [] }] }),
    });
    const db = await loadOsvDatabase(dir);
    expect(db.issues).toEqual([]);
    expect(db.records).toBe(3);
    expect(db.lookup("demo-pkg").map((e) => e.id).sort()).toEqual(["GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"]);
    const pysec = db.lookup("demo-pkg").find((e) => e.id === "PYSEC-2099-1")!;
    // YAML scalars stay strings: `fixed: 1.10` is 1.10, not the number 1.1.
    expect(pysec.fixed).toEqual(["1.10"]);
    expect(matchAffected(pinned("1.9"), pysec)).toEqual({ upgradeTo: "1.10" });
    expect(matchAffected(pinned("1.10"), pysec)).toBeUndefined();
    expect(db.lookup("other")[0]!.versions).toEqual(["1.0", "1.1"]);
    expect(db.updatedAt).toBe("2024-01-02T00:00:00Z");
    expect(db.ageFrom).toBe("records");
  });

  it("applies last_affected inclusively and explicit version lists exactly", async () => {
    const db = await loadOsvDatabase(
      tmpDb({
        "a.json": JSON.stringify({ id: "A", affected: [{ package: { name: "p", ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "2.0" }, { last_affected: "2.3" }] }] }] }),
        "b.json": JSON.stringify({ id: "B", affected: [{ package: { name: "q", ecosystem: "PyPI" }, versions: ["1.0", "1.1rc1"] }] }),
      }),
    );
    const a = db.lookup("p")[0]!;
    expect(matchAffected(pinned("2.3"), a)).toEqual({});
    expect(matchAffected(pinned("2.3.0"), a)).toEqual({});
    expect(matchAffected(pinned("2.3+cpu"), a)).toEqual({});
    expect(matchAffected(pinned("2.3.1"), a)).toBeUndefined();
    expect(matchAffected(pinned("1.9"), a)).toBeUndefined();
    const b = db.lookup("q")[0]!;
    expect(matchAffected(pinned("1.0.0"), b)).toBeDefined();
    expect(matchAffected(pinned("1.1RC1"), b)).toBeDefined();
    expect(matchAffected(pinned("1.1"), b)).toBeUndefined();
  });

  it("ignores withdrawn records", async () => {
    const db = await loadOsvDatabase(
      tmpDb({ "w.yaml": `${YAML_RECORD}withdrawn: "2024-02-01T00:00:00Z"\n`, "ok.yaml": YAML_RECORD.replace("PYSEC-2099-1", "PYSEC-2099-2") }),
    );
    expect(db.withdrawn).toBe(1);
    expect(db.lookup("demo-pkg").map((e) => e.id)).toEqual(["PYSEC-2099-2"]);
  });

  it("reports broken records with file and line and loads the rest", async () => {
    const db = await loadOsvDatabase(
      tmpDb({
        "1-bad.yaml": "id: X\nsummary: s\nid: Y\naffected: []\n",
        "2-bad.json": '{\n  "id": "Y",\n  "affected": [,]\n}',
        "3-noid.json": JSON.stringify({ affected: [] }),
        "4-noaffected.json": JSON.stringify({ id: "Z" }),
        "5-badrange.json": JSON.stringify({ id: "R", affected: [{ package: { name: "torch", ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "not a version!" }] }] }] }),
        "6-ok.yaml": YAML_RECORD,
      }),
    );
    expect(db.lookup("demo-pkg")).toHaveLength(1);
    // Ranges are checked when the package is first looked up (or by validateAll, as `db status` does).
    db.validateAll();
    const byFile = Object.fromEntries(db.issues.map((i) => [i.file.split("/").pop(), i]));
    expect(Object.keys(byFile).sort()).toEqual(["1-bad.yaml", "2-bad.json", "3-noid.json", "4-noaffected.json", "5-badrange.json"]);
    expect(byFile["1-bad.yaml"]).toMatchObject({ code: "db-record-invalid", line: 3 });
    expect(byFile["2-bad.json"]).toMatchObject({ code: "db-record-invalid", line: 3 });
    expect(byFile["3-noid.json"]!.message).toMatch(/id/);
    expect(byFile["4-noaffected.json"]!.message).toMatch(/affected/);
    expect(byFile["5-badrange.json"]).toMatchObject({ packages: ["torch"] });
    expect(byFile["5-badrange.json"]!.message).toMatch(/not a PEP 440 version/);
  });

  it("reports broken JSON Lines records by line", async () => {
    const good = JSON.stringify({ id: "G", affected: [{ package: { name: "p", ecosystem: "PyPI" }, versions: ["1.0"] }] });
    const db = await loadOsvDatabase(tmpDb({ "records.jsonl": `${good}\n{broken\n${good.replace('"G"', '"H"')}\n` }));
    expect(db.records).toBe(2);
    expect(db.issues).toMatchObject([{ line: 2, code: "db-record-invalid" }]);
  });

  it("throws DATABASE_UNAVAILABLE for a missing directory", async () => {
    const err = await loadOsvDatabase(join(tmpdir(), "mg-no-such-db-dir")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelgateError);
    expect((err as ModelgateError).code).toBe("DATABASE_UNAVAILABLE");
    expect((err as Error).message).toMatch(/modelgate db update/);
  });
});
