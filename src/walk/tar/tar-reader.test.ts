import { describe, expect, it } from "vitest";
import { LimitError, MalformedError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { buildTar, paxData } from "../../../test/fixtures/archive/tar-builder.js";
import { nti, parsePaxRecords } from "./tar-header.js";
import { readTarEntries, type TarEnd, type TarEntry } from "./tar-reader.js";

async function readAllEntries(buf: Buffer, maxHeaderBytes = 1 << 20): Promise<{ entries: TarEntry[]; end: TarEnd }> {
  const gen = readTarEntries(createBufferSource(buf), { maxHeaderBytes });
  const entries: TarEntry[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { entries, end: r.value };
    entries.push(r.value);
  }
}

describe("readTarEntries", () => {
  it("reads ustar entries with their types, sizes and data offsets", async () => {
    const buf = buildTar([
      { name: "a.txt", data: "hello" },
      { name: "dir/", type: "5" },
      { name: "ln", type: "2", linkName: "a.txt" },
      { name: "b.bin", data: Buffer.alloc(600, 1) },
    ]);
    const { entries, end } = await readAllEntries(buf);
    expect(entries.map((e) => [e.name, e.type, e.size, e.dataOffset])).toEqual([
      ["a.txt", "file", 5, 512],
      ["dir/", "directory", 0, 1536],
      ["ln", "symlink", 0, 2048],
      ["b.bin", "file", 600, 2560],
    ]);
    expect(entries[2]!.linkName).toBe("a.txt");
    expect(end.endMarker).toBe(true);
  });

  it("applies pax path/linkpath/size and GNU long names", async () => {
    const { entries } = await readAllEntries(buildTar([
      { name: "x", type: "x", data: paxData({ path: "p/long-name.txt", size: "3" }) },
      { name: "short", data: "abc" },
      { name: "././@LongLink", type: "K", data: "target/of/link\0", format: "gnu" },
      { name: "l", type: "2", format: "gnu" },
    ]));
    expect(entries.map((e) => [e.name, e.size, e.linkName])).toEqual([
      ["p/long-name.txt", 3, ""],
      ["l", 0, "target/of/link"],
    ]);
  });

  it("reads base-256 numbers and rejects non-octal ones", () => {
    const b = Buffer.alloc(12);
    b[0] = 0x80;
    b.writeUInt32BE(5_000_000, 8);
    expect(nti(b, "size", 0)).toBe(5_000_000);
    expect(() => nti(Buffer.from("12x\0"), "size", 0)).toThrow(MalformedError);
  });

  it("parses pax records and rejects broken ones", () => {
    expect(parsePaxRecords(paxData({ path: "a b=c" }), 0).get("path")).toBe("a b=c");
    expect(() => parsePaxRecords(Buffer.from("99 path=x\n"), 0)).toThrow(MalformedError);
  });

  it("skips damaged blocks after the first member and records them", async () => {
    const { entries, end } = await readAllEntries(buildTar([{ name: "a", data: "1" }, { name: "bad", badChecksum: true }, { name: "c", data: "3" }]));
    expect(entries.map((e) => e.name)).toEqual(["a", "c"]);
    expect(end.skipped).toHaveLength(1);
  });

  it("a bad first header is not a tar; an oversized pax record is a limit", async () => {
    await expect(readAllEntries(buildTar([{ name: "a", badChecksum: true }]))).rejects.toBeInstanceOf(MalformedError);
    await expect(readAllEntries(buildTar([{ name: "x", type: "x", data: paxData({ comment: "y".repeat(5000) }) }]), 1024)).rejects.toBeInstanceOf(LimitError);
  });

  it("reports a declared size on a type without data, and a header after the end marker", async () => {
    const { entries, end } = await readAllEntries(buildTar([{ name: "d", type: "5", size: 100 }], { after: buildTar([{ name: "z", data: "z" }]) }));
    expect(entries[0]!.ignoredSize).toBe(100);
    expect(end.dataAfterEnd).toBeDefined();
  });
});
