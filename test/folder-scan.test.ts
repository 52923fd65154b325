import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scan } from "../src/scan/scan.js";
import { validateReport } from "./helpers/schema.js";

describe("scanning a Hugging Face model folder", () => {
  it("summarises the folder and flags the custom code auto_map makes a loader run", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "modelgate-hf-")), "my-model");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({ model_type: "mymodel", architectures: ["MyModel"], auto_map: { AutoModel: "modeling_my.MyModel" } }),
    );
    writeFileSync(join(dir, "modeling_my.py"), "import os\nclass MyModel:\n    pass\n");
    const report = await scan([dir], { digest: false });
    expect(validateReport(JSON.parse(JSON.stringify(report)))).toEqual([]);
    expect(report.folders).toHaveLength(1);
    expect(report.folders[0]!.kind).toBe("huggingface");
    expect(report.folders[0]!.loaderFiles).toEqual(expect.arrayContaining(["config.json", "modeling_my.py"]));
    const py = report.files.find((f) => f.path === join(dir, "modeling_my.py"))!;
    expect(py.findings.map((f) => f.ruleId)).toContain("hf/custom-code-file");
    expect(report.summary.failed).toBe(true);
  });

  it("reads the folder the same however its path is written (`./m/`, `m//`, `.`, a nested folder)", async () => {
    const root = mkdtempSync(join(tmpdir(), "modelgate-hf-paths-"));
    const dir = join(root, "m");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "x", auto_map: { AutoModel: "modeling_x.XModel" } }));
    writeFileSync(join(dir, "modeling_x.py"), "import os\nos.system('id')\n");
    writeFileSync(join(dir, "sub", "notes.txt"), "hello\n");
    const cwd = process.cwd();
    process.chdir(root);
    try {
      for (const [arg, base] of [["./m/", "m"], ["m//", "m"], ["m", "m"]] as const) {
        const report = await scan([arg], { digest: false });
        expect(report.folders[0], arg).toMatchObject({ path: arg, kind: "huggingface" });
        const py = report.files.find((f) => f.path === join(base, "modeling_x.py"));
        expect(py?.findings.map((f) => f.ruleId), arg).toContain("hf/custom-code-file");
      }
      process.chdir(dir);
      const report = await scan(["."], { digest: false });
      expect(report.folders[0]).toMatchObject({ path: ".", kind: "huggingface" });
      expect(report.files.find((f) => f.path === "modeling_x.py")?.findings.map((f) => f.ruleId)).toContain("hf/custom-code-file");
    } finally {
      process.chdir(cwd);
    }
  });

  it("a plain folder of data is no model folder and has no folder findings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-plain-"));
    writeFileSync(join(dir, "notes.txt"), "hello\n");
    const report = await scan([dir], { digest: false });
    expect(report.folders[0]!.kind).toBe("unknown");
    expect(report.summary.failed).toBe(false);
  });
});
