/**
 * Benign baseline: real files written by the real libraries (test/fixtures/baseline/generate.py, see its
 * PROVENANCE.md). modelgate must not fail any of them, must recognise each one's format, and may only
 * report the `medium` findings listed here (a user's own class rebuilt by pickle).
 */
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Finding } from "../src/core/finding.js";
import type { FormatId } from "../src/core/format.js";
import type { FileReport } from "../src/core/report.js";
import { meetsGate } from "../src/core/severity.js";
import { scan } from "../src/scan/scan.js";

const BASELINE = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "baseline");

interface Expectation {
  /** Format of the file itself (report.files[0].format). */
  format: FormatId;
  /** Formats that must appear among the members the container analyzer handed back to the scan. */
  members?: FormatId[];
  /** Exact rule ids (sorted, distinct) of the `medium` findings; default none. */
  medium?: string[];
  /** Names the medium findings must mention (the user class they are about). */
  mentions?: string[];
}

/** A pickled reference to a class defined by the user (`__main__.TinyNet`): rebuilt without running code. */
const USER_CLASS_RULE = "pickle/unknown-global-rebuilt";

const SKLEARN_MODELS = ["logreg", "random_forest", "pipeline_svc", "gbr", "kmeans", "tfidf"] as const;
/** joblib.dump(compress=…) writes one compressed stream holding the joblib pickle. */
const JOBLIB_STREAMS: ReadonlyArray<[ext: string, format: FormatId]> = [
  ["zlib", "zlib"],
  ["gzip", "gzip"],
  ["bz2", "bzip2"],
  ["xz", "xz"],
  ["lzma", "lzma"],
];

const EXPECTED: Record<string, Expectation> = {
  // Zip checkpoints: data.pkl must come back as a pickle member (it is what torch.load unpickles).
  "pytorch/state_dict.pt": { format: "pytorch-zip", members: ["pickle"] },
  "pytorch/state_dict_legacy.pt": { format: "pytorch-legacy" },
  "pytorch/whole_module.pt": { format: "pytorch-zip", members: ["pickle"], medium: [USER_CLASS_RULE], mentions: ["__main__.TinyNet"] },
  "pytorch/optimizer_state.pt": { format: "pytorch-zip", members: ["pickle"] },
  "pytorch/torchscript_scripted.pt": { format: "torchscript", members: ["pickle"] },
  "pytorch/torchscript_traced.pt": { format: "torchscript", members: ["pickle"] },
  "pytorch/tensor_dtypes.pt": { format: "pytorch-zip", members: ["pickle"] },
  "pytorch/nested_tensors.pt": { format: "pytorch-zip", members: ["pickle"] },

  "numpy/numeric.npy": { format: "numpy" },
  "numpy/object_array.npy": { format: "numpy" },
  "numpy/arrays.npz": { format: "npz", members: ["numpy"] },
  "numpy/arrays_compressed.npz": { format: "npz", members: ["numpy"] },

  "xgboost/xgb_classifier.pkl": { format: "pickle" },
  "xgboost/xgb_model.json": { format: "json" },
  // Universal Binary JSON: plain data that no analyzer claims (an info note at most).
  "xgboost/xgb_model.ubj": { format: "unknown" },

  "pandas/dataframe.pkl": { format: "pickle" },
  "pandas/dataframe.pkl.gz": { format: "gzip", members: ["pickle"] },
  "pandas/dataframe.pkl.bz2": { format: "bzip2", members: ["pickle"] },
  "pandas/dataframe.pkl.xz": { format: "xz", members: ["pickle"] },
  "pandas/dataframe.pkl.zip": { format: "zip", members: ["pickle"] },

  "scipy/csr.pkl": { format: "pickle" },
  "scipy/csc.pkl": { format: "pickle" },
  "scipy/csr.npz": { format: "npz", members: ["numpy"] },
  "scipy/csc.npz": { format: "npz", members: ["numpy"] },

  "onnx/mlp.onnx": { format: "onnx" },
  "hdf5/data.h5": { format: "hdf5" },
  "safetensors/tiny.safetensors": { format: "safetensors" },
};
for (const model of SKLEARN_MODELS) {
  for (const proto of [2, 4, 5]) EXPECTED[`sklearn/${model}.p${proto}.pkl`] = { format: "pickle" };
  EXPECTED[`sklearn/${model}.joblib`] = { format: "joblib" };
  for (const [ext, format] of JOBLIB_STREAMS) EXPECTED[`sklearn/${model}.joblib.${ext}`] = { format, members: ["joblib"] };
}

/** Files the generator wrote (everything but the generator and its provenance note). */
function baselineFiles(dir = BASELINE): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...baselineFiles(full));
    else if (name !== "generate.py" && name !== "PROVENANCE.md") out.push(relative(BASELINE, full).split("\\").join("/"));
  }
  return out;
}

function describeFinding(f: Finding): string {
  const where = f.location.member ? `${f.location.path} [${f.location.member}]` : f.location.path;
  return `${f.severity} ${f.ruleId} at ${relative(BASELINE, where)}: ${f.message}`;
}

describe("benign baseline (real files from real libraries)", () => {
  it("has an expectation for every generated file and a file for every expectation", () => {
    expect(baselineFiles()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file} → ${want.format}${want.members ? ` (${want.members.join(", ")} inside)` : ""}, nothing ≥ high`, async () => {
      const path = join(BASELINE, file);
      const report = await scan([path]);
      const findings = report.files.flatMap((f) => f.findings);

      // Soft assertions: a failure lists the format, the blocking findings and the mediums together.
      const top = report.files[0] as FileReport;
      expect(top.path).toBe(path);
      expect.soft(top.format, "format of the file").toBe(want.format);
      if (want.members) {
        const memberFormats = [...new Set(report.files.filter((f) => f.container !== undefined).map((f) => f.format))];
        for (const m of want.members) expect.soft(memberFormats, "formats of the members").toContain(m);
      }

      // The verdict a user relies on: a benign file from a real library passes the default gate.
      const blocking = findings.filter((f) => meetsGate(f.severity, "high")).map(describeFinding);
      expect.soft(blocking, `findings ≥ high:\n${blocking.join("\n")}\n`).toEqual([]);
      expect.soft(report.summary.failed, "summary.failed").toBe(false);

      // Only the medium findings we expect (user classes), with their exact rule ids.
      const medium = [...new Set(findings.filter((f) => f.severity === "medium").map((f) => f.ruleId))].sort();
      expect.soft(medium, `rule ids of medium findings; all findings:\n${findings.map(describeFinding).join("\n")}\n`).toEqual(
        want.medium ?? [],
      );
      const mediumText = findings.filter((f) => f.severity === "medium").map((f) => f.message).join("\n");
      for (const name of want.mentions ?? []) expect.soft(mediumText, "medium findings name the user class").toContain(name);
    });
  }
});
