import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meetsGate } from "../../core/severity.js";
import { CORPUS, FIXTURES, createRecordingContext, scanBytes, scanPath, topFile, type ScanResult } from "../../../test/fixtures/archive/harness.js";
import { writeLargeTorchZip } from "../../../test/fixtures/archive/large.js";
import { PAYLOAD_PICKLE, buildZip, type ZipBuildEntry } from "../../../test/fixtures/archive/zip-builder.js";
import { PREFIX_MEMBER, zipAnalyzer } from "./zip.js";

/** protocol 2 {"a": 1}: a benign pickle. */
const BENIGN_PICKLE = Buffer.from("80027d710058010000006171014b01732e", "hex");

/** A finding at or above high on the member at `rel` (the payload was seen there, whatever analyzer saw it). */
function flagged(r: ScanResult, rel: string): boolean {
  return (r.file(rel)?.findings ?? []).some((f) => meetsGate(f.severity, "high"));
}

function severityOf(r: ScanResult, ruleId: string, rel = ""): string | undefined {
  return r.file(rel)?.findings.find((f) => f.ruleId === ruleId)?.severity;
}

const picklescan = join(CORPUS, "picklescan/tests");

describe.skipIf(!existsSync(picklescan))("zip tampering from the picklescan corpus", () => {
  const cases: Array<[string, string, string]> = [
    ["data/malicious1_0x1.zip", "archive/zip-flag-tamper", "model/config.pkl"],
    ["data/malicious1_0x20.zip", "archive/zip-flag-tamper", "model/config.pkl"],
    ["data/malicious1_0x40.zip", "archive/zip-flag-tamper", "model/config.pkl"],
    ["data2/malicious1_crc.zip", "archive/zip-crc-mismatch", "data.pkl"],
    ["data/malicious1_central_directory.zip", "archive/zip-name-mismatch", "data.pkl"],
  ];
  for (const [file, rule, member] of cases) {
    it(`${file}: ${rule} and the payload in ${member}`, async () => {
      const r = await scanPath(join(picklescan, file));
      expect(r.rules()).toContain(rule);
      expect(severityOf(r, rule)).toBe("critical");
      expect(flagged(r, member)).toBe(true);
    });
  }

  it("reaches a pickle member named data.txt by content", async () => {
    const r = await scanPath(join(picklescan, "data/malicious1_wrong_ext.zip"));
    const member = r.paths().find((p) => p.endsWith(".txt"));
    expect(member).toBeDefined();
    expect(r.file(member)?.format).toBe("pickle");
    expect(flagged(r, member!)).toBe(true);
  });

  it("reports a password-protected zip as encrypted content, nothing critical", async () => {
    const r = await scanPath(join(picklescan, "data/benign_password_protected.zip"));
    expect(r.rules()).toEqual(["scanner/encrypted-content"]);
    expect(r.all().some((f) => f.severity === "critical")).toBe(false);
  });

  it("scans npz members (stored and deflated) without findings", async () => {
    for (const f of ["data2/int_arrays.npz", "data2/int_arrays_compressed.npz"]) {
      const r = await scanPath(join(picklescan, f));
      expect(r.file()?.format).toBe("npz");
      expect(r.paths().sort()).toEqual(["a.npy", "b.npy"]);
      expect(r.rules()).toEqual([]);
    }
  });
});

describe.skipIf(!existsSync(join(CORPUS, "modelscan")))("other corpus zips", () => {
  it("modelscan password_protected.zip: encrypted content", async () => {
    const r = await scanPath(join(CORPUS, "modelscan/tests/data/password_protected.zip"));
    expect(r.rules()).toContain("scanner/encrypted-content");
  });

  it("modelaudit path_traversal.zip: zip-slip and the payload", async () => {
    const r = await scanPath(join(CORPUS, "modelaudit/tests/assets/samples/archives/path_traversal.zip"));
    expect(r.rules()).toContain("archive/path-traversal");
    expect(severityOf(r, "archive/path-traversal")).toBe("critical");
    expect(flagged(r, "model/malicious.pkl")).toBe(true);
  });
});

describe("zip tampering, built by hand", () => {
  const zip = (entries: ZipBuildEntry[], opts = {}) => scanBytes("model.zip", buildZip(entries, opts));

  it("local header name differs from the directory name", async () => {
    const r = await zip([{ name: "data.pkl", localName: "datap.kl", data: PAYLOAD_PICKLE }]);
    expect(r.rules()).toEqual(["archive/zip-name-mismatch"]);
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  for (const [flag, words] of [
    [0x1, "encrypted"],
    [0x20, "patched"],
    [0x40, "strong encryption"],
    [0x41, "strong encryption"],
  ] as const) {
    it(`flag 0x${flag.toString(16)} on plain data is tampering, and the content is scanned`, async () => {
      const r = await zip([{ name: "a/data.pkl", data: PAYLOAD_PICKLE, flags: flag }]);
      expect(r.rules()).toEqual(["archive/zip-flag-tamper"]);
      expect(r.file()?.findings[0]?.message).toContain(words);
      expect(flagged(r, "a/data.pkl")).toBe(true);
    });
  }

  it("deflated data under a false encryption flag is tampering too", async () => {
    const r = await zip([{ name: "data.pkl", data: PAYLOAD_PICKLE, method: 8, flags: 0x1 }]);
    expect(r.rules()).toEqual(["archive/zip-flag-tamper"]);
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("really encrypted (traditional) data is encrypted content, not tampering", async () => {
    const cipher = Buffer.from(Array.from({ length: 46 }, (_, i) => (i * 97 + 13) & 0xff));
    const r = await zip([{ name: "secret.bin", data: cipher, flags: 0x1, crc: 0x12345678, uncompressedSize: 34 }]);
    expect(r.rules()).toEqual(["scanner/encrypted-content"]);
  });

  it("a pickle behind a 12-byte 'encryption header' is still scanned as PyTorch would read it", async () => {
    const data = Buffer.concat([Buffer.from("N0N0N0N0N0N0"), PAYLOAD_PICKLE]);
    const r = await zip([{ name: "data.pkl", data, flags: 0x1, crc: 0x12345678, uncompressedSize: PAYLOAD_PICKLE.length }]);
    expect(r.rules()).toContain("scanner/encrypted-content");
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("CRC-32 mismatch", async () => {
    const r = await zip([{ name: "data.pkl", data: PAYLOAD_PICKLE, crc: 0xdeadbeef }]);
    expect(r.rules()).toEqual(["archive/zip-crc-mismatch"]);
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("local header method or sizes differ from the directory", async () => {
    const r = await zip([{ name: "data.pkl", data: PAYLOAD_PICKLE, localMethod: 8 }]);
    expect(r.rules()).toEqual(["archive/zip-inconsistent-headers"]);
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("entry count in the end record differs from the directory", async () => {
    const r = await zip([{ name: "a.txt", data: "hello" }], { entryCount: 2 });
    expect(r.rules()).toEqual(["archive/zip-inconsistent-headers"]);
  });

  it("data in front of the archive (offsets adjusted): reported and scanned as its own member", async () => {
    const r = await zip([{ name: "a.txt", data: "hello" }], { prefix: Buffer.from("#!/bin/sh\necho polyglot\nexit 0\n"), adjustOffsets: true });
    expect(r.rules()).toEqual(["archive/zip-data-outside-archive"]);
    expect(severityOf(r, "archive/zip-data-outside-archive")).toBe("high");
    expect(r.paths()).toContain(PREFIX_MEMBER);
    expect(r.paths()).toContain("a.txt");
  });

  it("a pickle in front of the archive is found (torch.load would run it)", async () => {
    const data = buildZip([{ name: "a.txt", data: "hello" }], { prefix: PAYLOAD_PICKLE, adjustOffsets: true });
    const { ctx, rec } = createRecordingContext();
    await zipAnalyzer.analyze(topFile("polyglot.zip", data), ctx);
    expect(rec.findings.map((f) => f.ruleId)).toEqual(["archive/zip-data-outside-archive"]);
    const prefix = rec.members.find((m) => m.member === PREFIX_MEMBER);
    expect(prefix && (await prefix.source.read(0, prefix.source.size)).equals(PAYLOAD_PICKLE)).toBe(true);
  });

  it("data in front with offsets not adjusted: readers disagree, members still found", async () => {
    const r = await zip([{ name: "data.pkl", data: PAYLOAD_PICKLE }], { prefix: Buffer.alloc(100, 0x41) });
    expect(r.rules()).toContain("archive/zip-data-outside-archive");
    expect(r.file()?.findings.some((f) => /PyTorch/.test(f.message))).toBe(true);
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("data after the end record", async () => {
    const r = await zip([{ name: "a.txt", data: "hello" }], { suffix: Buffer.from("appended") });
    expect(r.rules()).toEqual(["archive/zip-data-outside-archive"]);
  });

  it("overlapping members", async () => {
    const r = await zip([
      { name: "a.txt", data: "hello world" },
      { name: "b.txt", data: "ignored", hidden: true },
      { name: "c.txt", data: "x", pointAt: 0 },
    ]);
    expect(r.rules()).toContain("archive/zip-overlapping-members");
    expect(severityOf(r, "archive/zip-overlapping-members")).toBe("critical");
  });

  it("a member whose local header is not where the directory points", async () => {
    const r = await zip([{ name: "a.txt", data: "hello", offsetDelta: 5000 }]);
    expect(r.rules()).toContain("archive/zip-member-out-of-bounds");
  });

  it("a member whose data runs past the end of the file", async () => {
    const r = await zip([{ name: "a.txt", data: "hello", compressedSize: 1 << 20 }]);
    expect(r.rules()).toContain("archive/zip-member-out-of-bounds");
  });

  it("a local header hidden from the central directory is found and scanned", async () => {
    const r = await zip([
      { name: "readme.txt", data: "nothing to see" },
      { name: "hidden.pkl", data: PAYLOAD_PICKLE, hidden: true },
    ]);
    expect(r.rules()).toContain("archive/zip-hidden-member");
    expect(flagged(r, "hidden.pkl")).toBe(true);
  });

  it("unreferenced bytes between members", async () => {
    const r = await zip([
      { name: "a.txt", data: "hello", gapAfter: Buffer.alloc(64, 0x7a) },
      { name: "b.txt", data: "world" },
    ]);
    expect(r.rules()).toEqual(["archive/zip-unreferenced-data"]);
    expect(severityOf(r, "archive/zip-unreferenced-data")).toBe("medium");
  });

  it("duplicate names", async () => {
    const r = await zip([
      { name: "data.pkl", data: BENIGN_PICKLE },
      { name: "data.pkl", data: PAYLOAD_PICKLE },
    ]);
    expect(r.rules()).toContain("archive/duplicate-member");
    expect(severityOf(r, "archive/duplicate-member")).toBe("critical");
  });

  it("zip-slip names: dot-dot, absolute, drive letter; backslashes noted", async () => {
    const r = await zip([
      { name: "../../evil.txt", data: "x" },
      { name: "/etc/evil", data: "x" },
      { name: "C:/Windows/evil", data: "x" },
      { name: "..\\..\\evil.bat", data: "x" },
      { name: "dir\\file.txt", data: "x" },
    ]);
    expect(r.rules().filter((x) => x === "archive/path-traversal")).toHaveLength(4);
    expect(r.rules()).toContain("archive/suspicious-member-name");
  });

  it("member compressed with an unknown method: not verified", async () => {
    const r = await zip([{ name: "data.pkl", data: Buffer.from("whatever"), method: 93 }]);
    expect(r.rules()).toEqual(["archive/zip-unusual-method", "archive/unsupported-compression"]);
    expect(severityOf(r, "archive/unsupported-compression")).toBe("high");
  });

  it("corrupt deflate data in one member does not hide the next", async () => {
    const r = await zip([
      { name: "broken.bin", data: Buffer.from([0xff, 0xff, 0xff, 0xff]), method: 8, raw: true },
      { name: "data.pkl", data: PAYLOAD_PICKLE },
    ]);
    expect(r.rules()).toContain("scanner/unparseable");
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("ZIP64 end records are read", async () => {
    const r = await zip([{ name: "data.pkl", data: PAYLOAD_PICKLE, method: 8 }], { zip64: true });
    expect(r.rules()).toEqual([]);
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("without an end record, members are found by walking local headers", async () => {
    const whole = buildZip([
      { name: "a.txt", data: "hello" },
      { name: "data.pkl", data: PAYLOAD_PICKLE, method: 8 },
    ]);
    const r = await scanBytes("cut.zip", whole.subarray(0, whole.length - 30));
    expect(r.rules()).toContain("scanner/unparseable");
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("a one-bad-member limit is reported for that member and the others are still scanned", async () => {
    const data = buildZip([
      { name: "big.bin", data: Buffer.alloc(4 * 1024 * 1024), method: 8 },
      { name: "data.pkl", data: PAYLOAD_PICKLE },
    ]);
    const r = await scanBytes("two.zip", data, { limits: { maxMemberBytes: 1024 * 1024, maxCompressionRatio: 1e9 } });
    const limit = r.file()?.findings.find((f) => f.ruleId === "scanner/limit-exceeded");
    expect(limit?.evidence).toMatchObject({ member: "big.bin", limit: "maxMemberBytes" });
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("more members than maxMembers", async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: "x" }));
    const r = await scanBytes("many.zip", buildZip(entries), { limits: { maxMembers: 3 } });
    expect(r.rules()).toContain("scanner/limit-exceeded");
    expect(r.paths()).toHaveLength(3);
  });

  it("nesting deeper than maxDepth is a limit finding", async () => {
    let data = buildZip([{ name: "data.pkl", data: PAYLOAD_PICKLE }]);
    for (let i = 0; i < 4; i++) data = buildZip([{ name: `level${i}.zip`, data, method: 8 }]);
    const r = await scanBytes("deep.zip", data, { limits: { maxDepth: 3 } });
    const limit = r.all().find((f) => f.ruleId === "scanner/limit-exceeded");
    expect(limit?.evidence?.["limit"]).toBe("maxDepth");
    const within = await scanBytes("deep.zip", data, { limits: { maxDepth: 8 } });
    expect(within.all().some((f) => f.ruleId === "scanner/limit-exceeded")).toBe(false);
    expect(within.all().some((f) => f.location.path.endsWith("!/data.pkl") && f.severity === "critical")).toBe(true);
  });
});

describe("zip formats", () => {
  it("a torch.save checkpoint is pytorch-zip and clean; storages are not sent to detection", async () => {
    const r = await scanPath(join(FIXTURES, "state_dict.pt"));
    expect(r.file()?.format).toBe("pytorch-zip");
    expect(r.all()).toEqual([]);
    expect(r.paths().some((p) => p.includes("/data/"))).toBe(false);
    expect(r.file("state_dict/data.pkl")?.format).toBe("pickle");
  });

  it("random bytes in tensor storage never pass for a broken pickle", async () => {
    const storage = Buffer.concat([Buffer.from([0x80, 0x02, 0x63]), Buffer.alloc(200, 0x0a)]);
    const r = await scanBytes("m.pt", buildZip([
      { name: "archive/data.pkl", data: BENIGN_PICKLE },
      { name: "archive/data/0", data: storage },
      { name: "archive/version", data: "3\n" },
    ]));
    expect(r.file()?.format).toBe("pytorch-zip");
    expect(r.paths()).not.toContain("archive/data/0");
  });

  it("TorchScript archives", async () => {
    const r = await scanPath(join(FIXTURES, "torchscript.pt"));
    expect(r.file()?.format).toBe("torchscript");
    expect(r.file()?.findings).toEqual([]);
  });

  it(".npz and .keras layouts", async () => {
    expect((await scanPath(join(FIXTURES, "arrays.npz"))).file()?.format).toBe("npz");
    const keras = await scanBytes("m.keras", buildZip([
      { name: "metadata.json", data: "{}" },
      { name: "config.json", data: '{"class_name": "Sequential"}' },
      { name: "model.weights.h5", data: "" },
    ]));
    expect(keras.file()?.format).toBe("keras");
  });

  it("bzip2, LZMA, Deflate64, xz and PPMd members are decoded and flagged as methods loaders disagree on", async () => {
    for (const f of ["method_bzip2.zip", "method_lzma.zip", "method_deflate64.zip", "method_xz.zip", "method_ppmd.zip"]) {
      const r = await scanPath(join(FIXTURES, f));
      expect(r.rules()).toEqual(["archive/zip-unusual-method"]);
      expect(flagged(r, "data.pkl")).toBe(true);
    }
  });

  it("AES-encrypted members are encrypted content", async () => {
    const r = await scanPath(join(FIXTURES, "aes.zip"));
    expect(r.rules()).toEqual(["scanner/encrypted-content"]);
  });

  it("symbolic links: escaping is critical, inside is a note", async () => {
    const r = await scanPath(join(FIXTURES, "symlink.zip"));
    expect(r.rules().sort()).toEqual(["archive/link-escape", "archive/link-member"]);
    expect(severityOf(r, "archive/link-escape")).toBe("critical");
  });

  it("members with data descriptors, and the local-header walk through them", async () => {
    const whole = readFileSync(join(FIXTURES, "streamed.zip"));
    const r = await scanBytes("streamed.zip", whole);
    expect(r.rules()).toEqual([]);
    expect(flagged(r, "data.pkl")).toBe(true);
    const cut = await scanBytes("streamed.zip", whole.subarray(0, whole.indexOf(Buffer.from("PK\x01\x02", "latin1"))));
    expect(cut.rules()).toContain("scanner/unparseable");
    expect(flagged(cut, "data.pkl")).toBe(true);
  });

  it("a 64 MiB PyTorch-like checkpoint costs its directory and data.pkl in reads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-large-"));
    try {
      const path = join(dir, "large.pt");
      await writeLargeTorchZip(path, 64 * 1024 * 1024);
      const r = await scanPath(path);
      expect(r.file()?.format).toBe("pytorch-zip");
      expect(r.all()).toEqual([]);
      expect(r.report.summary.bytesRead).toBeLessThan(1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
