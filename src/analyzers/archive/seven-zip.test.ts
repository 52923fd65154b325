import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meetsGate } from "../../core/severity.js";
import { CORPUS, FIXTURES, scanBytes, scanPath, type ScanResult } from "../../../test/fixtures/archive/harness.js";
import { hasEncryptedHeader } from "./seven-zip.js";

function flagged(r: ScanResult, rel: string): boolean {
  return (r.file(rel)?.findings ?? []).some((f) => meetsGate(f.severity, "high"));
}

const NESTED = "bundle.tar.gz!/bundle.tar!/payload.zip!/inner/data.pkl";

describe("7z", () => {
  it.skipIf(!existsSync(join(CORPUS, "picklescan")))("picklescan malicious1.7z: the eval payload in data.pkl", async () => {
    const r = await scanPath(join(CORPUS, "picklescan/tests/data/malicious1.7z"));
    expect(r.file()?.format).toBe("7z");
    expect(r.rules()).toEqual([]);
    expect(flagged(r, "data.pkl")).toBe(true);
  });

  it("nested containers: zip in tar.gz in 7z", async () => {
    const r = await scanPath(join(FIXTURES, "nested.7z"));
    expect(r.file("bundle.tar.gz")?.format).toBe("gzip");
    expect(r.file("bundle.tar.gz!/bundle.tar")?.format).toBe("tar");
    expect(flagged(r, NESTED)).toBe(true);
    expect(r.all().some((f) => f.ruleId === "scanner/limit-exceeded")).toBe(false);
  });

  it("the depth limit stops the nesting with a finding", async () => {
    const r = await scanPath(join(FIXTURES, "nested.7z"), { limits: { maxDepth: 2 } });
    const limit = r.all().find((f) => f.ruleId === "scanner/limit-exceeded");
    expect(limit?.evidence?.["limit"]).toBe("maxDepth");
    expect(r.file(NESTED)).toBeUndefined();
  });

  it("encrypted members and encrypted headers are encrypted content", async () => {
    expect((await scanPath(join(FIXTURES, "encrypted.7z"))).rules()).toEqual(["scanner/encrypted-content"]);
    expect((await scanPath(join(FIXTURES, "encrypted_header.7z"))).rules()).toEqual(["scanner/encrypted-content"]);
    expect(hasEncryptedHeader(readFileSync(join(FIXTURES, "encrypted_header.7z")))).toBe(true);
    expect(hasEncryptedHeader(readFileSync(join(FIXTURES, "encrypted.7z")))).toBe(false);
  });

  it("links out of the folder and traversal names", async () => {
    const links = await scanPath(join(FIXTURES, "symlink.7z"));
    expect(links.rules()).toEqual(["archive/link-escape"]);
    expect(links.file()?.findings[0]?.evidence?.["target"]).toBe("/etc/passwd");
    const dots = await scanPath(join(FIXTURES, "traversal.7z"));
    expect(dots.rules()).toContain("archive/path-traversal");
    expect(dots.all().some((f) => f.location.path.endsWith("secret.pkl") && meetsGate(f.severity, "high"))).toBe(true);
  });

  it("a truncated archive could not be verified", async () => {
    const data = readFileSync(join(FIXTURES, "nested.7z"));
    const r = await scanBytes("cut.7z", data.subarray(0, data.length - 40));
    expect(r.rules()).toContain("scanner/unparseable");
  });

  it("content larger than maxMemberBytes in all is a limit finding", async () => {
    const r = await scanPath(join(FIXTURES, "nested.7z"), { limits: { maxMemberBytes: 100 } });
    expect(r.rules()).toContain("scanner/limit-exceeded");
  });
});
