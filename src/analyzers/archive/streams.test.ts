import { readFileSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { meetsGate } from "../../core/severity.js";
import { sevenZipCompress } from "../../../test/fixtures/archive/bombs.js";
import { FIXTURES, scanBytes, scanPath, type ScanResult } from "../../../test/fixtures/archive/harness.js";
import { PAYLOAD_PICKLE } from "../../../test/fixtures/archive/zip-builder.js";
import { streamMemberName } from "./stream-member.js";

function flagged(r: ScanResult, rel: string): boolean {
  return (r.file(rel)?.findings ?? []).some((f) => meetsGate(f.severity, "high"));
}

describe("joblib files compressed with each compressor", () => {
  for (const [method, format] of [
    ["zlib", "zlib"],
    ["gzip", "gzip"],
    ["bz2", "bzip2"],
    ["lzma", "lzma"],
    ["xz", "xz"],
  ] as const) {
    it(`${method}: the inner pickle is reached and scanned`, async () => {
      const r = await scanPath(join(FIXTURES, `model.joblib.${method}`));
      expect(r.file()?.format).toBe(format);
      expect(r.rules()).toEqual([]);
      const inner = r.file("model.joblib");
      expect(["joblib", "pickle"]).toContain(inner?.format);
      expect(inner?.size).toBeGreaterThan(100);
    });
  }
});

describe("gzip", () => {
  const gz = (data: Buffer) => zlib.gzipSync(data);

  it("names the member after FNAME, else after the file less its suffix", () => {
    expect(streamMemberName("model.pt.gz")).toBe("model.pt");
    expect(streamMemberName("x.tgz")).toBe("x.tar");
    expect(streamMemberName("model.joblib")).toBe("model.joblib");
    expect(streamMemberName("a.gz", "../../etc/original.pkl")).toBe("original.pkl");
  });

  it("concatenated members are one stream", async () => {
    const half = Math.floor(PAYLOAD_PICKLE.length / 2);
    const data = Buffer.concat([gz(PAYLOAD_PICKLE.subarray(0, half)), gz(PAYLOAD_PICKLE.subarray(half))]);
    const r = await scanBytes("p.pkl.gz", data);
    expect(r.rules()).toEqual([]);
    expect(flagged(r, "p.pkl")).toBe(true);
  });

  it("trailing bytes after the last member", async () => {
    const r = await scanBytes("p.pkl.gz", Buffer.concat([gz(PAYLOAD_PICKLE), Buffer.from("MORE DATA HERE")]));
    expect(r.rules()).toEqual(["archive/trailing-data"]);
    expect(flagged(r, "p.pkl")).toBe(true);
    const zeros = await scanBytes("p.pkl.gz", Buffer.concat([gz(PAYLOAD_PICKLE), Buffer.alloc(512)]));
    expect(zeros.rules()).toEqual([]);
  });

  it("a wrong CRC in the trailer", async () => {
    const data = gz(PAYLOAD_PICKLE);
    data.writeUInt32LE(0x12345678, data.length - 8);
    const r = await scanBytes("p.pkl.gz", data);
    expect(r.rules()).toEqual(["archive/stream-corrupt"]);
    expect(flagged(r, "p.pkl")).toBe(true);
  });

  it("a truncated stream is reported and what came out before is still scanned", async () => {
    const payload = Buffer.concat([PAYLOAD_PICKLE.subarray(0, PAYLOAD_PICKLE.length - 1), Buffer.from("N".repeat(100000)), Buffer.from(".")]);
    const data = zlib.gzipSync(payload, { level: 0 });
    const r = await scanBytes("p.pkl.gz", data.subarray(0, 60000));
    expect(r.rules()).toContain("scanner/unparseable");
    expect(r.file("p.pkl")).toBeDefined();
  });

  it("an FNAME with .. is reported", async () => {
    const data = gz(Buffer.from("hello"));
    const header = Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3]);
    const withName = Buffer.concat([header, Buffer.from("../../.bashrc\0"), data.subarray(10)]);
    const r = await scanBytes("x.gz", withName);
    expect(r.rules()).toContain("archive/path-traversal");
    expect(r.paths()).toEqual([".bashrc"]);
  });
});

describe("zlib", () => {
  it("trailing data after the stream", async () => {
    const r = await scanBytes("m.joblib", Buffer.concat([zlib.deflateSync(PAYLOAD_PICKLE), Buffer.from("tail")]));
    expect(r.file()?.format).toBe("zlib");
    expect(r.rules()).toEqual(["archive/trailing-data"]);
    expect(flagged(r, "m.joblib")).toBe(true);
  });
});

describe("xz, bzip2 and lzma through 7-Zip", () => {
  for (const [type, ext] of [
    ["xz", "xz"],
    ["bzip2", "bz2"],
    ["lzma", "lzma"],
  ] as const) {
    it(`${type}: payload, trailing data, corruption and truncation`, async () => {
      const good = readFileSync(join(FIXTURES, `payload.pkl.${ext}`));
      const ok = await scanBytes(`p.pkl.${ext}`, good);
      expect(ok.file()?.format).toBe(type);
      expect(ok.rules()).toEqual([]);
      expect(flagged(ok, "p.pkl")).toBe(true);

      const trailing = await scanBytes(`p.pkl.${ext}`, Buffer.concat([good, Buffer.from("JUNKJUNKJUNKJUNK")]));
      expect(trailing.rules()).toContain("archive/trailing-data");

      const cut = await scanBytes(`p.pkl.${ext}`, good.subarray(0, good.length - 12));
      expect(cut.rules()).toContain("scanner/unparseable");
    });
  }

  it("xz with a corrupted block: integrity check failed", async () => {
    const good = await sevenZipCompress(Buffer.alloc(4000, 0x41), "xz");
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)]! ^= 0x55;
    const r = await scanBytes("a.xz", bad);
    expect(r.rules().some((x) => x === "archive/stream-corrupt" || x === "scanner/unparseable")).toBe(true);
  });

  it("bzip2 fixture bytes equal what joblib wrote", () => {
    expect(readFileSync(join(FIXTURES, "model.joblib.bz2")).subarray(0, 3).toString()).toBe("BZh");
  });
});
