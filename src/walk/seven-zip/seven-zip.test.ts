import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../../../test/fixtures/archive/harness.js";
import { sevenZipExtract, sevenZipList } from "./seven-zip.js";

describe("7-Zip (wasm)", () => {
  it("lists and extracts a 7z archive", async () => {
    const data = readFileSync(join(FIXTURES, "nested.7z"));
    const { run, entries } = await sevenZipList(data, "7z");
    expect(run.exitCode).toBe(0);
    expect(entries.map((e) => [e.path, e.encrypted])).toEqual([["bundle.tar.gz", false]]);
    const out = await sevenZipExtract(data, "7z", () => undefined);
    expect(out.files.map((f) => f.path)).toEqual(["bundle.tar.gz"]);
    expect(out.files[0]!.data.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it("stops the moment the write hook throws", async () => {
    const data = readFileSync(join(FIXTURES, "payload.pkl.xz"));
    const stop = new Error("limit");
    let written = 0;
    const out = await sevenZipExtract(data, "xz", (_p, n) => {
      written += n;
      throw stop;
    });
    expect(out.stoppedBy).toBe(stop);
    expect(out.files).toEqual([]);
    expect(written).toBeGreaterThan(0);
  });

  it("an lzma header asking for a 4 GiB dictionary fails instead of taking the memory", async () => {
    const header = Buffer.alloc(13);
    header[0] = 0x5d;
    header.writeUInt32LE(0xffffffff, 1);
    header.fill(0xff, 5, 13);
    const before = process.memoryUsage().rss;
    const out = await sevenZipExtract(Buffer.concat([header, Buffer.alloc(64)]), "lzma", () => undefined);
    expect(out.run.exitCode).not.toBe(0);
    expect(process.memoryUsage().rss - before).toBeLessThan(1024 * 1024 * 1024);
  });

  it("leaves the process exit code alone", async () => {
    const before = process.exitCode;
    await sevenZipExtract(Buffer.from("not an archive"), "xz", () => undefined);
    await sevenZipExtract(readFileSync(join(FIXTURES, "payload.pkl.xz")), "xz", () => undefined);
    expect(process.exitCode).toBe(before);
  });

  it("garbage is an error, not a crash of the process", async () => {
    for (const type of ["7z", "xz", "bzip2", "lzma", "zip"] as const) {
      const out = await sevenZipExtract(Buffer.from("definitely not an archive"), type, () => undefined);
      expect(out.run.exitCode).not.toBe(0);
      expect(out.files).toEqual([]);
    }
  });
});
