import type { HashProgress, SerializationOptions } from "./manifest/index.js";
import type { KeyInput } from "./keys.js";

/** key: an ECDSA (or Ed25519) key pair; certificate: a key with an X.509 chain; sigstore: keyless (Fulcio + Rekor). */
export type SigningMethod = "key" | "certificate" | "sigstore";

export const SIGNING_METHODS: readonly SigningMethod[] = ["key", "certificate", "sigstore"];

/** PEM text or bytes (several certificates may follow each other), or DER bytes of one certificate. */
export type CertificateInput = string | Buffer;

export interface SignOptions {
  /** Default: "certificate" when a signing certificate is given, else "key"; "sigstore" must be asked for. */
  method?: SigningMethod;
  /** Where to write the signature. Default: MODEL/model.sig for a folder, MODEL.sig next to a single file. */
  signaturePath?: string;
  /** key and certificate methods: ECDSA P-256/P-384/P-521 (or Ed25519 for the key method: not readable by model_signing). */
  privateKey?: KeyInput;
  /** Password of an encrypted private key. */
  passphrase?: string;
  /** certificate method: the signing (leaf) certificate, whose public key is the private key's. */
  signingCertificate?: CertificateInput;
  /** certificate method: intermediates written after the leaf (each input may hold several PEM certificates). */
  certificateChain?: CertificateInput[];
  /** sigstore method: OIDC identity token (default: SIGSTORE_ID_TOKEN, or GitHub Actions' ambient token). */
  identityToken?: string;
  /** sigstore method: service URLs (default: the public-good instance; no timestamp authority). */
  fulcioURL?: string;
  rekorURL?: string;
  tsaServerURL?: string;
  /** How the model is hashed (method, hash type, shard size, symlinks, extra ignore paths relative to the model). */
  serialization?: Partial<SerializationOptions>;
  onProgress?: (p: HashProgress) => void;
}

export interface SignResult {
  method: SigningMethod;
  signaturePath: string;
  /** The bundle as written. */
  bundle: string;
  /** The signed in-toto statement (DSSE payload). */
  statement: string;
  modelName: string;
  /** sha256 hex over the resource digests: the statement's subject digest. */
  subjectDigest: string;
  resources: number;
  /** key method: publicKey.hint */
  keyHint?: string;
  /** e.g. Ed25519 is not readable by model_signing */
  warnings: string[];
}

export interface VerifyOptions {
  /** Default as for sign(): MODEL/model.sig for a folder, MODEL.sig for a file. */
  signaturePath?: string;
  /** key method: the signer's public key. */
  publicKey?: KeyInput;
  /** certificate method: the certificates you trust (roots or intermediates); the chain must end at one. */
  trustAnchors?: CertificateInput[];
  /** sigstore method: the signer's identity (certificate SAN: email or URI) and OIDC issuer, matched exactly. */
  identity?: string;
  issuer?: string;
  /** sigstore method: a TrustedRoot or ClientTrustConfig JSON (text, bytes or parsed). Default: the public-good root shipped in @sigstore/tuf. */
  trustRoot?: string | Buffer | Record<string, unknown>;
  /** More paths to leave out, relative to the model (those the signer recorded are always left out). */
  ignorePaths?: string[];
  /** Follow symbolic links even if the signer did not. */
  allowSymlinks?: boolean;
  /** Files not named in the signature are not an error (model_signing's --ignore_unsigned_files). */
  ignoreUnsignedFiles?: boolean;
  /** Accept model_signing v0.2 signatures (non-standard DSSE encoding, SHA-256 whatever the curve). Off by default. */
  allowLegacy?: boolean;
  onProgress?: (p: HashProgress) => void;
}

export type VerificationFailureReason =
  /** the signature does not verify over the statement (changed signature file, or another key) */
  | "signature-invalid"
  /** the bundle names another key than the one given (publicKey.hint or rawBytes) */
  | "key-mismatch"
  /** the certificate chain does not lead to a trusted certificate */
  | "certificate-untrusted"
  /** a certificate of the chain was not valid at signing time */
  | "certificate-expired"
  /** the signing certificate may not sign (no digitalSignature / codeSigning) */
  | "certificate-usage"
  /** sigstore: signed by another identity or issuer */
  | "identity-mismatch"
  /** sigstore: transparency log entry, SCT or timestamp did not verify */
  | "transparency-log"
  /** the bundle was made with another method than the material given to verify it */
  | "method-mismatch"
  /** a model_signing v0.2 signature and allowLegacy is off */
  | "legacy-format"
  /** the statement's subject digest is not the digest of its resources */
  | "statement-inconsistent"
  /** the model differs from what was signed */
  | "files-extra"
  | "files-missing"
  | "files-changed";

export interface VerificationFailure {
  reason: VerificationFailureReason;
  message: string;
  /** For the files-* reasons: the resource names (files, or path:start:end shards). */
  files?: string[];
}

export interface SignerInfo {
  /** key method */
  keyHint?: string;
  /** certificate method: the leaf's subject and issuer; sigstore: the Fulcio certificate's */
  certificateSubject?: string;
  certificateIssuer?: string;
  /** sigstore method: the verified identity and issuer */
  identity?: string;
  issuer?: string;
}

export interface VerifyResult {
  verified: boolean;
  method: SigningMethod;
  signaturePath: string;
  /** true when a model_signing v0.2 signature was verified (allowLegacy). */
  legacy: boolean;
  /** From the signed statement, once the signature verified. */
  modelName?: string;
  subjectDigest?: string;
  resources?: number;
  signer?: SignerInfo;
  /** Empty when verified. */
  failures: VerificationFailure[];
}
