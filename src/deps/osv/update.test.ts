import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildZip } from "../../../test/fixtures/archive/zip-builder.js";
import { loadOsvDatabase } from "./database.js";
import { updateDatabase } from "./update.js";

const record = (id: string, pkg: string, fixed: string, extra: object = {}) =>
  JSON.stringify({ id, modified: "2024-01-01T00:00:00Z", affected: [{ package: { name: pkg, ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }] }], ...extra });

function zipFixture(): Buffer {
  return buildZip([
    { name: "PYSEC-2022-43015.json", data: record("PYSEC-2022-43015", "torch", "1.13.1"), method: 8 },
    { name: "GHSA-aaaa-bbbb-cccc.json", data: record("GHSA-aaaa-bbbb-cccc", "numpy", "1.22.0"), method: 8 },
    { name: "PYSEC-OLD.json", data: record("PYSEC-OLD", "numpy", "1.0", { withdrawn: "2023-01-01T00:00:00Z" }), method: 8 },
    { name: "broken.json", data: "{ not json", method: 0 },
    { name: "bad-crc.json", data: record("PYSEC-CRC", "numpy", "1.0"), method: 0, crc: 1234 },
  ]);
}

describe("updateDatabase", () => {
  it("imports an OSV export zip atomically with metadata, and the result loads", async () => {
    const work = mkdtempSync(join(tmpdir(), "mg-update-"));
    const zip = join(work, "all.zip");
    const bytes = zipFixture();
    writeFileSync(zip, bytes);
    const db = join(work, "db");
    const now = new Date("2024-06-01T00:00:00Z");
    const result = await updateDatabase({ db, from: zip, now });
    expect(result.metadata).toMatchObject({
      format: "modelgate-osv/1",
      updatedAt: "2024-06-01T00:00:00.000Z",
      source: zip,
      records: 2,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
    expect(result.withdrawn).toBe(1);
    expect(result.metadata.skipped!.map((s) => s.file)).toEqual(["all.zip:broken.json", "all.zip:bad-crc.json"]);
    expect(result.metadata.skipped![1]!.message).toMatch(/CRC/);
    expect(readdirSync(db).sort()).toEqual(["metadata.json", "records.jsonl"]);
    expect(readdirSync(work).filter((n) => n.includes(".tmp-"))).toEqual([]);

    const loaded = await loadOsvDatabase(db);
    expect(loaded.records).toBe(2);
    // Imported 2024-06-01, newest record 2024-01-01: the data is as old as the record.
    expect(loaded.importedAt).toBe("2024-06-01T00:00:00.000Z");
    expect(loaded.updatedAt).toBe("2024-01-01T00:00:00Z");
    expect(loaded.ageFrom).toBe("records");
    expect(loaded.lookup("torch").map((e) => e.id)).toEqual(["PYSEC-2022-43015"]);
    // Records the import could not use are reported again when the database is used.
    expect(loaded.issues.map((i) => i.file)).toEqual(["all.zip:broken.json", "all.zip:bad-crc.json"]);

    // A second update replaces the database as a whole.
    writeFileSync(zip, buildZip([{ name: "X.json", data: record("PYSEC-X", "onnx", "1.13.0"), method: 8 }]));
    await updateDatabase({ db, from: zip, now });
    const again = await loadOsvDatabase(db);
    expect(again.records).toBe(1);
    expect(again.lookup("torch")).toEqual([]);
    expect(readdirSync(work).sort()).toEqual(["all.zip", "db"]);
  });

  it("downloads from a URL through the injected fetch and reports progress", async () => {
    const work = mkdtempSync(join(tmpdir(), "mg-update-url-"));
    const bytes = zipFixture();
    const seen: string[] = [];
    const f = (async (url: string | URL | Request) => {
      seen.push(String(url));
      return new Response(bytes, { headers: { "content-length": String(bytes.length) } });
    }) as typeof fetch;
    const progress: string[] = [];
    const r = await updateDatabase({ db: join(work, "db"), fetch: f, onProgress: (p) => progress.push(p.phase) });
    expect(seen).toEqual(["https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"]);
    expect(r.metadata.records).toBe(2);
    expect(progress).toContain("download");
    const failing = (async () => new Response("nope", { status: 503, statusText: "Service Unavailable" })) as unknown as typeof fetch;
    await expect(updateDatabase({ db: join(work, "db2"), fetch: failing })).rejects.toMatchObject({ code: "NETWORK_ERROR" });
    expect(existsSync(join(work, "db2"))).toBe(false);
  });

  it("imports a directory of YAML records", async () => {
    const work = mkdtempSync(join(tmpdir(), "mg-update-dir-"));
    writeFileSync(join(work, "a.yaml"), "id: PYSEC-1\naffected:\n- package:\n    name: torch\n    ecosystem: PyPI\n  versions:\n  - 1.0\n");
    const r = await updateDatabase({ db: join(work, "out", "db"), from: work });
    expect(r.metadata.records).toBe(1);
    expect(r.metadata.sha256).toBeUndefined();
    expect((await loadOsvDatabase(join(work, "out", "db"))).lookup("torch")[0]!.versions).toEqual(["1.0"]);
  });

  it("refuses to replace a folder that is not a modelgate database, and rejects a non-zip", async () => {
    const work = mkdtempSync(join(tmpdir(), "mg-update-refuse-"));
    writeFileSync(join(work, "keep.txt"), "mine");
    const zip = join(mkdtempSync(join(tmpdir(), "mg-z-")), "all.zip");
    writeFileSync(zip, zipFixture());
    await expect(updateDatabase({ db: work, from: zip })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    expect(readFileSync(join(work, "keep.txt"), "utf8")).toBe("mine");
    const notZip = join(work, "notzip.zip");
    writeFileSync(notZip, "hello");
    await expect(updateDatabase({ db: join(work, "db"), from: notZip })).rejects.toMatchObject({ code: "MALFORMED_INPUT" });
  });
});
