import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../core/errors.js";
import { canonicalPem, loadPrivateKey, loadPublicKey, publicKeyHint, signData, signingAlgorithm, verifyData } from "./keys.js";

const KEYS = new URL("../../../shared/interop/model-signing/keys/", import.meta.url).pathname;

describe("keys", () => {
  it.each([
    ["P-256", "sha256"],
    ["P-384", "sha384"],
    ["P-521", "sha512"],
  ] as const)("ECDSA %s signs with %s (DER signatures)", (curve, hash) => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
    const alg = signingAlgorithm(privateKey);
    expect(alg).toMatchObject({ kind: "ecdsa", name: curve, hash, modelSigningCompatible: true });
    const sig = signData(privateKey, Buffer.from("data"));
    expect(sig[0]).toBe(0x30);
    expect(verifyData(publicKey, Buffer.from("data"), sig)).toBe(true);
    expect(verifyData(publicKey, Buffer.from("datA"), sig)).toBe(false);
  });

  it("Ed25519 works but is marked as not readable by model_signing", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    expect(signingAlgorithm(privateKey)).toMatchObject({ kind: "ed25519", modelSigningCompatible: false });
    expect(verifyData(publicKey, Buffer.from("x"), signData(privateKey, Buffer.from("x")))).toBe(true);
  });

  it("refuses RSA keys and other curves", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    expect(() => signingAlgorithm(rsa)).toThrow(/rsa key/);
    const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey;
    expect(() => signingAlgorithm(k1)).toThrow(/curve secp256k1/);
  });

  it("hint is sha256 of the canonical SPKI PEM", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = canonicalPem(publicKey);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    expect(publicKeyHint(publicKey)).toBe(createHash("sha256").update(pem).digest("hex"));
  });

  it("bad key files give a clear error", () => {
    expect(() => loadPrivateKey("not a key", "key.pem")).toThrow(/cannot read key.pem/);
    expect(() => loadPublicKey(Buffer.from([0x30, 1, 2]), "pub.der")).toThrow(ModelgateError);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const enc = privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" });
    expect(() => loadPrivateKey(enc, "enc.pem")).toThrow(/encrypted/);
    expect(signingAlgorithm(loadPrivateKey(enc, "enc.pem", "pw")).name).toBe("P-256");
  });

  it.skipIf(!existsSync(KEYS))("reads the certtool-annotated vector keys; the hint matches model_signing's", () => {
    const pub = loadPublicKey(readFileSync(`${KEYS}signing-key-pub.pem`));
    expect(publicKeyHint(pub)).toBe("e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");
    expect(canonicalPem(pub)).toBe(readFileSync(`${KEYS}signing-key-pub.canonical.pem`, "utf8"));
    const priv = loadPrivateKey(readFileSync(`${KEYS}signing-key.pem`));
    expect(signingAlgorithm(priv).name).toBe("P-384");
    expect(publicKeyHint(loadPublicKey(priv))).toBe(publicKeyHint(pub));
  });
});
