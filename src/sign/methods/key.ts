import type { KeyObject } from "node:crypto";
import { serializeBundle, type ParsedBundle } from "../format/bundle.js";
import { INTOTO_PAYLOAD_TYPE, pae } from "../format/dsse.js";
import { loadPublicKey, publicKeyHint, samePublicKey, signData, signingAlgorithm } from "../keys.js";
import { checkEnvelopeSignature, signatureInvalid, type SignatureCheck } from "./envelope.js";

/** Signs a statement with a private key: the bundle model_signing 1.1 writes (publicKey.hint, no tlog). */
export function signWithKey(privateKey: KeyObject, payload: Buffer): { bundle: string; hint: string } {
  const hint = publicKeyHint(loadPublicKey(privateKey));
  const signature = signData(privateKey, pae(INTOTO_PAYLOAD_TYPE, payload));
  return { bundle: serializeBundle({ publicKeyHint: hint }, payload, signature), hint };
}

/**
 * Key method: the bundle must name the given key (hint, or the older rawBytes PEM) and its signature must
 * verify with it.
 */
export function checkKeyBundle(bundle: ParsedBundle, publicKey: KeyObject, allowLegacy: boolean): SignatureCheck {
  if (bundle.material.kind !== "publicKey") throw new Error("checkKeyBundle: not a key bundle");
  signingAlgorithm(publicKey, "the public key");
  const hint = publicKeyHint(publicKey);
  const { hint: bundleHint, rawBytes } = bundle.material;
  if (bundleHint !== undefined && bundleHint !== hint) {
    return {
      ok: false,
      failure: { reason: "key-mismatch", message: `the model was signed with another key: the signature names key ${bundleHint}, the public key given is ${hint}` },
    };
  }
  if (rawBytes !== undefined) {
    let embedded: KeyObject | undefined;
    try {
      embedded = loadPublicKey(rawBytes, "verificationMaterial.publicKey.rawBytes");
    } catch {
      embedded = undefined; // not a key we can read: the signature check decides
    }
    if (embedded && !samePublicKey(embedded, publicKey)) {
      return {
        ok: false,
        failure: { reason: "key-mismatch", message: `the model was signed with another key: the signature carries key ${publicKeyHint(embedded)}, the public key given is ${hint}` },
      };
    }
  }
  const sig = checkEnvelopeSignature(bundle, publicKey, allowLegacy);
  if (!sig.ok) return { ok: false, failure: signatureInvalid(`the public key ${hint}`) };
  return { ok: true, legacy: sig.legacy, signer: { keyHint: hint } };
}
