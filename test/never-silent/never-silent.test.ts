/**
 * The scanner is never silent, and one bad file never ends a run: unknown content is a finding, Git LFS pointers
 * and empty scans are caught, compressors the loaders undo are undone, embedded blobs are scanned, a pickle at
 * byte 0 is seen whatever else the file looks like, and a hostile file next to a malicious one loses nothing.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/core/finding.js";
import type { Report } from "../../src/core/report.js";
import { scan } from "../../src/scan/scan.js";
import { validateReport } from "../helpers/schema.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const EVIL = Buffer.from("cos\nsystem\n(S'echo hi'\ntR.", "latin1");

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `modelgate-${prefix}-`));
}

function all(report: Report): Finding[] {
  return report.files.flatMap((f) => f.findings);
}

function rules(report: Report): string[] {
  return [...new Set(all(report).map((f) => `${f.severity} ${f.ruleId}`))].sort();
}

async function scanBytes(name: string, bytes: Buffer): Promise<Report> {
  const dir = tmp("ns");
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const report = await scan([path], { digest: false });
  expect(validateReport(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return report;
}

describe("1. unknown binary content is a finding a gate can act on", () => {
  const blob = Buffer.from([0x00, 0x01, 0x02, 0x03, 0xff, 0xfe, 0x00, 0x00, 0x07, 0x10]);

  it("is medium by default and high under a name a loader opens", async () => {
    expect(rules(await scanBytes("blob.dat", blob))).toEqual(["medium scanner/unknown-format"]);
    const named = await scanBytes("pytorch_model.bin", blob);
    expect(rules(named)).toEqual(["high scanner/unknown-format"]);
    expect(named.summary.failed).toBe(true);
  });

  it("recognises ordinary data in model folders as info notes", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);
    expect(rules(await scanBytes("logo.png", png))).toEqual(["info scanner/data-file"]);
    expect(rules(await scanBytes("photo.jpg", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0])))).toEqual(["info scanner/data-file"]);
    expect(rules(await scanBytes("anim.gif", Buffer.from("GIF89a\x01\x00\x01\x00\x80\x00\x00", "latin1")))).toEqual(["info scanner/data-file"]);
    // sentencepiece ModelProto: pieces "<unk>" (score 0, type 2), "<s>", "</s>".
    const piece = (s: string, type: number): Buffer => {
      const body = Buffer.concat([Buffer.from([0x0a, s.length]), Buffer.from(s), Buffer.from([0x15, 0, 0, 0, 0, 0x18, type])]);
      return Buffer.concat([Buffer.from([0x0a, body.length]), body]);
    };
    const spm = Buffer.concat([piece("<unk>", 2), piece("<s>", 3), piece("</s>", 3), piece("\u2581the", 1)]);
    const r = await scanBytes("tokenizer.model", spm);
    expect(rules(r)).toEqual(["info scanner/data-file"]);
    expect(all(r)[0]!.message).toMatch(/sentencepiece/);
    // Text vocabularies stay text: no finding.
    expect(rules(await scanBytes("cl100k_base.tiktoken", Buffer.from("IQ== 0\nIg== 1\nIw== 2\n")))).toEqual([]);
  });
});

describe("2. compressors the loaders undo", () => {
  for (const name of ["evil.pkl.zst", "evil-big.pkl.zst", "evil.pkl.lz4", "evil-linked.pkl.lz4", "evil.pkl.lzma"]) {
    it(`${name} is decompressed and its pickle scanned`, async () => {
      const report = await scan([join(FIXTURES, name)], { digest: false });
      const member = report.files.find((f) => f.container !== undefined)!;
      expect(member.format).toBe("pickle");
      expect(member.size).toBe(name.includes("big") || name.includes("linked") ? 225_019 : 9024);
      expect(all(report).map((f) => f.ruleId)).toContain("pickle/dangerous-global");
      expect(all(report).filter((f) => f.ruleId.startsWith("scanner/"))).toEqual([]);
    });
  }

  it("zstd bombs stop at the limits, block by block", async () => {
    // One frame of 4000 RLE blocks of 128 KiB each: 500 MiB from 16 KiB.
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58]); // no FCS, checksum flag, window 16 MiB
    const blocks: Buffer[] = [];
    for (let i = 0; i < 4000; i++) {
      const last = i === 3999 ? 1 : 0;
      const word = last | (1 << 1) | ((128 * 1024) << 3);
      blocks.push(Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0x41]));
    }
    const bomb = Buffer.concat([header, ...blocks, Buffer.alloc(4)]);
    const report = await scanBytes("bomb.pkl.zst", bomb);
    expect(all(report).map((f) => f.ruleId)).toContain("scanner/limit-exceeded");
  });

  it("a zstd frame that asks for a window larger than libzstd accepts is not verified (high)", async () => {
    // Window descriptor exponent 20 → 1 GiB.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00]);
    const report = await scanBytes("huge-window.zst", frame);
    expect(rules(report)).toEqual(["high scanner/unparseable"]);
  });

  it("a truncated LZ4 frame is damaged content (high), what came out before is still scanned", async () => {
    const { readFileSync } = await import("node:fs");
    const whole = readFileSync(join(FIXTURES, "evil-linked.pkl.lz4"));
    const report = await scanBytes("cut.pkl.lz4", whole.subarray(0, whole.length - 300));
    expect(all(report).some((f) => f.ruleId === "scanner/unparseable" && f.severity === "high")).toBe(true);
    expect(all(report).map((f) => f.ruleId)).toContain("pickle/dangerous-global");
  });
});

describe("3. Git LFS pointers", () => {
  it("are high: the weights were not scanned", async () => {
    const pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "ab".repeat(32) + "\nsize 548105171\n";
    const report = await scanBytes("model.safetensors", Buffer.from(pointer));
    expect(rules(report)).toEqual(["high scanner/lfs-pointer"]);
    expect(all(report)[0]!.message).toMatch(/Git LFS pointer \(clone without git-lfs\)/);
    expect(report.summary.failed).toBe(true);
  });
});

describe("4. a scan that verified no model content", () => {
  it("reports verifiedModelFiles 0 for an empty folder or only text and data, and counts models otherwise", async () => {
    const empty = tmp("empty");
    const r0 = await scan([empty], { digest: false });
    expect(validateReport(JSON.parse(JSON.stringify(r0)))).toEqual([]);
    expect(r0.summary.verifiedModelFiles).toBe(0);
    const text = tmp("text");
    writeFileSync(join(text, "README.md"), "# hello\n");
    writeFileSync(join(text, "config.json"), "{}");
    expect((await scan([text], { digest: false })).summary.verifiedModelFiles).toBe(0);
    writeFileSync(join(text, "weights.pkl"), Buffer.from([0x80, 0x04, 0x4b, 0x01, 0x2e]));
    expect((await scan([text], { digest: false })).summary.verifiedModelFiles).toBe(1);
  });

  it("check fails an empty folder with a clear reason", async () => {
    const { check } = await import("../../src/check/check.js");
    const empty = tmp("check-empty");
    const report = await check([empty], { profile: "default", cwd: empty });
    expect(report.models[0]!.verdict).toBe("fail");
    expect(JSON.stringify(report.models[0]!.results)).toMatch(/no model content was verified/);
  });
});

describe("5. damaged content and unparseable configs", () => {
  it("a numpy file whose header is garbage is high", async () => {
    const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([1, 0, 16, 0]), Buffer.from("garbage!garbage\n")]);
    const report = await scanBytes("x.npy", npy);
    expect(all(report).some((f) => f.severity === "high" && f.ruleId === "scanner/unparseable")).toBe(true);
  });

  it("a config.json that does not parse is medium, and Python's NaN does not count as broken", async () => {
    expect(rules(await scanBytes("config.json", Buffer.from('{"auto_map": {"AutoModel": "x.Y"')))).toContain("medium hf/invalid-config");
    const nan = await scanBytes("config.json", Buffer.from('{"eps": NaN, "auto_map": {"AutoModel": "modeling_x.Y"}}'));
    expect(all(nan).map((f) => f.ruleId)).toContain("hf/custom-code");
    expect(all(nan).map((f) => f.ruleId)).not.toContain("hf/invalid-config");
  });

  it("a zip member whose data cannot be decompressed is high", async () => {
    // Local header + central directory for one deflate member whose data is not deflate.
    const name = Buffer.from("data.pkl");
    const data = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(100, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(100, 24);
    central.writeUInt16LE(name.length, 28);
    const cdStart = 30 + name.length + data.length;
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + name.length, 12);
    end.writeUInt32LE(cdStart, 16);
    const zip = Buffer.concat([local, name, data, central, name, end]);
    const report = await scanBytes("model.zip", zip);
    expect(all(report).some((f) => f.severity === "high" && f.ruleId === "scanner/unparseable" && /data\.pkl/.test(f.message))).toBe(true);
  });
});

describe("6. blobs a loader decodes from a Keras config", () => {
  it("decodes a TorchModuleWrapper's base64 torch.save module and scans it", async () => {
    const config = {
      module: "keras",
      class_name: "Sequential",
      config: { name: "s", layers: [{ module: "keras.layers", class_name: "TorchModuleWrapper", config: { name: "t", module: EVIL.toString("base64"), output_shape: null }, registered_name: "TorchModuleWrapper" }] },
      registered_name: null,
    };
    const report = await scanBytes("config.json", Buffer.from(JSON.stringify(config)));
    expect(rules(report)).toEqual(["critical pickle/dangerous-global", "high keras/torch-module"]);
    const member = report.files.find((f) => f.container !== undefined)!;
    expect(member.path).toMatch(/config\.layers\[0\]\.config\.module/);
    expect(member.format).toBe("pickle");
  });

  it("a module that is not base64 is reported as not verified", async () => {
    const config = { class_name: "TorchModuleWrapper", module: "keras.layers", config: { module: "not base64!!" } };
    const report = await scanBytes("config.json", Buffer.from(JSON.stringify(config)));
    const f = all(report).find((x) => x.ruleId === "keras/torch-module")!;
    expect(f.severity).toBe("high");
    expect(f.message).toMatch(/not verified/);
  });
});

describe("7. errors are per file", () => {
  it("a config.json nested 513 deep beside a malicious pickle keeps the pickle's critical finding", async () => {
    const dir = join(tmp("deep"), "model");
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), `${'{"a":'.repeat(513)}1${"}".repeat(513)}`);
    writeFileSync(join(dir, "evil.pkl"), EVIL);
    const report = await scan([dir], { digest: false });
    expect(validateReport(JSON.parse(JSON.stringify(report)))).toEqual([]);
    const evil = report.files.find((f) => f.path === join(dir, "evil.pkl"))!;
    expect(evil.findings.map((f) => `${f.severity} ${f.ruleId}`)).toContain("critical pickle/dangerous-global");
    const config = report.files.find((f) => f.path === join(dir, "config.json"))!;
    expect(config.findings.length).toBeGreaterThan(0);
    expect(config.findings.every((f) => f.severity === "high")).toBe(true);
  });
});

describe("8. what pickle.load reads from byte 0, whatever else the file is", () => {
  it("a valid tar whose first bytes are a pickle is also read as a pickle", async () => {
    // A tar header is 512 bytes; the member name field (the first 100) holds the pickle, "ustar" sits at 257.
    const header = Buffer.alloc(512);
    EVIL.copy(header, 0);
    Buffer.from("0000644\0").copy(header, 100);
    Buffer.from("0000000\0").copy(header, 108);
    Buffer.from("0000000\0").copy(header, 116);
    Buffer.from("00000000004\0").copy(header, 124);
    Buffer.from("00000000000\0").copy(header, 136);
    header[156] = 0x30;
    Buffer.from("ustar\x0000", "latin1").copy(header, 257);
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `).copy(header, 148);
    const data = Buffer.alloc(512);
    data.write("data");
    const tar = Buffer.concat([header, data, Buffer.alloc(1024)]);
    const report = await scanBytes("archive.tar", tar);
    expect(report.files[0]!.format).toBe("tar");
    const f = report.files[0]!.findings.find((x) => x.ruleId === "pickle/dangerous-global");
    expect(f?.message).toMatch(/^read from byte 0 as pickle\.load would: os\.system/);
  });

  it("an ordinary file of another format gets no findings from the pickle view", async () => {
    const report = await scan([join(FIXTURES, "evil.pkl.zst")], { digest: false });
    expect(report.files[0]!.findings).toEqual([]);
  });
});
