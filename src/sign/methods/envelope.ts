import type { KeyObject } from "node:crypto";
import { legacyPae, pae } from "../format/dsse.js";
import type { ParsedBundle } from "../format/bundle.js";
import { verifyData } from "../keys.js";
import type { SignerInfo, VerificationFailure } from "../types.js";

/** Outcome of checking who signed a bundle (before the model's files are looked at). */
export type SignatureCheck = { ok: true; legacy: boolean; signer: SignerInfo } | { ok: false; failure: VerificationFailure };

/**
 * Checks the DSSE signature with `key` over the standard PAE (hash by curve); with `allowLegacy`, falls
 * back to the encoding model_signing v0.2 used (see legacyPae). Returns whether it verified and how.
 */
export function checkEnvelopeSignature(bundle: ParsedBundle, key: KeyObject, allowLegacy: boolean): { ok: boolean; legacy: boolean } {
  if (verifyData(key, pae(bundle.payloadType, bundle.payload), bundle.signature)) return { ok: true, legacy: false };
  if (allowLegacy && verifyData(key, legacyPae(bundle.payloadType, bundle.payload), bundle.signature, "sha256")) return { ok: true, legacy: true };
  return { ok: false, legacy: false };
}

export function signatureInvalid(what: string): VerificationFailure {
  return {
    reason: "signature-invalid",
    message: `the signature does not verify with ${what}: the signature file was changed after signing, or it was made with another key`,
  };
}
