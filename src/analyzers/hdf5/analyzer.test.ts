import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { LimitError, MalformedError, ModelgateError } from "../../core/errors.js";
import type { Finding } from "../../core/finding.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { meetsGate } from "../../core/severity.js";
import { createBufferSource, openFileSource, type ByteSource } from "../../core/source.js";
import type { VirtualFile } from "../../core/virtual-file.js";
import { getRule } from "../../rules/catalog.js";
import type { AnalyzerContext } from "../analyzer.js";
import { createHdf5Analyzer, externalPathSeverity } from "./analyzer.js";
import { createHdf5WorkerPool } from "./worker-pool.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = join(ROOT, "test/fixtures/hdf5");
const CORPUS_KERAS = join(ROOT, "../shared/corpus/modelaudit/tests/assets/samples/keras");

const pool = createHdf5WorkerPool({ maxWorkers: 1 });
afterAll(() => pool.close());
const analyzer = createHdf5Analyzer({ pool });

interface Outcome {
  findings: Finding[];
  members: VirtualFile[];
  error?: unknown;
}

async function analyzeSource(source: ByteSource, path = "model.h5", deadline = Infinity): Promise<Outcome> {
  const findings: Finding[] = [];
  const members: VirtualFile[] = [];
  const file: VirtualFile = { path, name: path, depth: 0, source };
  const ctx: AnalyzerContext = {
    limits: DEFAULT_LIMITS,
    report: (ruleId, input) => {
      // Like scan.ts createFinding (not imported: the scan pulls in every analyzer).
      const rule = getRule(ruleId);
      const f: Finding = { ruleId, severity: input.severity ?? rule.severity, title: rule.title, message: input.message, location: { path }, cwe: rule.cwe, atlas: rule.atlas, owasp: rule.owasp, remediation: rule.remediation };
      if (input.evidence) f.evidence = input.evidence;
      findings.push(f);
      return f;
    },
    scanMember: async (m) => {
      members.push(m);
    },
    setFormat: () => undefined,
    chargeDecompressed: () => undefined,
    checkDeadline: () => {
      if (Date.now() > deadline) throw new LimitError("timeoutMs", 1, 0, "scan took too long");
    },
  };
  try {
    await analyzer.analyze(file, ctx);
    return { findings, members };
  } catch (error) {
    return { findings, members, error };
  }
}

async function analyzeFile(path: string): Promise<Outcome> {
  const source = await openFileSource(path);
  try {
    return await analyzeSource(source, path);
  } finally {
    await source.close();
  }
}

const fixture = (name: string): string => join(FIXTURES, name);
const rules = (o: Outcome): string[] => [...new Set(o.findings.map((f) => f.ruleId))].sort();
const gated = (o: Outcome): Finding[] => o.findings.filter((f) => meetsGate(f.severity, "high"));

describe("hdf5 analyzer on h5py-written fixtures", () => {
  it("keras2_sequential.h5 (benign Keras 2 model with weights): only the version note", async () => {
    const o = await analyzeFile(fixture("keras2_sequential.h5"));
    expect(o.error).toBeUndefined();
    expect(rules(o)).toEqual(["keras/version"]);
    expect(o.findings[0]!.evidence).toMatchObject({ keras_version: "2.11.0", backend: "tensorflow" });
  });

  it("keras2_functional_tfop.h5: TFOpLambda math ops are a note, nothing at medium or above", async () => {
    const o = await analyzeFile(fixture("keras2_functional_tfop.h5"));
    expect(o.error).toBeUndefined();
    expect(rules(o)).toEqual(["keras/tf-op-lambda", "keras/version"]);
    expect(o.findings.find((f) => f.ruleId === "keras/tf-op-lambda")!.message).toContain("tf.math.add");
  });

  it("keras2_lambda.h5: the Lambda bytecode in model_config is critical", async () => {
    const o = await analyzeFile(fixture("keras2_lambda.h5"));
    expect(o.error).toBeUndefined();
    const lambda = o.findings.filter((f) => f.ruleId === "keras/lambda-layer");
    expect(lambda).toHaveLength(1);
    expect(lambda[0]!.severity).toBe("critical");
    expect(lambda[0]!.evidence).toMatchObject({ where: "model_config attribute", format: "keras2", code_form: "marshal" });
    expect(String(lambda[0]!.evidence!.code_names)).toContain("system");
  });

  it("keras3_legacy_injection.h5: a Keras 3 config in .h5 with module subprocess is module injection", async () => {
    const o = await analyzeFile(fixture("keras3_legacy_injection.h5"));
    expect(o.findings.find((f) => f.ruleId === "keras/module-injection")?.severity).toBe("critical");
  });

  it("plain_data.h5 (no Keras attributes, chunked + soft link): clean", async () => {
    const o = await analyzeFile(fixture("plain_data.h5"));
    expect(o.error).toBeUndefined();
    expect(o.findings).toEqual([]);
  });

  it("external_link.h5: the link to an absolute path outside is high", async () => {
    const o = await analyzeFile(fixture("external_link.h5"));
    expect(o.error).toBeUndefined();
    expect(rules(o)).toEqual(["hdf5/external-link"]);
    expect(o.findings[0]).toMatchObject({ severity: "high", evidence: { object: "/model_weights", file: "/etc/modelgate/other.h5", target: "/model_weights" } });
  });

  it("external_storage.h5: external storage and virtual sources are reported", async () => {
    const o = await analyzeFile(fixture("external_storage.h5"));
    expect(o.error).toBeUndefined();
    const ext = o.findings.filter((f) => f.ruleId === "hdf5/external-storage");
    expect(ext.map((f) => [f.evidence?.kind, f.evidence?.file, f.severity]).sort()).toEqual([
      ["external", "/etc/passwd", "high"],
      ["virtual", "../shared/weights.h5", "high"],
    ]);
  });

  it("pickled_attr.h5: pickles held in attributes are handed to the scan as members", async () => {
    const o = await analyzeFile(fixture("pickled_attr.h5"));
    expect(o.error).toBeUndefined();
    expect(o.members.map((m) => m.member).sort()).toEqual(["df/@info", "df/@non_index_axes", "meta/@state"]);
    const read = async (member: string): Promise<string> => {
      const m = o.members.find((x) => x.member === member)!;
      return (await m.source.read(0, m.source.size)).toString("latin1");
    };
    expect((await read("meta/@state")).slice(0, 2)).toBe("\x80\x04");
    expect(await read("df/@info")).toBe("cos\nsystem\n(S'echo pwned'\ntR.");
  });

  it("pytables_objects.h5: each pickled row of an ObjectAtom dataset is handed to the scan", async () => {
    const o = await analyzeFile(fixture("pytables_objects.h5"));
    expect(o.error).toBeUndefined();
    expect(o.members.map((m) => m.member)).toEqual(["objects[0]", "objects[1]"]);
    const evil = o.members[1]!;
    expect((await evil.source.read(0, evil.source.size)).toString("latin1")).toContain("system");
  });

  it("reads lazily: a large file costs only the pages HDF5 touches", async () => {
    // keras2_sequential.h5 followed by 256 MiB of zeros HDF5 never looks at.
    const base = readFileSync(fixture("keras2_sequential.h5"));
    let served = 0;
    const size = base.length + 256 * 1024 * 1024;
    const source: ByteSource = {
      size,
      counter: { bytesRead: 0 },
      async read(offset, length) {
        const end = Math.min(size, offset + length);
        const out = Buffer.alloc(Math.max(0, end - offset));
        if (offset < base.length) base.copy(out, 0, offset, Math.min(base.length, end));
        served += out.length;
        return out;
      },
    };
    const o = await analyzeSource(source);
    expect(o.error).toBeUndefined();
    expect(rules(o)).toEqual(["keras/version"]);
    expect(served).toBeLessThan(4 * 1024 * 1024);
  });
});

describe("hdf5 analyzer on broken input", () => {
  it("a file that is not HDF5 beyond its signature is unparseable (MalformedError)", async () => {
    const junk = Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 0x41)]);
    const o = await analyzeSource(createBufferSource(junk));
    expect(o.error).toBeInstanceOf(MalformedError);
    expect((o.error as Error).message).toMatch(/not a readable HDF5 file/);
  });

  it("a truncated model is not verified (HDF5 checks the end-of-file address)", async () => {
    const full = readFileSync(fixture("keras2_lambda.h5"));
    const o = await analyzeSource(createBufferSource(full.subarray(0, 4096)));
    expect(o.error).toBeInstanceOf(MalformedError);
    expect((o.error as Error).message).toMatch(/truncated/);
  });

  it("a model_config that is not JSON is reported as unparseable (high)", async () => {
    const o = await analyzeFile(fixture("broken_config.h5"));
    expect(o.error).toBeUndefined();
    const f = o.findings.find((x) => x.ruleId === "scanner/unparseable");
    expect(f?.severity).toBe("high");
    expect(f?.message).toContain("model_config attribute is not valid JSON");
  });

  it("a read error from the source is not verified", async () => {
    const base = readFileSync(fixture("keras2_sequential.h5"));
    const source: ByteSource = {
      size: base.length,
      counter: { bytesRead: 0 },
      async read() {
        throw new Error("disk on fire");
      },
    };
    const o = await analyzeSource(source);
    expect(o.error).toBeInstanceOf(ModelgateError);
  });

  it("the deadline stops the job with a LimitError", async () => {
    const base = readFileSync(fixture("keras2_sequential.h5"));
    const source: ByteSource = {
      size: base.length,
      counter: { bytesRead: 0 },
      read: (offset, length) => new Promise((resolve) => setTimeout(() => resolve(base.subarray(offset, offset + length)), 400)),
    };
    const o = await analyzeSource(source, "slow.h5", Date.now() + 150);
    expect(o.error).toBeInstanceOf(LimitError);
    // The pool recovers: the next file is analysed by a fresh worker.
    const next = await analyzeFile(fixture("plain_data.h5"));
    expect(next.error).toBeUndefined();
  });
});

describe("externalPathSeverity", () => {
  it.each([
    ["weights.h5", "medium"],
    ["sub/weights.h5", "medium"],
    ["/etc/passwd", "high"],
    ["../x.h5", "high"],
    ["C:\\x.h5", "high"],
    ["https://example.com/x.h5", "high"],
    ["~/.ssh/id_rsa", "high"],
  ])("%s → %s", (file, severity) => {
    expect(externalPathSeverity(file)).toBe(severity);
  });
});

describe.skipIf(!existsSync(CORPUS_KERAS))("hdf5 analyzer on the ModelAudit corpus samples", () => {
  it("safe_model.h5 (benign): nothing at high or above", async () => {
    const o = await analyzeFile(join(CORPUS_KERAS, "safe_model.h5"));
    expect(o.error).toBeUndefined();
    expect(gated(o)).toEqual([]);
  });

  it("malicious_lambda.h5 (malicious): a critical Lambda finding", async () => {
    const o = await analyzeFile(join(CORPUS_KERAS, "malicious_lambda.h5"));
    expect(o.error).toBeUndefined();
    const lambda = o.findings.find((f) => f.ruleId === "keras/lambda-layer");
    expect(lambda?.severity).toBe("critical");
    expect(lambda?.evidence).toMatchObject({ code_form: "source" });
    expect(String(lambda?.evidence?.preview)).toContain("eval(");
  });
});
