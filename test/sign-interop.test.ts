/**
 * Interoperability with the OpenSSF model_signing tool: the official test vectors (../shared/interop/
 * model-signing, see its README.txt) verify as upstream says, fail after any one change, and what modelgate
 * signs has the same bytes where the format is deterministic.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBundle } from "../src/sign/format/bundle.js";
import { sign } from "../src/sign/sign.js";
import type { VerifyOptions, VerifyResult } from "../src/sign/types.js";
import { verify } from "../src/sign/verify.js";

const SHARED = new URL("../../shared/interop/model-signing/", import.meta.url).pathname;
const BIN = new URL("../bin/modelgate.js", import.meta.url).pathname;
const IDENTITY = "stefanb@us.ibm.com";
const ISSUER = "https://sigstore.verify.ibm.com/oauth2";

type Method = "elliptic-key" | "certificate" | "sigstore";
interface Vector {
  name: string;
  version: string;
  method: Method;
  /** the model path inside the vector folder ("" = the folder itself) */
  file: string;
  /** upstream passes --ignore-paths ignore-me for v1.0.1 */
  extraIgnore: string[];
}

const VECTORS: Vector[] = ["v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"].flatMap((version) =>
  (["elliptic-key", "certificate", "sigstore"] as Method[]).map((method) => ({
    name: `${version}-${method}`,
    version,
    method,
    file: method === "elliptic-key" && (version === "v0.3.1" || version === "v1.0.0") ? "signme-1" : "",
    extraIgnore: version === "v1.0.1" ? ["ignore-me"] : [],
  })),
);

function run(args: string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd, env: { ...process.env, CI: "true", NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(SHARED))("model_signing test vectors", () => {
  let dir: string;
  let n = 0;
  const keys = (f: string) => readFileSync(join(SHARED, "keys", f));
  /** A fresh writable copy of one vector folder. */
  const copy = (name: string): string => {
    const to = join(dir, `${n++}`, name);
    cpSync(join(SHARED, "vectors", name), to, { recursive: true });
    chmodSync(to, 0o755);
    for (const f of readdirSync(to)) chmodSync(join(to, f), 0o644);
    return to;
  };
  const material = (v: Vector): VerifyOptions =>
    v.method === "elliptic-key"
      ? { publicKey: keys("signing-key-pub.pem") }
      : v.method === "certificate"
        ? { trustAnchors: [keys("ca-cert.pem")] }
        : { identity: IDENTITY, issuer: ISSUER };
  const check = async (v: Vector, folder: string, extra: VerifyOptions = {}): Promise<VerifyResult> =>
    verify(join(folder, v.file), { signaturePath: join(folder, "model.sig"), ignorePaths: v.extraIgnore, ...material(v), ...extra });
  const reasons = (r: VerifyResult) => r.failures.map((f) => f.reason);
  /** The public-good Fulcio root: a real CA certificate that did not issue the vectors' chain. */
  const fulcioRoot = (): Buffer => {
    const root = JSON.parse(readFileSync(join(SHARED, "trust", "public_good_trusted_root.json"), "utf8")) as {
      certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
    };
    const certs = root.certificateAuthorities[0]!.certChain.certificates;
    return Buffer.from(certs[certs.length - 1]!.rawBytes, "base64");
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-vectors-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe.each(VECTORS)("$name", (v) => {
    it("verifies", async () => {
      const r = await check(v, copy(v.name));
      expect(r.failures).toEqual([]);
      expect(r.verified).toBe(true);
      expect(r.method).toBe(v.method === "elliptic-key" ? "key" : v.method);
      if (v.method === "sigstore") expect(r.signer).toEqual({ identity: IDENTITY, issuer: ISSUER });
      if (v.method === "elliptic-key") expect(r.signer?.keyHint).toBe("e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");
    });

    it("fails when signme-1 changes by one byte", async () => {
      const f = copy(v.name);
      const p = join(f, "signme-1");
      const b = readFileSync(p);
      b[0]! ^= 1;
      writeFileSync(p, b);
      const r = await check(v, f);
      expect(r.verified).toBe(false);
      expect(r.failures).toEqual([{ reason: "files-changed", message: expect.stringContaining("signme-1") as unknown, files: [v.file ? "." : "signme-1"] }]);
    });

    it.skipIf(v.file !== "")("fails when a file is added", async () => {
      const f = copy(v.name);
      writeFileSync(join(f, "added.bin"), "new");
      const r = await check(v, f);
      expect(r.failures).toEqual([{ reason: "files-extra", message: expect.stringContaining("added.bin") as unknown, files: ["added.bin"] }]);
    });

    it.skipIf(v.file !== "")("fails when signme-2 is removed", async () => {
      const f = copy(v.name);
      unlinkSync(join(f, "signme-2"));
      const r = await check(v, f);
      expect(r.failures).toEqual([{ reason: "files-missing", message: expect.stringContaining("signme-2") as unknown, files: ["signme-2"] }]);
    });

    it("fails when one character of the payload changes", async () => {
      const f = copy(v.name);
      const sigPath = join(f, "model.sig");
      const text = readFileSync(sigPath, "utf8");
      const b = JSON.parse(text) as { dsseEnvelope: { payload: string } };
      const p = b.dsseEnvelope.payload;
      const i = Math.floor(p.length / 2);
      const changed = p.slice(0, i) + (p[i] === "A" ? "B" : "A") + p.slice(i + 1);
      writeFileSync(sigPath, text.replace(p, changed));
      const r = await check(v, f);
      expect(r.verified).toBe(false);
      expect(reasons(r)).toEqual([v.method === "sigstore" ? expect.stringMatching(/^(transparency-log|signature-invalid)$/) : "signature-invalid"]);
    });

    if (v.version === "v1.0.1") {
      it("fails without the extra ignore of ignore-me (an extra file)", async () => {
        const r = await check({ ...v, extraIgnore: [] }, copy(v.name));
        expect(r.failures).toEqual([{ reason: "files-extra", message: expect.stringContaining("ignore-me") as unknown, files: ["ignore-me"] }]);
      });
    }

    if (v.method === "elliptic-key") {
      it("fails with another P-384 key (the bundle names its key)", async () => {
        const other = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey;
        const r = await check(v, copy(v.name), { publicKey: other });
        expect(reasons(r)).toEqual(["key-mismatch"]);
      });
      it("accepts the canonical PEM of the same key", async () => {
        expect((await check(v, copy(v.name), { publicKey: keys("signing-key-pub.canonical.pem") })).verified).toBe(true);
      });
    }

    if (v.method === "certificate") {
      it("fails with another trust anchor", async () => {
        const r = await check(v, copy(v.name), { trustAnchors: [fulcioRoot()] });
        expect(reasons(r)).toEqual(["certificate-untrusted"]);
      });
      it("fails when checked against the intermediate's key as a key", async () => {
        const r = await check(v, copy(v.name), { trustAnchors: undefined, publicKey: keys("signing-key-pub.pem") });
        expect(reasons(r)).toEqual(["method-mismatch"]);
      });
    }

    if (v.method === "sigstore") {
      it("fails with another identity, a prefix of the identity, or another issuer", async () => {
        const f = copy(v.name);
        expect(reasons(await check(v, f, { identity: "someone@us.ibm.com" }))).toEqual(["identity-mismatch"]);
        expect(reasons(await check(v, f, { identity: "stefanb@us.ibm.co" }))).toEqual(["identity-mismatch"]);
        expect(reasons(await check(v, f, { identity: ".*" }))).toEqual(["identity-mismatch"]);
        expect(reasons(await check(v, f, { issuer: "https://accounts.google.com" }))).toEqual(["identity-mismatch"]);
      });
    }
  });

  describe("sigstore trust roots", () => {
    it("a client trust config (model_signing's --trust_config) is read; its older root has no TSA for v1.1.0's timestamp", async () => {
      const trustRoot = readFileSync(join(SHARED, "trust", "custom_trust_config.json"));
      const v100 = VECTORS.find((v) => v.name === "v1.0.0-sigstore")!;
      expect((await check(v100, copy(v100.name), { trustRoot })).verified).toBe(true);
      const v110 = VECTORS.find((v) => v.name === "v1.1.0-sigstore")!;
      expect(reasons(await check(v110, copy(v110.name), { trustRoot }))).toEqual(["transparency-log"]);
    });

    it("the explicit public-good root file gives the same answer as the built-in default", async () => {
      const v = VECTORS.find((x) => x.name === "v1.1.0-sigstore")!;
      const r = await check(v, copy(v.name), { trustRoot: readFileSync(join(SHARED, "trust", "public_good_trusted_root.json")) });
      expect(r.verified).toBe(true);
    });
  });

  describe("v0.2.0-certificate (legacy)", () => {
    it("is refused by default with a reason that says why", async () => {
      const r = await verify(copy("v0.2.0-certificate"), { trustAnchors: [keys("ca-cert.pem")] });
      expect(reasons(r)).toEqual(["legacy-format"]);
      expect(r.failures[0]!.message).toMatch(/--allow-legacy/);
    });
    it("verifies with allowLegacy", async () => {
      const r = await verify(copy("v0.2.0-certificate"), { trustAnchors: [keys("ca-cert.pem")], allowLegacy: true });
      expect(r).toMatchObject({ verified: true, legacy: true, resources: 2, failures: [] });
    });
    it("with allowLegacy, still fails on a changed file or another anchor", async () => {
      const f = copy("v0.2.0-certificate");
      writeFileSync(join(f, "signme-2"), "changed");
      expect(reasons(await verify(f, { trustAnchors: [keys("ca-cert.pem")], allowLegacy: true }))).toEqual(["files-changed"]);
      const g = copy("v0.2.0-certificate");
      expect(reasons(await verify(g, { trustAnchors: [fulcioRoot()], allowLegacy: true }))).toEqual(["certificate-untrusted"]);
      const h = copy("v0.2.0-certificate");
      writeFileSync(join(h, "extra"), "x");
      expect(reasons(await verify(h, { trustAnchors: [keys("ca-cert.pem")], allowLegacy: true }))).toEqual(["files-extra"]);
    });
  });

  describe("what modelgate signs matches model_signing byte-for-byte where deterministic", () => {
    /** The bundle with payload and signature blanked: everything else is deterministic. */
    const skeleton = (text: string) => {
      const b = parseBundle(text, "x");
      return text.replace(b.payload.toString("base64"), "PAYLOAD").replace(b.signature.toString("base64"), "SIG");
    };
    /** The statement, with ignore_paths as a set (model_signing writes them in Python set order). */
    const statement = (text: string) => {
      const s = JSON.parse(parseBundle(text, "x").payload.toString()) as { predicate: { serialization: { ignore_paths?: string[] } } };
      s.predicate.serialization.ignore_paths?.sort();
      return s;
    };

    it("key method (v1.1.0-elliptic-key, signing-key.pem)", async () => {
      const f = copy("v1.1.0-elliptic-key");
      const upstream = readFileSync(join(f, "model.sig"), "utf8");
      await sign(f, { privateKey: keys("signing-key.pem"), serialization: { ignorePaths: ["ignore-me"] } });
      const ours = readFileSync(join(f, "model.sig"), "utf8");
      expect(skeleton(ours)).toBe(skeleton(upstream));
      expect(statement(ours)).toEqual(statement(upstream));
      expect((await verify(f, { publicKey: keys("signing-key-pub.pem") })).verified).toBe(true);
    });

    it("certificate method (v1.1.0-certificate: same certificates, same skeleton)", async () => {
      const f = copy("v1.1.0-certificate");
      const upstream = readFileSync(join(f, "model.sig"), "utf8");
      await sign(f, {
        privateKey: keys("signing-key.pem"),
        signingCertificate: keys("signing-key-cert.pem"),
        certificateChain: [keys("int-ca-cert.pem")],
        serialization: { ignorePaths: ["ignore-me"] },
      });
      const ours = readFileSync(join(f, "model.sig"), "utf8");
      expect(skeleton(ours)).toBe(skeleton(upstream));
      expect(statement(ours)).toEqual(statement(upstream));
      expect((await verify(f, { trustAnchors: [keys("ca-cert.pem")] })).verified).toBe(true);
    });
  });

  describe("CLI", () => {
    it("modelgate verify: exit 0 verified, 1 failed with the reason, 2 malformed", () => {
      const f = copy("v1.1.0-elliptic-key");
      const ok = run(["verify", f, "--public-key", join(SHARED, "keys", "signing-key-pub.pem")]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^verified: /);
      writeFileSync(join(f, "signme-2"), "x");
      const bad = run(["verify", f, "--public-key", join(SHARED, "keys", "signing-key-pub.pem")]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain("files-changed: changed since signing (digest differs): signme-2");
      writeFileSync(join(f, "model.sig"), '{"mediaType": "application/json"}');
      const mal = run(["verify", f, "--public-key", join(SHARED, "keys", "signing-key-pub.pem")]);
      expect(mal.code).toBe(2);
      expect(mal.stderr).toMatch(/wrong media type "application\/json"/);
    });

    it("modelgate verify with --identity/--identity-provider (model_signing's flag name) and --format json", () => {
      const f = copy("v1.0.1-sigstore");
      const r = run(["verify", f, "--identity", IDENTITY, "--identity-provider", ISSUER, "--ignore-paths", join(f, "ignore-me"), "--format", "json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, method: "sigstore", signer: { identity: IDENTITY, issuer: ISSUER } });
      const other = run(["verify", f, "--identity", "x@y.z", "--issuer", ISSUER, "--ignore-paths", join(f, "ignore-me")]);
      expect(other.code).toBe(1);
      expect(other.stdout).toContain("identity-mismatch");
    });

    it("modelgate verify --certificate-chain, and --allow-legacy for v0.2", () => {
      const f = copy("v1.0.0-certificate");
      expect(run(["verify", f, "--certificate-chain", join(SHARED, "keys", "ca-cert.pem")]).code).toBe(0);
      const legacy = copy("v0.2.0-certificate");
      const refused = run(["verify", legacy, "--certificate-chain", join(SHARED, "keys", "ca-cert.pem")]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain("legacy-format");
      expect(run(["verify", legacy, "--certificate-chain", join(SHARED, "keys", "ca-cert.pem"), "--allow-legacy"]).code).toBe(0);
    });

    it("modelgate sign then verify a copy of a vector with the vector's key", () => {
      const f = copy("v1.0.0-certificate");
      const s = run(["sign", f, "--private-key", join(SHARED, "keys", "signing-key.pem")]);
      expect(s.code).toBe(0);
      expect(s.stdout).toContain("with key e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");
      expect(statSync(join(f, "model.sig")).size).toBeGreaterThan(0);
      expect(run(["verify", f, "--public-key", join(SHARED, "keys", "signing-key-pub.canonical.pem")]).code).toBe(0);
    });
  });
});
