import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FORMAT_IDS } from "../core/format.js";
import { createBufferSource } from "../core/source.js";
import type { VirtualFile } from "../core/virtual-file.js";
import type { AnalyzerContext } from "./analyzer.js";
import { ANALYZERS, analyzerFor, createAnalyzerRegistry, type AnalyzerEntry } from "./registry.js";

describe("analyzer registry", () => {
  it("no two entries claim one format, and every claimed format is a FormatId", () => {
    const seen = new Map<string, number>();
    ANALYZERS.forEach((entry, i) => {
      for (const f of entry.formats) {
        expect(FORMAT_IDS).toContain(f);
        expect(seen.get(f), `format ${f} claimed twice`).toBeUndefined();
        seen.set(f, i);
      }
    });
    expect(() => createAnalyzerRegistry([...ANALYZERS, ANALYZERS[0]!])).toThrow(/two analyzers claim format/);
  });

  it("every entry loads an analyzer handling exactly the formats it names", async () => {
    for (const entry of ANALYZERS) {
      const analyzer = await entry.load();
      expect(typeof analyzer.analyze).toBe("function");
      expect([...analyzer.formats].sort()).toEqual([...entry.formats].sort());
    }
  });

  it("every FormatId with an entry resolves to its analyzer; the others to undefined", async () => {
    const claimed = new Set(ANALYZERS.flatMap((e) => e.formats));
    for (const format of FORMAT_IDS) {
      const analyzer = await analyzerFor(format);
      if (claimed.has(format)) expect(analyzer?.formats, format).toContain(format);
      else expect(analyzer, format).toBeUndefined();
    }
  });

  it("loads a module once and only when its format is asked for", async () => {
    let loads = 0;
    const entry: AnalyzerEntry = {
      formats: ["gguf"],
      load: async () => {
        loads++;
        return { formats: ["gguf"], version: "1", analyze: async () => {} };
      },
    };
    const registry = createAnalyzerRegistry([entry]);
    expect(loads).toBe(0);
    expect(await registry.analyzerFor("onnx")).toBeUndefined();
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([registry.analyzerFor("gguf"), registry.analyzerFor("gguf")]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
  });

  it("an analyzer that cannot be loaded fails every file of its formats (never a silent pass)", async () => {
    const registry = createAnalyzerRegistry([{ formats: ["hdf5"], load: () => Promise.reject(new Error("Cannot find package 'h5wasm'")) }]);
    const analyzer = await registry.analyzerFor("hdf5");
    expect(analyzer).toBeDefined();
    const file: VirtualFile = { path: "model.h5", name: "model.h5", depth: 0, source: createBufferSource(Buffer.from("x")) };
    await expect(analyzer!.analyze(file, {} as AnalyzerContext)).rejects.toThrow(/could not be loaded \(Cannot find package 'h5wasm'\)/);
  });
});

describe("a scan whose analyzer module fails to load", () => {
  let dir: string | undefined;
  afterEach(() => {
    vi.doUnmock("./gguf/analyzer.js");
    vi.resetModules();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports the file as not verified and fails the gate", async () => {
    vi.resetModules();
    vi.doMock("./gguf/analyzer.js", () => {
      throw new Error("simulated load failure");
    });
    const { scan } = await import("../scan/scan.js");
    dir = mkdtempSync(join(tmpdir(), "modelgate-registry-"));
    const path = join(dir, "model.gguf");
    writeFileSync(path, Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(60)]));
    const report = await scan([path], { digest: false });
    const file = report.files.find((f) => f.path === path);
    expect(file?.format).toBe("gguf");
    const finding = file?.findings.find((f) => f.ruleId === "scanner/analyzer-error");
    expect(finding?.message).toMatch(/^the gguf analyzer failed: its parser could not be loaded \(.+\); the content was not verified$/);
    expect(report.summary.failed).toBe(true);
  });
});
