import { describe, expect, it } from "vitest";
import { gzipBomb, streamBomb, zipBomb } from "../../../test/fixtures/archive/bombs.js";
import { scanBytes } from "../../../test/fixtures/archive/harness.js";
import { buildZip } from "../../../test/fixtures/archive/zip-builder.js";

const MIB = 1024 * 1024;

/** Peak resident memory of this test process so far, in bytes. */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

describe("decompression bombs (300 MiB of zeros)", () => {
  const cases: Array<[string, () => Promise<Buffer> | Buffer]> = [
    ["zeros.zip", () => zipBomb(300)],
    ["zeros.gz", () => gzipBomb(300)],
    ["zeros.bz2", () => streamBomb("bzip2", 300)],
    ["zeros.xz", () => streamBomb("xz", 300)],
  ];
  for (const [name, make] of cases) {
    it(`${name} is stopped by the ratio limit with bounded memory`, async () => {
      const r = await scanBytes(name, await make());
      const limit = r.all().find((f) => f.ruleId === "scanner/limit-exceeded");
      expect(limit?.evidence?.["limit"]).toBe("maxCompressionRatio");
      expect(peakRss()).toBeLessThan(512 * MIB);
    });
  }

  it("without the ratio limit the member size limit still holds (declared sizes are not trusted)", async () => {
    const bomb = zipBomb(300);
    // Declare a tiny uncompressed size: only produced bytes count.
    bomb.writeUInt32LE(10, bomb.length - 22 - 46 - "zeros.bin".length + 24);
    const r = await scanBytes("zeros.zip", bomb, { limits: { maxCompressionRatio: 1e9, maxMemberBytes: 32 * MIB } });
    const limit = r.all().find((f) => f.ruleId === "scanner/limit-exceeded");
    expect(limit?.evidence?.["limit"]).toBe("maxMemberBytes");
  });

  it("the total decompressed budget covers many small members", async () => {
    const member = Buffer.alloc(3 * MIB, 0x41);
    const zip = buildZip(Array.from({ length: 6 }, (_, i) => ({ name: `m${i}.bin`, data: member, method: 8 })));
    const r = await scanBytes("many.zip", zip, { limits: { maxTotalBytes: 10 * MIB, maxCompressionRatio: 1e9 } });
    const limit = r.all().find((f) => f.ruleId === "scanner/limit-exceeded");
    expect(limit?.evidence?.["limit"]).toBe("maxTotalBytes");
  });

  it("overlapping stored members are charged against the total budget", async () => {
    const entries = [{ name: "a.bin", data: Buffer.alloc(2 * MIB, 0x41) }, ...Array.from({ length: 10 }, (_, i) => ({ name: `b${i}.bin`, data: "", pointAt: 0, compressedSize: 2 * MIB, uncompressedSize: 2 * MIB, centralOnly: true }))];
    const r = await scanBytes("overlap.zip", buildZip(entries), { limits: { maxTotalBytes: 8 * MIB } });
    expect(r.rules()).toContain("archive/zip-overlapping-members");
    expect(r.all().find((f) => f.ruleId === "scanner/limit-exceeded")?.evidence?.["limit"]).toBe("maxTotalBytes");
  });
});
