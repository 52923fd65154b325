/**
 * Real files through scan(): the benign fixtures written by test/fixtures/pickle/generate.py, and every
 * pickle-family file of the labelled corpus in ../shared/corpus (skipped when it is not there).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { FileReport } from "../../core/report.js";
import { meetsGate } from "../../core/severity.js";
import { scan } from "../../scan/scan.js";
import { pickle } from "./testing/assembler.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = join(ROOT, "test/fixtures/pickle");
const CORPUS = resolve(ROOT, "../shared/corpus");

async function scanOne(path: string): Promise<FileReport[]> {
  const report = await scan([path], { digest: false, concurrency: 1 });
  return report.files;
}

const gateFindings = (files: FileReport[]): string[] =>
  files.flatMap((f) => f.findings.filter((x) => meetsGate(x.severity, "high")).map((x) => `${x.ruleId}: ${x.message}`));
const ruleIds = (files: FileReport[]): string[] => files.flatMap((f) => f.findings.map((x) => x.ruleId));

describe("generated benign fixtures", () => {
  const files = readdirSync(FIXTURES).filter((f) => !f.endsWith(".py") && !f.endsWith(".md"));

  it("are all there", () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it.each(files)("%s: nothing at or above high, and the right format", async (name) => {
    const reports = await scanOne(join(FIXTURES, name));
    expect(gateFindings(reports)).toEqual([]);
    const format = reports[0]!.format;
    if (name.endsWith(".joblib")) expect(format).toBe("joblib");
    else if (name.endsWith("_legacy.pt")) expect(format).toBe("pytorch-legacy");
    else if (name.endsWith(".npy")) expect(format).toBe("numpy");
    else expect(format).toBe("pickle");
    const ids = ruleIds(reports);
    if (name.startsWith("object_") || name === "structured_object.npy") expect(ids).toEqual(["numpy/object-array"]);
    else if (name === "torch_tensor_plain.pkl") expect(ids).toEqual(["pickle/verified-nested-loader"]);
    else expect(ids).toEqual([]);
  });
});

interface CorpusRow {
  path: string;
  label: string;
  format: string;
}

function corpusRows(): CorpusRow[] {
  if (!existsSync(CORPUS)) return [];
  const rows: CorpusRow[] = [];
  for (const source of readdirSync(CORPUS).sort()) {
    const labels = join(CORPUS, source, "LABELS.tsv");
    if (!existsSync(labels)) continue;
    for (const line of readFileSync(labels, "utf8").trim().split("\n").slice(1)) {
      const [path, label, format] = line.split("\t");
      if (path && label && format && /^(pickle|npy|pytorch-legacy)/.test(format)) rows.push({ path: join(CORPUS, source, path), label, format });
    }
  }
  return rows;
}

describe.skipIf(!existsSync(CORPUS))("labelled corpus, pickle family", () => {
  const rows = corpusRows();

  it("has the pickle-family files", () => {
    expect(rows.length).toBeGreaterThan(100);
  });

  it.each(rows.map((r) => [r.path.slice(CORPUS.length + 1), r] as const))("%s", async (_name, row) => {
    const reports = await scanOne(row.path);
    const flagged = gateFindings(reports);
    if (row.label === "malicious") expect(flagged.length, ruleIds(reports).join(", ")).toBeGreaterThan(0);
    else expect(flagged).toEqual([]);
  });

  const expectRules = (rel: string, expected: string[]): void => {
    it.skipIf(!existsSync(join(CORPUS, rel)))(`${rel} → ${expected.join(", ")}`, async () => {
      const ids = ruleIds(await scanOne(join(CORPUS, rel)));
      for (const id of expected) expect(ids).toContain(id);
    });
  };
  expectRules("picklescan/tests/data/sys_module_override_sploit.pkl", ["pickle/module-attribute-overwrite", "pickle/non-string-global-operand", "pickle/dangerous-global"]);
  expectRules("picklescan/tests/data2/type-confusion-exploit.pkl", ["pickle/non-string-global-operand", "pickle/dangerous-global", "scanner/unparseable"]);
  expectRules("picklescan/tests/data2/keyerror-exploit.pkl", ["pickle/dangerous-global", "scanner/unparseable"]);
  expectRules("picklescan/tests/data/malicious-invalid-bytes.pkl", ["pickle/dangerous-global", "pickle/trailing-data"]);
  expectRules("modelaudit/tests/assets/samples/pickles/nested_pickle_multistage.pkl", ["pickle/nested-pickle"]);
  expectRules("modelaudit/tests/assets/samples/pickles/nested_pickle_hex.pkl", ["pickle/nested-pickle"]);
  expectRules("picklescan/tests/data2/dns_exfiltration.npy", ["numpy/object-array", "pickle/dangerous-global"]);

  it.skipIf(!existsSync(join(CORPUS, "picklescan/tests/data/not_a_pickle.bin")))("not_a_pickle.bin is not taken for a pickle", async () => {
    const reports = await scanOne(join(CORPUS, "picklescan/tests/data/not_a_pickle.bin"));
    expect(reports[0]!.format).not.toBe("pickle");
    expect(gateFindings(reports)).toEqual([]);
  });

  it.skipIf(!existsSync(join(CORPUS, "picklescan/tests/data/pytorch_model.bin")))("pytorch_model.bin is a clean legacy checkpoint", async () => {
    const reports = await scanOne(join(CORPUS, "picklescan/tests/data/pytorch_model.bin"));
    expect(reports[0]!.format).toBe("pytorch-legacy");
    expect(ruleIds(reports)).toEqual([]);
  });

  it.skipIf(!existsSync(join(CORPUS, "modelaudit/tests/assets/samples/pickles/simple_nested.pkl")))(
    "plain-data nested pickles and base64-looking strings are not findings",
    async () => {
      for (const rel of ["simple_nested.pkl", "safe_model_with_encoding.pkl"]) {
        expect(ruleIds(await scanOne(join(CORPUS, "modelaudit/tests/assets/samples/pickles", rel)))).toEqual([]);
      }
    },
  );
});

describe("hostile inputs through scan(): limits and unparseable content become findings", () => {
  const dir = mkdtempSync(join(tmpdir(), "modelgate-pickle-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const findings = async (path: string, limits = {}): Promise<string[]> =>
    (await scan([path], { digest: false, limits })).files.flatMap((f) => f.findings.map((x) => `${x.ruleId}:${x.severity}`));

  it("more memo entries than the limit is a low note, not a failure to verify", async () => {
    const body = Buffer.alloc(2 * 300_000);
    for (let i = 0; i < 300_000; i++) body.set([0x4e, 0x94], 2 * i);
    const path = write("memo.pkl", Buffer.concat([Buffer.from([0x80, 0x04]), body, Buffer.from(".")]));
    expect(await findings(path, { maxPickleMemo: 100_000 })).toEqual(["pickle/memo-overflow:low"]);
  });

  it("200k nested MARK/LIST gives scanner/limit-exceeded (high) with the default limits", async () => {
    const path = write("marks.pkl", Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.alloc(200_000, 0x28), Buffer.alloc(200_000, 0x6c), Buffer.from(".")]));
    expect(await findings(path)).toEqual(["scanner/limit-exceeded:high"]);
  });

  it("a BINUNICODE length larger than the file gives scanner/unparseable (high)", async () => {
    const path = write("len.pkl", pickle(4).raw(0x58, Buffer.from([0xff, 0xff, 0xff, 0x7f]), "tiny").done());
    expect(await findings(path)).toEqual(["scanner/unparseable:high"]);
  });

  it("a payload before a missing memo key is reported, then scanner/unparseable", async () => {
    const path = write("keyerror.pkl", pickle(4).global("os", "system").str("id").tuple1().reduce().pop().binget(3).stop().done());
    expect(await findings(path)).toEqual(["pickle/dangerous-global:critical", "scanner/unparseable:high"]);
  });
});
