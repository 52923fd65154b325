import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { audit } from "../src/deps/index.js";
import { buildZip } from "./fixtures/archive/zip-builder.js";

const OSV = new URL("../../shared/osv", import.meta.url).pathname;
const FIXTURE = new URL("./fixtures/deps-audit/requirements-ml-old.txt", import.meta.url).pathname;
const schema = JSON.parse(readFileSync(new URL("../schemas/audit-report.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: false }).compile(schema);

/**
 * Expected finding ids for test/fixtures/deps-audit/requirements-ml-old.txt against ../shared/osv (pypa advisory
 * database snapshot 3ccb6125). Derived independently of modelgate's matcher by
 * test/fixtures/deps-audit/expected-ids.py (PyYAML BaseLoader + pypa/packaging + the OSV schema's evaluation
 * algorithm, written from the spec), run with Debian's python3; spot-checked by hand: torch 1.13.0 < 1.13.1
 * (PYSEC-2022-43015), numpy 1.16.0 < 1.16.1 / 1.19.0 / 1.19.1 (three; PYSEC-2017-1 fixed 1.13.3 and the 1.9.x-only
 * ones do not apply), gradio 3.13.0 is fixed for PYSEC-2021-873/2022-229 but not 3.13.1+ ones, keras,
 * transformers and pillow have no records in the snapshot. Ids are GHSA when a record's aliases name one.
 */
const EXPECTED: Record<string, string[]> = {
  "gradio": ["GHSA-3qqg-pgqq-3695", "GHSA-3x5j-9vwr-8rr5", "GHSA-6qm2-wpxq-7qh2", "PYSEC-2023-255"],
  "joblib": ["PYSEC-2022-288"],
  "langchain": ["PYSEC-2023-109", "PYSEC-2023-110", "PYSEC-2023-138", "PYSEC-2023-145", "PYSEC-2023-146", "PYSEC-2023-147", "PYSEC-2023-162", "PYSEC-2023-205", "PYSEC-2023-91", "PYSEC-2023-92", "PYSEC-2023-98", "PYSEC-2024-43"],
  "llama-index": ["PYSEC-2023-148", "PYSEC-2024-12"],
  "mlflow": ["PYSEC-2023-252", "PYSEC-2023-253", "PYSEC-2023-260", "PYSEC-2023-28", "PYSEC-2023-29", "PYSEC-2023-68", "PYSEC-2023-69", "PYSEC-2024-51"],
  "numpy": ["GHSA-5545-2q6w-2gh6", "GHSA-f7c7-j99h-c22f", "PYSEC-2019-108"],
  "onnx": ["PYSEC-2023-38"],
  "pytorch-lightning": ["GHSA-2vj5-px25-gjrp", "GHSA-r5qj-cvf9-p85h"],
  "scikit-learn": ["PYSEC-2020-107", "PYSEC-2020-108"],
  "tensorflow": ["GHSA-2p25-55c9-h58q", "GHSA-374m-jm66-3vj8", "GHSA-3ff2-r28g-w7h9", "GHSA-3rcw-9p9x-582v", "GHSA-49rx-x2rw-pc6f", "GHSA-4f99-p9c2-3j8x", "GHSA-57wx-m983-2f88", "GHSA-5crj-c72x-m7gq", "GHSA-5hx2-qx8j-qjqm", "GHSA-6hpv-v2rx-c5g6", "GHSA-786j-5qwq-r36x", "GHSA-7pxj-m4jf-r6h2", "GHSA-7r94-xv9v-63jw", "GHSA-7v94-64hj-m82h", "GHSA-9crf-c6qr-r273", "GHSA-cpf4-wx82-gxp6", "GHSA-cq76-mxrc-vchh", "GHSA-cqv6-3phm-hcwx", "GHSA-cvgx-3v3q-m36c", "GHSA-f54p-f6jp-4rhr", "GHSA-fr77-rrx3-cp7g", "GHSA-gh8h-7j2j-qv4f", "GHSA-gpfh-jvf9-7wg5", "GHSA-h67m-xg8f-fxcf", "GHSA-j86v-p27c-73fm", "GHSA-j8c8-67vp-6mx7", "GHSA-m342-ff57-4jcc", "GHSA-m539-j985-hcr8", "GHSA-pgcq-h79j-2f69", "GHSA-prcg-wp5q-rv7p", "GHSA-rg3m-hqc5-344v", "GHSA-vwhq-49r4-gj9v", "GHSA-x3v8-c8qx-3j3r", "GHSA-xrqm-fpgr-6hhx"],
  "torch": ["PYSEC-2022-43015"],
};

describe.skipIf(!existsSync(OSV))("acceptance: old ML stack against ../shared/osv", () => {
  it("reports exactly the hand-checked advisory ids, one per CVE", async () => {
    const r = await audit([FIXTURE], { db: OSV });
    const got: Record<string, string[]> = {};
    for (const v of r.vulnerabilities) (got[v.package] ??= []).push(v.id);
    for (const k of Object.keys(got)) got[k]!.sort();
    expect(got).toEqual(EXPECTED);
    // One finding per advisory group and dependency: no id twice for a package.
    for (const ids of Object.values(got)) expect(new Set(ids).size).toBe(ids.length);
    expect(r.summary).toMatchObject({ files: 1, dependencies: 14, vulnerable: 11, vulnerabilities: 70, incomplete: false, failed: true });
    expect(r.advice.map((a) => a.id).sort()).toEqual([
      "gradio-file-read",
      "joblib-pre-dispatch-eval",
      "langchain-code-execution",
      "mlflow-model-deserialization",
      "mlflow-server-file-access",
      "numpy-load-allow-pickle-default",
      "torch-load-weights-only-bypass",
      "transformers-deserialization-4.36",
      "transformers-deserialization-4.48",
      "transformers-tf-checkpoint-pickle",
    ]);
    expect(r.database).toMatchObject({ kind: "offline", ageFrom: "records", records: 887, stale: true });
    expect(validate(JSON.parse(JSON.stringify(r)))).toBe(true);
  });
});

describe("modelgate audit / db (CLI)", () => {
  let out = "";
  let err = "";
  beforeEach(() => {
    out = "";
    err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  // Modified yesterday unless told: the database is as old as its newest record, not as its import.
  const record = (id: string, pkg: string, fixed: string, modified = new Date(Date.now() - 86_400_000).toISOString()) =>
    JSON.stringify({ id, modified, database_specific: { severity: "HIGH" }, affected: [{ package: { name: pkg, ecosystem: "PyPI" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }] }] });

  it("db update from a zip, db status, then audit with exit codes 0 / 1 / 2", async () => {
    const work = mkdtempSync(join(tmpdir(), "mg-audit-cli-"));
    const zip = join(work, "all.zip");
    writeFileSync(zip, buildZip([{ name: "GHSA-x.json", data: record("GHSA-xxxx-yyyy-zzzz", "onnx", "1.13.0"), method: 8 }]));
    const db = join(work, "db");
    expect(await main(["db", "update", "--from", zip, "--db", db, "--quiet"])).toBe(0);
    expect(out).toMatch(/records: 1/);
    out = "";
    expect(await main(["db", "status", "--db", db])).toBe(0);
    expect(out).toMatch(/records: 1/);
    expect(out).toMatch(/data as of: .*\(1 days ago, its newest record\)/);
    expect(out).toMatch(/imported: /);
    expect(out).not.toMatch(/warning/);

    // A 2024 snapshot imported today is as old as its data: stale.
    const oldZip = join(work, "old.zip");
    writeFileSync(oldZip, buildZip([{ name: "GHSA-x.json", data: record("GHSA-xxxx-yyyy-zzzz", "onnx", "1.13.0", "2024-01-01T00:00:00Z"), method: 8 }]));
    const oldDb = join(work, "old-db");
    expect(await main(["db", "update", "--from", oldZip, "--db", oldDb, "--quiet"])).toBe(0);
    out = "";
    expect(await main(["db", "status", "--db", oldDb, "--format", "json"])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ updatedAt: "2024-01-01T00:00:00Z", ageFrom: "records", stale: true });

    const reqs = join(work, "requirements.txt");
    writeFileSync(reqs, "onnx==1.14.0\n");
    out = "";
    expect(await main(["audit", reqs, "--db", db])).toBe(0);
    expect(out).toMatch(/database: .*1 days old; 1 record\)/);
    writeFileSync(reqs, "onnx==1.12.0\n");
    out = "";
    expect(await main(["audit", reqs, "--db", db])).toBe(1);
    expect(out).toContain("GHSA-xxxx-yyyy-zzzz");
    expect(out).toContain("upgrade onnx to >= 1.13.0");
    expect(await main(["audit", reqs, "--db", db, "--fail-on", "critical"])).toBe(0);
    out = "";
    expect(await main(["audit", reqs, "--db", db, "--format", "json"])).toBe(1);
    expect(validate(JSON.parse(out))).toBe(true);
    out = "";
    expect(await main(["audit", reqs, "--db", db, "--format", "sarif"])).toBe(1);
    expect(JSON.parse(out).runs[0].results[0].ruleId).toBe("GHSA-xxxx-yyyy-zzzz");

    // Incomplete audit: one unreadable file among good ones → exit 2 naming it, findings still reported.
    err = "";
    expect(await main(["audit", reqs, join(work, "nope.txt"), "--db", db])).toBe(2);
    expect(err).toContain("nope.txt");
    // No database.
    err = "";
    expect(await main(["audit", reqs, "--db", join(work, "missing-db")])).toBe(2);
    expect(err).toMatch(/no vulnerability database at .*missing-db: run `modelgate db update` or pass --db DIR \/ --online/);
    expect(await main(["audit", reqs, "--db", db, "--online"])).toBe(2);
  });

  it("takes --format, --fail-on and --db from modelgate.yaml and the environment, a flag winning", async () => {
    const work = mkdtempSync(join(tmpdir(), "mg-audit-config-"));
    const zip = join(work, "all.zip");
    writeFileSync(zip, buildZip([{ name: "GHSA-x.json", data: record("GHSA-xxxx-yyyy-zzzz", "onnx", "1.13.0"), method: 8 }]));
    expect(await main(["db", "update", "--from", zip, "--db", join(work, "osv"), "--quiet"])).toBe(0);
    const reqs = join(work, "requirements.txt");
    writeFileSync(reqs, "onnx==1.12.0\n");
    const policy = join(work, "modelgate.yaml");
    writeFileSync(policy, "version: 1\ndefaults:\n  format: json\n  fail_on: critical\n  db: osv\nallow:\n  - { relax: defaults.fail_on, reason: only critical advisories gate this test }\n");
    out = "";
    expect(await main(["audit", reqs, "--policy", policy])).toBe(0); // high finding, gate at critical (file)
    expect(JSON.parse(out).vulnerabilities[0].id).toBe("GHSA-xxxx-yyyy-zzzz"); // json (file), db (file)
    vi.stubEnv("MODELGATE_FAIL_ON", "high");
    try {
      expect(await main(["audit", reqs, "--policy", policy])).toBe(1); // environment over file
      expect(await main(["audit", reqs, "--policy", policy, "--fail-on", "critical"])).toBe(0); // flag over environment
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it.skipIf(!existsSync(OSV))("warns about a stale database in text output", async () => {
    expect(await main(["audit", FIXTURE, "--db", OSV])).toBe(1);
    expect(out).toMatch(/warning: the vulnerability database is \d+ days old/);
    expect(out).toContain("upgrade torch to >= 2.6.0");
  });
});
