import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AnalyzerContext, FindingInput } from "../analyzer.js";
import { LimitError, MalformedError } from "../../core/errors.js";
import type { Finding } from "../../core/finding.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { createBufferSource } from "../../core/source.js";
import { meetsGate } from "../../core/severity.js";
import { scan } from "../../scan/scan.js";
import { createFinding } from "../../scan/scan.js";
import { encodeMessage, type ProtoWriter } from "../protobuf/encoder.js";
import { MAX_GRAPH_NESTING, onnxAnalyzer } from "./analyzer.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIX = join(ROOT, "test/fixtures/onnx");

async function analyze(buf: Buffer, name = "model.onnx"): Promise<{ findings: Finding[]; error?: unknown }> {
  const findings: Finding[] = [];
  const ctx: AnalyzerContext = {
    limits: DEFAULT_LIMITS,
    report: (ruleId: string, input: FindingInput) => {
      const f = createFinding(ruleId, name, undefined, input);
      findings.push(f);
      return f;
    },
    scanMember: async () => {},
    setFormat: () => {},
    chargeDecompressed: () => {},
    checkDeadline: () => {},
  };
  try {
    await onnxAnalyzer.analyze({ path: name, name, depth: 0, source: createBufferSource(buf) }, ctx);
    return { findings };
  } catch (error) {
    return { findings, error };
  }
}

async function scanFile(rel: string): Promise<{ format: string; findings: Finding[] }> {
  const report = await scan([join(FIX, rel)], { digest: false });
  const file = report.files[0]!;
  return { format: file.format, findings: file.findings };
}

const ids = (fs: Finding[]): string[] => fs.map((f) => f.ruleId).sort();

// --- hand-built ModelProtos (onnx.proto field numbers) for cases the Python generator cannot express ---------

function tensor(w: ProtoWriter, t: { name: string; dims: number[]; dataType?: number; raw?: number; external?: Record<string, string> }): void {
  w.packed(1, t.dims);
  w.varint(2, t.dataType ?? 1);
  w.string(8, t.name);
  if (t.raw !== undefined) w.bytes(9, Buffer.alloc(t.raw));
  if (t.external) {
    for (const [k, v] of Object.entries(t.external)) w.message(13, (e) => e.string(1, k).string(2, v));
    w.varint(14, 1);
  }
}

function modelWith(graph: (g: ProtoWriter) => void, extra?: (m: ProtoWriter) => void): Buffer {
  return encodeMessage((m) => {
    m.varint(1, 8).string(2, "test").message(7, graph);
    m.message(8, (o) => o.string(1, "").varint(2, 13));
    extra?.(m);
  });
}

describe("onnx analyzer on real fixtures (onnx.helper / torch.onnx.export)", () => {
  for (const rel of ["benign/mlp.onnx", "benign/control_flow.onnx", "benign/com_microsoft.onnx", "benign/torch_export.onnx"]) {
    it(`${rel}: detected as onnx, no findings`, async () => {
      const r = await scanFile(rel);
      expect(r.format).toBe("onnx");
      expect(r.findings).toEqual([]);
    });
  }

  it("external data beside the model: only an info note naming the data file", async () => {
    const r = await scanFile("benign/external/model.onnx");
    expect(r.format).toBe("onnx");
    expect(ids(r.findings)).toEqual(["onnx/external-data"]);
    expect(r.findings[0]!.severity).toBe("info");
    expect(r.findings[0]!.message).toContain("model.onnx.data");
  });

  it.each([
    ["malicious/traversal_relative.onnx", "../../etc/passwd"],
    ["malicious/traversal_absolute.onnx", "/etc/shadow"],
    ["malicious/traversal_nested.onnx", "weights/../../../home/user/.ssh/id_rsa"],
    ["malicious/loop_constant_traversal.onnx", "../../../../proc/self/environ"],
  ])("%s: critical path traversal", async (rel, location) => {
    const r = await scanFile(rel);
    expect(r.format).toBe("onnx");
    const f = r.findings.find((x) => x.ruleId === "onnx/external-data-traversal");
    expect(f?.severity).toBe("critical");
    expect(f?.evidence?.location).toBe(location);
    expect(f?.cwe).toContain("CWE-22");
  });

  it("URL location: high, not treated as a local file", async () => {
    const r = await scanFile("malicious/url_location.onnx");
    expect(ids(r.findings)).toEqual(["onnx/external-data-suspicious"]);
    expect(r.findings[0]!.severity).toBe("high");
  });

  it("custom operator domain: high", async () => {
    const r = await scanFile("malicious/custom_domain.onnx");
    expect(ids(r.findings)).toEqual(["onnx/custom-domain"]);
    expect(r.findings[0]!.severity).toBe("high");
    expect(r.findings[0]!.evidence).toMatchObject({ domain: "com.evil.ops", ops: "EvilOp" });
  });

  it("raw_data shorter than dims × dtype: high size mismatch", async () => {
    const r = await scanFile("malicious/size_mismatch.onnx");
    expect(ids(r.findings)).toEqual(["onnx/tensor-size-mismatch"]);
    expect(r.findings[0]!.message).toMatch(/40 bytes.*128 bytes/);
  });

  it("unknown operator in the default domain: medium", async () => {
    const r = await scanFile("malicious/unknown_op.onnx");
    expect(ids(r.findings)).toEqual(["onnx/unknown-operator"]);
    expect(r.findings[0]!.severity).toBe("medium");
  });

  it("the baseline benign MLP passes the gate", async () => {
    const report = await scan([join(ROOT, "test/fixtures/baseline/onnx/mlp.onnx")], { digest: false }).catch(() => undefined);
    if (!report) return; // the baseline fixtures belong to another suite and may be absent
    expect(report.files[0]!.format).toBe("onnx");
    expect(report.files[0]!.findings.filter((f) => meetsGate(f.severity, "high"))).toEqual([]);
  });
});

describe("onnx analyzer on hand-built models", () => {
  it("checks tensors in training graphs, sparse initializers and attribute tensor lists", async () => {
    const buf = modelWith(
      (g) => {
        g.message(15, (s) => s.message(1, (t) => tensor(t, { name: "sv", dims: [2], external: { location: "/abs/values" } })));
        g.message(1, (n) => n.string(4, "Constant").message(5, (a) => a.string(1, "value").message(10, (t) => tensor(t, { name: "lt", dims: [1], external: { location: "../up" } }))));
      },
      (m) => m.message(20, (ti) => ti.message(2, (g) => g.message(5, (t) => tensor(t, { name: "tw", dims: [1], external: { location: "C:\\Windows\\win.ini" } })))),
    );
    const { findings, error } = await analyze(buf);
    expect(error).toBeUndefined();
    expect(findings.filter((f) => f.ruleId === "onnx/external-data-traversal").map((f) => f.evidence?.location).sort()).toEqual(["../up", "/abs/values", "C:\\Windows\\win.ini"]);
  });

  it("flags invalid offset/length and external data without a location", async () => {
    const buf = modelWith((g) => {
      g.message(5, (t) => tensor(t, { name: "a", dims: [2], external: { location: "w.bin", offset: "-5", length: "8" } }));
      g.message(5, (t) => tensor(t, { name: "b", dims: [2], external: { offset: "0" } }));
      g.message(5, (t) => tensor(t, { name: "c", dims: [2], external: { location: "w.bin", length: "12" } }));
    });
    const { findings } = await analyze(buf);
    const msgs = findings.map((f) => `${f.ruleId}: ${f.message}`);
    expect(msgs.some((m) => m.startsWith("onnx/external-data-suspicious") && m.includes("offset '-5'"))).toBe(true);
    expect(msgs.some((m) => m.startsWith("onnx/external-data-suspicious") && m.includes("no location"))).toBe(true);
    expect(msgs.some((m) => m.startsWith("onnx/tensor-size-mismatch") && m.includes("external length 12"))).toBe(true);
    expect(ids(findings)).toContain("onnx/external-data");
  });

  it("accepts nodes whose domain names a model-local function, rejects other ops of that domain", async () => {
    const fn = (f: ProtoWriter) => f.string(1, "Helper").string(10, "my.funcs").message(7, (n) => n.string(4, "Relu"));
    const ok = modelWith((g) => g.message(1, (n) => n.string(4, "Helper").string(7, "my.funcs")), (m) => m.message(25, fn));
    expect((await analyze(ok)).findings).toEqual([]);
    const bad = modelWith((g) => g.message(1, (n) => n.string(4, "Other").string(7, "my.funcs")), (m) => m.message(25, fn));
    expect(ids((await analyze(bad)).findings)).toEqual(["onnx/custom-domain"]);
  });

  it("reports custom ops inside model-local function bodies", async () => {
    const buf = modelWith(
      (g) => g.message(1, (n) => n.string(4, "Relu")),
      (m) => m.message(25, (f) => f.string(1, "F").string(10, "my.funcs").message(7, (n) => n.string(4, "Shell").string(7, "evil.native"))),
    );
    const { findings } = await analyze(buf);
    expect(ids(findings)).toEqual(["onnx/custom-domain"]);
    expect(findings[0]!.evidence?.domain).toBe("evil.native");
  });

  it("limits subgraph nesting", async () => {
    let graph = (g: ProtoWriter): void => void g.message(1, (n) => n.string(4, "Relu"));
    for (let i = 0; i < MAX_GRAPH_NESTING + 2; i++) {
      const inner = graph;
      graph = (g) => void g.message(1, (n) => n.string(4, "If").message(5, (a) => a.string(1, "then_branch").message(6, inner)));
    }
    const { error } = await analyze(modelWith(graph));
    expect(error).toBeInstanceOf(LimitError);
  });

  it("keeps findings made before a parse error", async () => {
    const good = modelWith((g) => {
      g.message(5, (t) => tensor(t, { name: "a", dims: [2], external: { location: "/etc/passwd" } }));
      g.message(1, (n) => n.string(4, "X").string(7, "evil"));
      g.message(5, (t) => tensor(t, { name: "b", dims: [2], raw: 8 }));
    });
    const cut = good.subarray(0, good.length - 20);
    const { findings, error } = await analyze(cut);
    expect(error).toBeInstanceOf(MalformedError);
    expect(ids(findings)).toEqual(["onnx/custom-domain", "onnx/external-data-traversal"]);
  });

  it("caps per-rule findings and summarises the rest", async () => {
    const buf = modelWith((g) => {
      for (let i = 0; i < 30; i++) g.message(5, (t) => tensor(t, { name: `t${i}`, dims: [4], raw: 3 }));
    });
    const { findings } = await analyze(buf);
    expect(findings.filter((f) => f.ruleId === "onnx/tensor-size-mismatch")).toHaveLength(21);
    expect(findings.at(-1)!.message).toMatch(/^10 more/);
  });
});

describe("onnx analyzer reads headers, not weights", () => {
  it("a model with a 64 MiB initializer costs a few KiB of reads", async () => {
    const big = 64 * 1024 * 1024;
    const buf = modelWith((g) => {
      g.message(1, (n) => n.string(4, "Relu"));
      g.message(5, (t) => tensor(t, { name: "w", dims: [big / 4], raw: big }));
    });
    const source = createBufferSource(buf);
    const findings: Finding[] = [];
    await onnxAnalyzer.analyze(
      { path: "m.onnx", name: "m.onnx", depth: 0, source },
      {
        limits: DEFAULT_LIMITS,
        report: (id, input) => {
          const f = createFinding(id, "m.onnx", undefined, input);
          findings.push(f);
          return f;
        },
        scanMember: async () => {},
        setFormat: () => {},
        chargeDecompressed: () => {},
        checkDeadline: () => {},
      },
    );
    expect(findings).toEqual([]);
    expect(source.counter.bytesRead).toBeLessThan(64 * 1024);
  });

  it("detects the real fixtures from their bytes, whatever their name", async () => {
    const { looksLikeOnnx } = await import("./sniff.js");
    const bytes = readFileSync(join(FIX, "benign/torch_export.onnx"));
    expect(looksLikeOnnx(bytes, bytes.length, "weights.bin")).toBe(true);
  });
});
