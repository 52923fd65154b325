import { describe, expect, it } from "vitest";
import { MalformedError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { buildZip } from "../../../test/fixtures/archive/zip-builder.js";
import { readLocalHeader, readZipDirectory } from "./zip-reader.js";
import { decodeZipName, FLAG_UTF8 } from "./zip-records.js";

const LIMITS = { maxMembers: 1000, maxDirectoryBytes: 1 << 20 };
const read = (buf: Buffer) => readZipDirectory(createBufferSource(buf), LIMITS);

describe("readZipDirectory", () => {
  it("reads entries, sizes and local headers", async () => {
    const buf = buildZip([
      { name: "a.txt", data: "hello" },
      { name: "b/c.bin", data: Buffer.alloc(1000, 7), method: 8 },
    ]);
    const dir = await read(buf);
    expect(dir.entries.map((e) => [e.name, e.method, e.uncompressedSize])).toEqual([
      ["a.txt", 0, 5],
      ["b/c.bin", 8, 1000],
    ]);
    expect(dir.issues).toEqual([]);
    expect(dir.shift).toBe(0);
    const local = await readLocalHeader(createBufferSource(buf), dir.entries[1]!.localHeaderOffset);
    expect(local?.name).toBe("b/c.bin");
  });

  it("finds the end record behind a comment, and notes trailing data", async () => {
    expect((await read(buildZip([{ name: "a", data: "x" }], { comment: Buffer.from("a comment") }))).issues).toEqual([]);
    const trailing = await read(buildZip([{ name: "a", data: "x" }], { suffix: Buffer.from("tail") }));
    expect(trailing.issues.map((i) => i.kind)).toEqual(["trailing-data"]);
  });

  it("computes Python's offset shift for data prepended without fixing offsets", async () => {
    const dir = await read(buildZip([{ name: "a", data: "x" }], { prefix: Buffer.alloc(50) }));
    expect(dir.shift).toBe(50);
    expect(dir.issues.map((i) => i.kind)).toEqual(["offset-shift"]);
    const fixed = await read(buildZip([{ name: "a", data: "x" }], { prefix: Buffer.alloc(50), adjustOffsets: true }));
    expect(fixed.shift).toBe(0);
  });

  it("reads ZIP64 end records", async () => {
    const dir = await read(buildZip([{ name: "a", data: "x" }, { name: "b", data: "y" }], { zip64: true }));
    expect(dir.zip64).toBeDefined();
    expect(dir.entries).toHaveLength(2);
    expect(dir.issues).toEqual([]);
  });

  it("notes an entry count that disagrees with the directory", async () => {
    const dir = await read(buildZip([{ name: "a", data: "x" }], { entryCount: 3 }));
    expect(dir.issues.map((i) => i.kind)).toEqual(["inconsistent-directory"]);
  });

  it("stops at maxMembers", async () => {
    const dir = await readZipDirectory(createBufferSource(buildZip([{ name: "a", data: "" }, { name: "b", data: "" }, { name: "c", data: "" }])), { ...LIMITS, maxMembers: 2 });
    expect(dir.entries).toHaveLength(2);
    expect(dir.truncated).toBe(true);
  });

  it("throws MalformedError without an end record", async () => {
    await expect(read(Buffer.from("PK\x03\x04 not really a zip"))).rejects.toBeInstanceOf(MalformedError);
    await expect(read(Buffer.alloc(0))).rejects.toBeInstanceOf(MalformedError);
  });

  it("decodes names as code page 437 unless the UTF-8 flag is set", () => {
    expect(decodeZipName(Buffer.from([0x61, 0x82, 0xe1]), 0)).toBe("aéß");
    expect(decodeZipName(Buffer.from("aé", "utf8"), FLAG_UTF8)).toBe("aé");
  });
});
