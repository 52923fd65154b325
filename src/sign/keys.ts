import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, KeyObject } from "node:crypto";
import { ModelgateError } from "../core/errors.js";

/** Key material: a KeyObject, or PEM (or DER) bytes/text. */
export type KeyInput = KeyObject | string | Buffer;

/** How a key signs: ECDSA with the hash that goes with its curve (as model_signing does), or Ed25519. */
export interface SigningAlgorithm {
  kind: "ecdsa" | "ed25519";
  /** "P-256" | "P-384" | "P-521" | "Ed25519" */
  name: string;
  /** Node digest name; null for Ed25519 (it hashes internally). */
  hash: "sha256" | "sha384" | "sha512" | null;
  /** Sigstore PublicKeyDetails name. */
  keyDetails: string;
  /** false for Ed25519: model_signing only reads ECDSA keys. */
  modelSigningCompatible: boolean;
}

const CURVES: Record<string, SigningAlgorithm> = {
  prime256v1: { kind: "ecdsa", name: "P-256", hash: "sha256", keyDetails: "PKIX_ECDSA_P256_SHA_256", modelSigningCompatible: true },
  secp384r1: { kind: "ecdsa", name: "P-384", hash: "sha384", keyDetails: "PKIX_ECDSA_P384_SHA_384", modelSigningCompatible: true },
  secp521r1: { kind: "ecdsa", name: "P-521", hash: "sha512", keyDetails: "PKIX_ECDSA_P521_SHA_512", modelSigningCompatible: true },
};

const ED25519: SigningAlgorithm = { kind: "ed25519", name: "Ed25519", hash: null, keyDetails: "PKIX_ED25519", modelSigningCompatible: false };

/** The signing algorithm for a key; UNSUPPORTED for RSA, other curves, etc. */
export function signingAlgorithm(key: KeyObject, what = "key"): SigningAlgorithm {
  if (key.asymmetricKeyType === "ed25519") return ED25519;
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? "";
    const alg = CURVES[curve];
    if (alg) return alg;
    throw new ModelgateError("UNSUPPORTED", `${what} is on elliptic curve ${curve || "(unknown)"}; model signing uses P-256, P-384 or P-521`);
  }
  throw new ModelgateError("UNSUPPORTED", `${what} is a ${key.asymmetricKeyType ?? "unknown"} key; model signing uses ECDSA P-256, P-384 or P-521 keys (or Ed25519, a modelgate extension)`);
}

function keyError(what: string, e: unknown): ModelgateError {
  const msg = e instanceof Error ? e.message.replace(/^error:[0-9A-F]+:/, "") : String(e);
  return new ModelgateError("MALFORMED_INPUT", `cannot read ${what}: ${msg}`, { cause: e });
}

/** Loads a private key (PEM: PKCS#8 or SEC1 "EC PRIVATE KEY", text before the PEM block is skipped). */
export function loadPrivateKey(input: KeyInput, what = "the private key", passphrase?: string): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== "private") throw new ModelgateError("INVALID_OPTION", `${what} is a ${input.type} key, not a private key`);
    return input;
  }
  try {
    return createPrivateKey(passphrase === undefined ? { key: input } : { key: input, passphrase });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (passphrase === undefined && (code === "ERR_MISSING_PASSPHRASE" || code === "ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED")) {
      throw new ModelgateError("INVALID_OPTION", `${what} is encrypted: give its password (modelgate CLI: in the MODELGATE_KEY_PASSWORD environment variable)`, { cause: e });
    }
    throw keyError(what, e);
  }
}

/** Loads a public key (SPKI PEM or DER; a private key or certificate PEM also gives its public key). */
export function loadPublicKey(input: KeyInput, what = "the public key"): KeyObject {
  if (input instanceof KeyObject) return input.type === "private" ? createPublicKey(input) : input;
  try {
    if (Buffer.isBuffer(input) && input[0] === 0x30) return createPublicKey({ key: input, format: "der", type: "spki" });
    return createPublicKey({ key: input });
  } catch (e) {
    throw keyError(what, e);
  }
}

/** The public key as plain SPKI PEM, the form Python cryptography writes (64-column base64, final newline). */
export function canonicalPem(key: KeyObject): string {
  return key.export({ type: "spki", format: "pem" }).toString();
}

/**
 * verificationMaterial.publicKey.hint as model_signing 1.1 writes it: the sha256 hex of the public key's
 * canonical PEM (not of the file the user gave, which may hold other text).
 */
export function publicKeyHint(key: KeyObject): string {
  return createHash("sha256").update(canonicalPem(key)).digest("hex");
}

/** Same public key? (compares SPKI DER) */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: "spki", format: "der" }).equals(b.export({ type: "spki", format: "der" }));
}

/** Signs `data`: ECDSA (DER signature, hash by curve) or Ed25519. */
export function signData(key: KeyObject, data: Buffer): Buffer {
  const alg = signingAlgorithm(key, "the private key");
  return cryptoSign(alg.hash, data, alg.kind === "ecdsa" ? { key, dsaEncoding: "der" } : key);
}

/** Verifies a signature made by signData; `hash` overrides the curve's hash (legacy v0.2 signatures). */
export function verifyData(key: KeyObject, data: Buffer, signature: Buffer, hash?: "sha256"): boolean {
  const alg = signingAlgorithm(key, "the public key");
  try {
    return cryptoVerify(alg.kind === "ecdsa" ? (hash ?? alg.hash) : null, data, alg.kind === "ecdsa" ? { key, dsaEncoding: "der" } : key, signature);
  } catch {
    return false;
  }
}
