import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_VERSION } from "../core/version.js";
import { parseBundle } from "../sign/format/bundle.js";
import { sign } from "../sign/sign.js";
import { subjectDigest, hashModel } from "../sign/manifest/index.js";
import { createProvenance, defaultProvenancePath, verifyProvenance } from "./provenance.js";
import { MODEL_DOWNLOAD_BUILD_TYPE, SLSA_PROVENANCE_V1 } from "./statement.js";

/** Parsed JSON under test: edited freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const REV = "0123456789abcdef0123456789abcdef01234567";
let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "modelgate-provenance-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cleanModel(): string {
  const m = join(dir, `model-${n++}`);
  mkdirSync(m);
  writeFileSync(join(m, "config.json"), '{"model_type": "bert"}');
  writeFileSync(join(m, "README.md"), "# a model\n");
  return m;
}

describe("provenance", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });

  it("writes a signed SLSA v1 statement with source, revision, file digests, times and the scan verdict", async () => {
    const model = cleanModel();
    utimesSync(join(model, "config.json"), new Date("2025-03-01T10:00:00Z"), new Date("2025-03-01T10:00:00Z"));
    utimesSync(join(model, "README.md"), new Date("2025-03-01T09:00:00Z"), new Date("2025-03-01T09:00:00Z"));
    const r = await createProvenance(model, { source: `hf://org/name@${REV}`, privateKey });
    expect(r.outputPath).toBe(defaultProvenancePath(model));
    expect(r.outputPath).toBe(`${model}.provenance.json`);
    const b = parseBundle(readFileSync(r.outputPath), "p");
    expect(b.material.kind).toBe("publicKey");
    const st = JSON.parse(b.payload.toString()) as Json;
    const manifest = await hashModel(model, { ignorePaths: ["model.sig"] });
    expect(st._type).toBe("https://in-toto.io/Statement/v1");
    expect(st.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(st.subject).toEqual([{ name: manifest.modelName, digest: { sha256: subjectDigest(manifest.resources).toString("hex") } }]);
    const bd = st.predicate.buildDefinition;
    expect(bd.buildType).toBe(MODEL_DOWNLOAD_BUILD_TYPE);
    expect(bd.externalParameters).toEqual({ source: `hf://org/name@${REV}`, repository: "org/name", revision: REV });
    expect(bd.resolvedDependencies).toEqual([
      { uri: `git+https://huggingface.co/org/name@${REV}`, digest: { gitCommit: REV } },
      ...manifest.resources.map((x) => ({ name: x.name, digest: { sha256: x.digest.toString("hex") } })),
    ]);
    const rd = st.predicate.runDetails;
    expect(rd.metadata.startedOn).toBe("2025-03-01T10:00:00.000Z"); // newest file modification
    expect(Date.parse(rd.metadata.finishedOn)).toBeGreaterThan(Date.parse("2025-03-02"));
    expect(rd.builder.version).toEqual({ modelgate: TOOL_VERSION });
    expect(rd.byproducts[0]).toMatchObject({
      name: "modelgate-scan-verdict",
      annotations: { tool: "modelgate", toolVersion: TOOL_VERSION, failOn: "high", failed: false, files: 2 },
    });
    expect(r.verdict.failed).toBe(false);

    const v = await verifyProvenance(model, { publicKey });
    expect(v).toMatchObject({
      verified: true,
      failures: [],
      provenance: { source: `hf://org/name@${REV}`, revision: REV, downloadedAt: "2025-03-01T10:00:00.000Z", verdict: { failed: false } },
    });
  });

  it("records a failing scan verdict for a malicious pickle", async () => {
    const model = cleanModel();
    writeFileSync(join(model, "model.pkl"), Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", "latin1"));
    const r = await createProvenance(model, { source: "https://example.com/model.tar", privateKey, downloadedAt: "2025-01-02T03:04:05Z" });
    expect(r.verdict).toMatchObject({ failed: true, highestSeverity: "critical" });
    expect(r.verdict.bySeverity.critical).toBeGreaterThan(0);
    const v = await verifyProvenance(model, { publicKey });
    expect(v.verified).toBe(true); // the files are what was recorded; the verdict travels with them
    expect(v.provenance?.verdict).toMatchObject({ failed: true, highestSeverity: "critical" });
    expect(v.provenance?.downloadedAt).toBe("2025-01-02T03:04:05.000Z");
  });

  it("fails when a file changed, was added or removed, or with another key", async () => {
    const model = cleanModel();
    await createProvenance(model, { source: `hf://org/name@${REV}`, privateKey });
    writeFileSync(join(model, "config.json"), "{}");
    writeFileSync(join(model, "extra.bin"), "x");
    unlinkSync(join(model, "README.md"));
    const v = await verifyProvenance(model, { publicKey });
    expect(v.failures.map((f) => f.reason)).toEqual(["files-changed", "files-missing", "files-extra"]);
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    expect((await verifyProvenance(model, { publicKey: other })).failures.map((f) => f.reason)).toEqual(["key-mismatch"]);
  });

  it("a signature made after the provenance (model.sig) is not an extra file; an output inside the model is left out", async () => {
    const model = cleanModel();
    const out = join(model, "provenance.json");
    await createProvenance(model, { source: `hf://org/name@${REV}`, privateKey, outputPath: out });
    await sign(model, { privateKey });
    expect((await verifyProvenance(model, { publicKey, provenancePath: out })).verified).toBe(true);
  });

  it("a model signature is not a provenance", async () => {
    const model = cleanModel();
    await sign(model, { privateKey });
    await expect(verifyProvenance(model, { publicKey, provenancePath: join(model, "model.sig") })).rejects.toMatchObject({
      code: "MALFORMED_BUNDLE",
      message: expect.stringContaining("unknown predicateType") as unknown,
    });
  });

  it("bad input: source, key, date", async () => {
    const model = cleanModel();
    await expect(createProvenance(model, { source: "./here", privateKey })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(createProvenance(model, { source: "hf://a/b", privateKey, downloadedAt: "yesterday" })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    const ed = generateKeyPairSync("ed25519").privateKey;
    await expect(createProvenance(model, { source: "hf://a/b", privateKey: ed })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    const r = await createProvenance(model, { source: "hf://a/b", privateKey });
    expect(r.warnings[0]).toMatch(/no revision/);
  });
});
