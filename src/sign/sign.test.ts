import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ModelgateError } from "../core/errors.js";
import { parseBundle } from "./format/bundle.js";
import { pae } from "./format/dsse.js";
import { parseStatement, statementJson } from "./format/statement.js";
import { publicKeyHint, signData } from "./keys.js";
import { hashModel } from "./manifest/index.js";
import { sign, ED25519_WARNING } from "./sign.js";
import { CA_EXTENSIONS, createTestPki, hasOpenssl, type TestCert } from "./testing/pki.js";
import { verify } from "./verify.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "modelgate-sign-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A small model folder: config, weights in a sub-folder, and a .git folder that is always left out. */
function makeModel(): string {
  const m = join(dir, `model-${n++}`);
  mkdirSync(join(m, "weights"), { recursive: true });
  mkdirSync(join(m, ".git"));
  writeFileSync(join(m, "config.json"), '{"layers": 2}');
  writeFileSync(join(m, "weights", "a.bin"), Buffer.alloc(1000, 1));
  writeFileSync(join(m, "weights", "b.bin"), Buffer.alloc(10, 2));
  writeFileSync(join(m, ".git", "HEAD"), "ref: refs/heads/main\n");
  return m;
}

const ec = (curve: string) => generateKeyPairSync("ec", { namedCurve: curve });

async function reasons(model: string, opts: Parameters<typeof verify>[1]): Promise<string[]> {
  const r = await verify(model, opts);
  return r.failures.map((f) => f.reason);
}

describe("key method", () => {
  it.each(["P-256", "P-384", "P-521"])("signs and verifies with %s", async (curve) => {
    const { privateKey, publicKey } = ec(curve);
    const model = makeModel();
    const s = await sign(model, { privateKey });
    expect(s.signaturePath).toBe(join(model, "model.sig"));
    expect(s.keyHint).toBe(publicKeyHint(publicKey));
    expect(s.warnings).toEqual([]);
    expect(s.resources).toBe(3);
    const r = await verify(model, { publicKey });
    expect(r).toMatchObject({ verified: true, method: "key", modelName: s.modelName, subjectDigest: s.subjectDigest, resources: 3, failures: [] });
  });

  it("writes the bundle and statement exactly as model_signing 1.1 does", async () => {
    const { privateKey, publicKey } = ec("P-384");
    const model = makeModel();
    await sign(model, { privateKey });
    const text = readFileSync(join(model, "model.sig"), "utf8");
    const b = parseBundle(text, "model.sig");
    // Same bytes as a bundle rebuilt field by field in model_signing's order.
    const payload = b.payload.toString("base64");
    const sig = b.signature.toString("base64");
    expect(text).toBe(
      `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"${publicKeyHint(publicKey)}"},"tlogEntries":[]},` +
        `"dsseEnvelope":{"payload":"${payload}","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"${sig}","keyid":""}]}}`,
    );
    const manifest = await hashModel(model, { ignorePaths: ["model.sig"] });
    expect(b.payload.toString()).toBe(statementJson(manifest));
    const st = parseStatement(b.payload);
    expect(st).toMatchObject({ modelName: manifest.modelName });
    expect(b.payload.toString()).toContain('"ignore_paths": [\n        ".git",\n        ".gitattributes",\n        ".github",\n        ".gitignore",\n        "model.sig"\n      ]');
  });

  it("Ed25519 signs and verifies, with a warning that model_signing cannot read it", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const model = makeModel();
    const s = await sign(model, { privateKey });
    expect(s.warnings).toEqual([ED25519_WARNING]);
    expect((await verify(model, { publicKey })).verified).toBe(true);
  });

  it("a single-file model: one resource named '.', signature beside it", async () => {
    const { privateKey, publicKey } = ec("P-256");
    const file = join(dir, `single-${n++}.safetensors`);
    writeFileSync(file, "weights");
    const s = await sign(file, { privateKey });
    expect(s.signaturePath).toBe(`${file}.sig`);
    const st = parseStatement(parseBundle(readFileSync(s.signaturePath), "x").payload);
    expect(st).toMatchObject({ resources: [{ name: "." }] });
    expect((await verify(file, { publicKey })).verified).toBe(true);
    writeFileSync(file, "weightz");
    expect(await reasons(file, { publicKey })).toEqual(["files-changed"]);
  });

  it("shards and blake2b round trip; the verifier takes the signer's settings from the signature", async () => {
    const { privateKey, publicKey } = ec("P-256");
    const model = makeModel();
    await sign(model, { privateKey, serialization: { method: "shards", shardSize: 256, hashType: "blake2b" } });
    const st = parseStatement(parseBundle(readFileSync(join(model, "model.sig")), "x").payload);
    expect(st).toMatchObject({ serialization: { method: "shards", shardSize: 256, hashType: "blake2b" } });
    expect((await verify(model, { publicKey })).verified).toBe(true);
    writeFileSync(join(model, "weights", "a.bin"), Buffer.concat([Buffer.alloc(600, 1), Buffer.alloc(400, 9)]));
    const r = await verify(model, { publicKey });
    expect(r.failures).toEqual([{ reason: "files-changed", message: expect.stringContaining("weights/a.bin:512:768") as unknown, files: ["weights/a.bin:512:768", "weights/a.bin:768:1000"] }]);
  });

  it("signature elsewhere: not left out of the hash, and found with signaturePath", async () => {
    const { privateKey, publicKey } = ec("P-256");
    const model = makeModel();
    const sigPath = join(dir, `elsewhere-${n++}.sig`);
    await sign(model, { privateKey, signaturePath: sigPath });
    expect(existsSync(join(model, "model.sig"))).toBe(false);
    expect((await verify(model, { publicKey, signaturePath: sigPath })).verified).toBe(true);
    await expect(verify(model, { publicKey })).rejects.toMatchObject({ code: "PATH_NOT_FOUND" });
  });
});

describe("verification failures say precisely what is wrong", () => {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let model: string;
  beforeEach(async () => {
    ({ privateKey, publicKey } = ec("P-256"));
    model = makeModel();
    await sign(model, { privateKey });
  });

  it("a changed file", async () => {
    writeFileSync(join(model, "weights", "b.bin"), Buffer.alloc(10, 3));
    const r = await verify(model, { publicKey });
    expect(r.verified).toBe(false);
    expect(r.failures).toEqual([{ reason: "files-changed", message: "changed since signing (digest differs): weights/b.bin", files: ["weights/b.bin"] }]);
  });

  it("an added file (and ignoreUnsignedFiles / ignorePaths accept it)", async () => {
    writeFileSync(join(model, "README.md"), "hi");
    expect((await verify(model, { publicKey })).failures).toEqual([
      { reason: "files-extra", message: "not covered by the signature (extra files): README.md", files: ["README.md"] },
    ]);
    expect((await verify(model, { publicKey, ignoreUnsignedFiles: true })).verified).toBe(true);
    expect((await verify(model, { publicKey, ignorePaths: ["README.md"] })).verified).toBe(true);
  });

  it("ignoreUnsignedFiles leaves the unsigned files unread", async () => {
    writeFileSync(join(model, "big-unsigned.bin"), Buffer.alloc(1 << 20, 7));
    const totals: number[] = [];
    const r = await verify(model, { publicKey, ignoreUnsignedFiles: true, onProgress: (p) => totals.push(p.bytesTotal) });
    expect(r.verified).toBe(true);
    expect(Math.max(...totals)).toBeLessThan(1 << 20);
  });

  it("a removed file", async () => {
    unlinkSync(join(model, "config.json"));
    expect((await verify(model, { publicKey })).failures).toEqual([
      { reason: "files-missing", message: "signed but missing now: config.json", files: ["config.json"] },
    ]);
  });

  it("files under .git are left out", async () => {
    writeFileSync(join(model, ".git", "HEAD"), "changed");
    expect((await verify(model, { publicKey })).verified).toBe(true);
  });

  it("another key: hint mismatch", async () => {
    const other = ec("P-256").publicKey;
    const r = await verify(model, { publicKey: other });
    expect(r.failures.map((f) => f.reason)).toEqual(["key-mismatch"]);
    expect(r.failures[0]!.message).toContain(publicKeyHint(publicKey));
  });

  it("another key with the hint removed: the signature does not verify", async () => {
    const sigPath = join(model, "model.sig");
    const b = JSON.parse(readFileSync(sigPath, "utf8")) as { verificationMaterial: { publicKey: Record<string, unknown> } };
    b.verificationMaterial.publicKey = {};
    writeFileSync(sigPath, JSON.stringify(b));
    expect(await reasons(model, { publicKey: ec("P-256").publicKey })).toEqual(["signature-invalid"]);
    expect(await reasons(model, { publicKey })).toEqual([]);
  });

  it("a changed payload or signature", async () => {
    const sigPath = join(model, "model.sig");
    const b = JSON.parse(readFileSync(sigPath, "utf8")) as { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
    const orig = JSON.stringify(b);
    const p = b.dsseEnvelope.payload;
    const i = 40;
    b.dsseEnvelope.payload = p.slice(0, i) + (p[i] === "A" ? "B" : "A") + p.slice(i + 1);
    writeFileSync(sigPath, JSON.stringify(b));
    expect(await reasons(model, { publicKey })).toEqual(["signature-invalid"]);
    const b2 = JSON.parse(orig) as typeof b;
    const s = Buffer.from(b2.dsseEnvelope.signatures[0]!.sig, "base64");
    s[s.length - 1]! ^= 1;
    b2.dsseEnvelope.signatures[0]!.sig = s.toString("base64");
    writeFileSync(sigPath, JSON.stringify(b2));
    expect(await reasons(model, { publicKey })).toEqual(["signature-invalid"]);
  });

  it("a validly signed but inconsistent statement (subject digest ≠ resources)", async () => {
    const manifest = await hashModel(model, { ignorePaths: ["model.sig"] });
    const text = statementJson(manifest).replace(/"sha256": "[0-9a-f]{64}"/, `"sha256": "${"0".repeat(64)}"`);
    const payload = Buffer.from(text);
    const sig = signData(privateKey, pae("application/vnd.in-toto+json", payload));
    const bundle = JSON.parse(readFileSync(join(model, "model.sig"), "utf8")) as { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
    bundle.dsseEnvelope.payload = payload.toString("base64");
    bundle.dsseEnvelope.signatures[0]!.sig = sig.toString("base64");
    writeFileSync(join(model, "model.sig"), JSON.stringify(bundle));
    expect(await reasons(model, { publicKey })).toEqual(["statement-inconsistent"]);
  });

  it("the wrong kind of material: method mismatch", async () => {
    const r = await verify(model, { identity: "a@b.c", issuer: "https://issuer" });
    expect(r.failures.map((f) => f.reason)).toEqual(["method-mismatch"]);
    expect(r.failures[0]!.message).toMatch(/made with the key method/);
  });

  it("usage errors: no material, two kinds of material, identity without issuer", async () => {
    await expect(verify(model, {})).rejects.toMatchObject({ code: "USAGE" });
    await expect(verify(model, { publicKey, identity: "a", issuer: "b" })).rejects.toMatchObject({ code: "USAGE" });
    await expect(verify(model, { identity: "a" })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("a malformed signature file is MALFORMED_BUNDLE naming the file", async () => {
    writeFileSync(join(model, "model.sig"), "{not json");
    const err = await verify(model, { publicKey }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelgateError);
    expect(err).toMatchObject({ code: "MALFORMED_BUNDLE", message: expect.stringContaining(join(model, "model.sig")) as unknown });
  });
});

describe("bad input", () => {
  it("a symbolic link without allowSymlinks names the link; with it, the link is hashed as its target", async () => {
    const { privateKey, publicKey } = ec("P-256");
    const model = makeModel();
    const target = join(dir, `target-${n++}`);
    writeFileSync(target, "outside");
    symlinkSync(target, join(model, "link.bin"));
    await expect(sign(model, { privateKey })).rejects.toMatchObject({ code: "SYMLINK_NOT_ALLOWED", message: expect.stringContaining("link.bin") as unknown });
    await sign(model, { privateKey, serialization: { allowSymlinks: true } });
    expect((await verify(model, { publicKey })).verified).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable file is PATH_UNREADABLE naming it", async () => {
    const { privateKey } = ec("P-256");
    const model = makeModel();
    chmodSync(join(model, "config.json"), 0);
    await expect(sign(model, { privateKey })).rejects.toMatchObject({ code: "PATH_UNREADABLE", message: expect.stringContaining("config.json") as unknown });
    chmodSync(join(model, "config.json"), 0o644);
  });

  it("a missing model, a missing key, an RSA key, a sigstore key", async () => {
    const { privateKey } = ec("P-256");
    await expect(sign(join(dir, "nope"), { privateKey })).rejects.toMatchObject({ code: "PATH_NOT_FOUND" });
    await expect(sign(makeModel(), {})).rejects.toMatchObject({ code: "USAGE" });
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    await expect(sign(makeModel(), { privateKey: rsa })).rejects.toMatchObject({ code: "UNSUPPORTED" });
    await expect(sign(makeModel(), { method: "sigstore", privateKey })).rejects.toMatchObject({ code: "USAGE" });
  });

  it("keyless signing without a token says how to get one (no network used)", async () => {
    const saved = { t: process.env.SIGSTORE_ID_TOKEN, a: process.env.ACTIONS_ID_TOKEN_REQUEST_URL };
    delete process.env.SIGSTORE_ID_TOKEN;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    try {
      await expect(sign(makeModel(), { method: "sigstore" })).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("identity token") as unknown });
    } finally {
      if (saved.t !== undefined) process.env.SIGSTORE_ID_TOKEN = saved.t;
      if (saved.a !== undefined) process.env.ACTIONS_ID_TOKEN_REQUEST_URL = saved.a;
    }
  });
});

describe.skipIf(!hasOpenssl)("certificate method", () => {
  let pki: ReturnType<typeof createTestPki>;
  let root: TestCert;
  let int: TestCert;
  beforeAll(() => {
    pki = createTestPki(mkdtempSync(join(dir, "pki-")));
    root = pki.issue("root", { cn: "Model Root", key: "rsa", extensions: CA_EXTENSIONS });
    int = pki.issue("int", { cn: "Model Intermediate", issuer: root, extensions: CA_EXTENSIONS });
  });

  it.each(["P-256", "P-384", "P-521"] as const)("signs with a %s leaf and verifies to the root", async (curve) => {
    const leaf = pki.issue(`leaf-${curve}`, { cn: "Model Intermediate", issuer: int, key: curve });
    const model = makeModel();
    const s = await sign(model, { privateKey: leaf.key, signingCertificate: leaf.cert, certificateChain: [int.cert] });
    expect(s.method).toBe("certificate");
    const b = parseBundle(readFileSync(s.signaturePath), "x");
    expect(b.material.kind).toBe("x509CertificateChain");
    expect(s.bundle).toMatch(/^\{"mediaType":"application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json","verificationMaterial":\{"x509CertificateChain":\{"certificates":\[\{"rawBytes":"[^"]+"\},\{"rawBytes":"[^"]+"\}\]\},"tlogEntries":\[\]\},"dsseEnvelope":/);
    const r = await verify(model, { trustAnchors: [root.cert] });
    expect(r).toMatchObject({ verified: true, method: "certificate", signer: { certificateSubject: "CN=Model Intermediate", certificateIssuer: "CN=Model Intermediate" } });
    // another anchor
    const other = pki.issue(`other-${curve}`, { cn: "Model Root", key: "rsa", extensions: CA_EXTENSIONS });
    expect(await reasons(model, { trustAnchors: [other.cert] })).toEqual(["certificate-untrusted"]);
    // a changed file
    writeFileSync(join(model, "config.json"), "{}");
    expect(await reasons(model, { trustAnchors: [root.cert] })).toEqual(["files-changed"]);
  });

  it("refuses to sign with a certificate for another key, or one that may not sign", async () => {
    const a = pki.issue("a", { cn: "a", issuer: int });
    const b = pki.issue("b", { cn: "b", issuer: int });
    await expect(sign(makeModel(), { privateKey: a.key, signingCertificate: b.cert })).rejects.toMatchObject({ code: "INVALID_OPTION", message: expect.stringContaining("not for this private key") as unknown });
    const tls = pki.issue("tls", { cn: "tls", issuer: int, extensions: ["keyUsage=critical,keyEncipherment", "extendedKeyUsage=serverAuth"] });
    await expect(sign(makeModel(), { privateKey: tls.key, signingCertificate: tls.cert })).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });

  it("a malformed certificate in the bundle is MALFORMED_BUNDLE", async () => {
    const leaf = pki.issue("mal", { cn: "m", issuer: int });
    const model = makeModel();
    const s = await sign(model, { privateKey: leaf.key, signingCertificate: leaf.cert, certificateChain: [int.cert] });
    const b = JSON.parse(readFileSync(s.signaturePath, "utf8")) as { verificationMaterial: { x509CertificateChain: { certificates: { rawBytes: string }[] } } };
    b.verificationMaterial.x509CertificateChain.certificates[0]!.rawBytes = Buffer.from("garbage").toString("base64");
    writeFileSync(s.signaturePath, JSON.stringify(b));
    await expect(verify(model, { trustAnchors: [root.cert] })).rejects.toMatchObject({ code: "MALFORMED_BUNDLE" });
  });
});
