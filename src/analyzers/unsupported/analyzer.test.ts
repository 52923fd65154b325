import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../scan/scan.js";

const dir = mkdtempSync(join(tmpdir(), "mg-unsupported-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function findingsOf(name: string, bytes: Buffer): Promise<Array<{ ruleId: string; severity: string; message: string; format: string }>> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const report = await scan([path], { digest: false });
  return report.files.flatMap((f) => f.findings.map((x) => ({ ruleId: x.ruleId, severity: x.severity, message: x.message, format: f.format })));
}

function tflite(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(16, 0);
  b.write("TFL3", 4, "latin1");
  b.writeUInt16LE(6, 8);
  b.writeUInt16LE(8, 10);
  b.writeUInt16LE(4, 12);
  b.writeInt32LE(8, 16);
  b.writeUInt32LE(3, 20);
  return b;
}

describe("unsupportedAnalyzer through scan()", () => {
  it("a TensorFlow Lite model is high, named, never clean", async () => {
    const findings = await findingsOf("model.tflite", tflite());
    expect(findings.map((f) => [f.ruleId, f.severity, f.format])).toEqual([["scanner/unsupported-format", "high", "tflite"]]);
    expect(findings[0]!.message).toContain("TensorFlow Lite");
  });

  it("the format name is in the message whatever the file is called", async () => {
    const xml = Buffer.from('<?xml version="1.0"?>\n<net name="m" version="11"><layers/></net>\n');
    const findings = await findingsOf("weights.dat", xml);
    expect(findings.map((f) => [f.ruleId, f.severity, f.format])).toEqual([["scanner/unsupported-format", "high", "openvino"]]);
    expect(findings[0]!.message).toContain("OpenVINO");
  });

  it("executables (llamafile, ELF) are high 'executable' findings", async () => {
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    const ape = Buffer.concat([Buffer.from("MZqFpD='\n\x00\x00'\necho hi\n"), Buffer.alloc(256), eocd]);
    const llama = await findingsOf("mistral.llamafile", ape);
    expect(llama.map((f) => [f.ruleId, f.severity, f.format])).toEqual([["unsupported/executable", "high", "llamafile"]]);
    const elf = Buffer.alloc(64);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(elf);
    const so = await findingsOf("custom_op.so", elf);
    expect(so.map((f) => [f.ruleId, f.severity])).toEqual([["unsupported/executable", "high"]]);
  });
});
