/**
 * Model signing in the OpenSSF model-signing format (what the `model_signing` tool writes and reads):
 * sign(), verify(), and the pieces they are built from.
 *
 * Decisions, on purpose:
 * - Statements and bundles are written byte-for-byte as model_signing 1.1 writes them where its output is
 *   deterministic (checked against its goldens and test vectors). ignore_paths are sorted (model_signing
 *   writes them in Python set order, which verifiers read as a set).
 * - key / certificate methods are verified here, not by @sigstore/verify (it hashes ECDSA signatures with
 *   SHA-256 whatever the curve and rejects model_signing's P-384 signatures). The certificate chain is
 *   checked at the signing certificate's notBefore, as model_signing does (the signing time is not
 *   recorded); a trust anchor is trusted as given, even when it is not a self-signed root.
 * - sigstore (keyless) verification is offline against a trusted root (default: the public-good root
 *   shipped in @sigstore/tuf); identity and issuer are compared exactly (sigstore-js would read the
 *   identity as a regular expression).
 * - model_signing v0.2 signatures (predicate Digests/v0.1, signed over a buggy DSSE encoding with SHA-256)
 *   are refused by default with reason "legacy-format"; `allowLegacy` (CLI --allow-legacy) verifies them.
 * - Ed25519 keys are accepted for the key method as a modelgate extension; model_signing cannot verify
 *   such signatures, and sign() returns a warning saying so.
 * - Default signature path: MODEL/model.sig for a folder, MODEL.sig beside a single file (model_signing's
 *   CLI defaults to ./model.sig in the current directory).
 */
export { sign, ED25519_WARNING } from "./sign.js";
export { verify } from "./verify.js";
export { DEFAULT_SIGNATURE_NAME, defaultSignaturePath } from "./paths.js";
export { statementJson, parseStatement, MODEL_SIGNING_PREDICATE_TYPE, LEGACY_PREDICATE_TYPE, STATEMENT_TYPE, type SignedManifest, type LegacySignedManifest } from "./format/statement.js";
export { parseBundle, serializeBundle, BUNDLE_V03_MEDIA_TYPE, type ParsedBundle, type VerificationMaterial } from "./format/bundle.js";
export { pae, legacyPae, INTOTO_PAYLOAD_TYPE } from "./format/dsse.js";
export { loadPrivateKey, loadPublicKey, publicKeyHint, signData, verifyData, signingAlgorithm, type KeyInput, type SigningAlgorithm } from "./keys.js";
export { defaultTrustedRoot, parseTrustRoot } from "./methods/sigstore.js";
export {
  SIGNING_METHODS,
  type CertificateInput,
  type SignOptions,
  type SignResult,
  type SignerInfo,
  type SigningMethod,
  type VerificationFailure,
  type VerificationFailureReason,
  type VerifyOptions,
  type VerifyResult,
} from "./types.js";
