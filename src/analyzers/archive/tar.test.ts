import { randomBytes } from "node:crypto";
import { join } from "node:path";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { meetsGate } from "../../core/severity.js";
import { FIXTURES, scanBytes, scanPath, type ScanResult } from "../../../test/fixtures/archive/harness.js";
import { buildTar, paxData } from "../../../test/fixtures/archive/tar-builder.js";
import { PAYLOAD_PICKLE } from "../../../test/fixtures/archive/zip-builder.js";

function flagged(r: ScanResult, rel: string): boolean {
  return (r.file(rel)?.findings ?? []).some((f) => meetsGate(f.severity, "high"));
}

const count = (list: string[], id: string): number => list.filter((x) => x === id).length;

describe("tar escapes", () => {
  it("reports traversal, escaping links with their targets, devices and FIFOs, and scans the members", async () => {
    const r = await scanPath(join(FIXTURES, "escapes.tar"));
    const rules = r.rules();
    expect(count(rules, "archive/path-traversal")).toBe(2);
    expect(count(rules, "archive/link-escape")).toBe(3);
    expect(count(rules, "archive/link-member")).toBe(1);
    expect(count(rules, "archive/special-file")).toBe(2);
    const targets = r.file()!.findings.filter((f) => f.ruleId === "archive/link-escape").map((f) => f.evidence?.["target"]);
    expect(targets.sort()).toEqual(["../../../etc/passwd", "../outside", "/etc/shadow"]);
    expect(r.file()!.findings.find((f) => f.ruleId === "archive/link-escape")?.severity).toBe("critical");
    expect(flagged(r, "../../evil.pkl")).toBe(true);
  });

  it("a pax path and a global pax header rename members (Python's tarfile applies both)", async () => {
    const r = await scanBytes("pax.tar", buildTar([
      { name: "pax", type: "x", data: paxData({ path: "../../outside.pkl" }) },
      { name: "innocent.pkl", data: PAYLOAD_PICKLE },
      { name: "global", type: "g", data: paxData({ path: "/abs/everything" }) },
      { name: "other.txt", data: "x" },
    ]));
    expect(count(r.rules(), "archive/path-traversal")).toBe(2);
    expect(flagged(r, "../../outside.pkl")).toBe(true);
  });

  it("GNU long names, ustar prefixes, base-256 sizes and v7 headers", async () => {
    const long = `${"dir/".repeat(40)}payload.pkl`;
    const r = await scanBytes("gnu.tar", buildTar([
      { name: "././@LongLink", type: "L", data: `${long}\0`, format: "gnu" },
      { name: "short", data: PAYLOAD_PICKLE, format: "gnu" },
      { name: "file.pkl", prefix: "some/prefix", data: PAYLOAD_PICKLE },
      { name: "big.pkl", data: PAYLOAD_PICKLE, base256Size: true },
      { name: "old.pkl", data: PAYLOAD_PICKLE, format: "v7" },
    ]));
    expect(r.rules()).toEqual([]);
    for (const p of [long, "some/prefix/file.pkl", "big.pkl", "old.pkl"]) expect(flagged(r, p)).toBe(true);
  });

  it("a damaged header mid-archive: Python stops, GNU tar goes on; members after it are scanned", async () => {
    const r = await scanBytes("bad.tar", buildTar([
      { name: "a.txt", data: "hello" },
      { name: "broken", data: "xxxx", badChecksum: true },
      { name: "after.pkl", data: PAYLOAD_PICKLE },
    ]));
    expect(r.rules()).toContain("archive/tar-ambiguous-entry");
    expect(flagged(r, "after.pkl")).toBe(true);
  });

  it("a directory that declares data is read differently by Python and GNU tar", async () => {
    const r = await scanBytes("dir.tar", buildTar([{ name: "d/", type: "5", data: "hidden!", size: 7 }]));
    expect(r.rules()).toContain("archive/tar-ambiguous-entry");
  });

  it("a second archive after the end marker", async () => {
    const second = buildTar([{ name: "later.pkl", data: PAYLOAD_PICKLE }]);
    const r = await scanBytes("two.tar", buildTar([{ name: "a.txt", data: "hi" }], { after: second }));
    expect(r.rules()).toEqual(["archive/trailing-data"]);
  });

  it("a truncated member is not verified", async () => {
    const whole = buildTar([{ name: "data.pkl", data: Buffer.alloc(4096, 0x41) }], { end: false });
    const cut = await scanBytes("cut.tar", whole.subarray(0, 2048));
    expect(cut.rules()).toContain("scanner/unparseable");
  });

  it("legacy torch tar layout", async () => {
    const r = await scanPath(join(FIXTURES, "legacy_torch.tar"));
    expect(r.file()?.format).toBe("pytorch-legacy");
    expect(flagged(r, "pickle")).toBe(true);
  });

  it("more members than maxMembers", async () => {
    const r = await scanBytes("many.tar", buildTar(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, data: "x" }))), { limits: { maxMembers: 2 } });
    expect(r.rules()).toContain("scanner/limit-exceeded");
  });
});

describe("compressed tars", () => {
  it(".nemo (tar.gz) reaches the members, the checkpoint inside and the payload", async () => {
    const r = await scanPath(join(FIXTURES, "model.nemo"));
    expect(r.file()?.format).toBe("gzip");
    expect(r.file("model.nemo")?.format).toBe("tar");
    expect(r.file("model.nemo!/./model_weights.ckpt")?.format).toBe("pytorch-zip");
    const payload = r.paths().find((p) => p.endsWith("payload.pkl"));
    expect(payload && flagged(r, payload)).toBe(true);
  });

  it("tar.gz and tar.xz", async () => {
    expect(flagged(await scanPath(join(FIXTURES, "payload.tar.gz")), "payload.tar!/data.pkl")).toBe(true);
    expect(flagged(await scanPath(join(FIXTURES, "payload.tar.xz")), "payload.tar!/data.pkl")).toBe(true);
  });

  it("a tar.gz larger than maxMemberBytes is streamed: only its members are held", async () => {
    const big = randomBytes(6 * 1024 * 1024);
    const tgz = zlib.gzipSync(buildTar([
      { name: "weights.bin", data: big },
      { name: "data.pkl", data: PAYLOAD_PICKLE },
      { name: "small.txt", data: "ok" },
    ]), { level: 1 });
    const r = await scanBytes("model.tar.gz", tgz, { limits: { maxMemberBytes: 4 * 1024 * 1024 } });
    expect(r.file("model.tar")?.format).toBe("tar");
    expect(r.file("model.tar")?.size).toBeGreaterThan(6 * 1024 * 1024);
    const limit = r.file("model.tar")?.findings.find((f) => f.ruleId === "scanner/limit-exceeded");
    expect(limit?.evidence?.["member"]).toBe("weights.bin");
    expect(flagged(r, "model.tar!/data.pkl")).toBe(true);
    expect(r.file("model.tar!/small.txt")?.format).toBe("text");
  });
});
