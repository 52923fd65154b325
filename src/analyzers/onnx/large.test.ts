/**
 * Scaling: a 3 GiB ONNX model with inline (not external) initializers, written sparse by
 * test/fixtures/onnx/large.ts. The scan must read headers only: a few KiB per tensor, not the weights.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../../scan/scan.js";
import { writeLargeOnnx } from "../../../test/fixtures/onnx/large.js";
import { looksLikeOnnx } from "./sniff.js";

const dir = mkdtempSync(join(tmpdir(), "modelgate-large-onnx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("large ONNX models", () => {
  it("a 3 GiB model with 3 inline initializers: detected, clean, bytes read independent of the weights", async () => {
    const model = await writeLargeOnnx(join(dir, "big.onnx"), { weightBytes: 3 * 2 ** 30, tensors: 3 });
    expect(model.size).toBeGreaterThan(3 * 2 ** 30);
    const report = await scan([model.path], { digest: false });
    const file = report.files[0]!;
    expect(file.format).toBe("onnx");
    expect(file.findings).toEqual([]);
    // Detection reads 64 KiB at each end; the walk a few KiB per tensor.
    expect(report.summary.bytesRead).toBeLessThan(256 * 1024);
  });

  it("the small variant is a real ModelProto", async () => {
    const model = await writeLargeOnnx(join(dir, "small.onnx"), { weightBytes: 4096, tensors: 4 });
    const bytes = readFileSync(model.path);
    expect(bytes.length).toBe(model.size);
    expect(looksLikeOnnx(bytes, bytes.length, "x")).toBe(true);
    const report = await scan([model.path], { digest: false });
    expect(report.files[0]!.findings).toEqual([]);
  });
});
