import { basename } from "node:path";
import { ModelgateError } from "../core/errors.js";
import { parseBundle, type ParsedBundle } from "./format/bundle.js";
import { LEGACY_PREDICATE_TYPE, parseStatement, parseStatementJson, type LegacySignedManifest, type SignedManifest } from "./format/statement.js";
import { loadPublicKey } from "./keys.js";
import { diffManifests, hashModel, resolveSerializationOptions, resourcePath, subjectDigest, type ResourceDigest, type SerializationOptions } from "./manifest/index.js";
import { checkCertificateBundle, loadCertificates } from "./methods/certificate.js";
import type { SignatureCheck } from "./methods/envelope.js";
import { checkKeyBundle } from "./methods/key.js";
import { checkSigstoreBundle, defaultTrustedRoot, parseTrustRoot } from "./methods/sigstore.js";
import { defaultSignaturePath, readInputFile, signatureInsideModel } from "./paths.js";
import type { SigningMethod, VerificationFailure, VerifyOptions, VerifyResult } from "./types.js";

const METHOD_OF: Record<ParsedBundle["material"]["kind"], SigningMethod> = {
  publicKey: "key",
  x509CertificateChain: "certificate",
  certificate: "sigstore",
};

const FLAG_OF: Record<SigningMethod, string> = {
  key: "a public key (--public-key)",
  certificate: "trusted certificates (--certificate-chain)",
  sigstore: "an identity and issuer (--identity, --issuer)",
};

/** Which verification material the caller gave; exactly one kind is required. */
function requestedMethod(o: VerifyOptions): SigningMethod {
  const given: SigningMethod[] = [];
  if (o.publicKey !== undefined) given.push("key");
  if (o.trustAnchors !== undefined && o.trustAnchors.length > 0) given.push("certificate");
  if (o.identity !== undefined || o.issuer !== undefined) {
    if (!o.identity || !o.issuer) throw new ModelgateError("USAGE", "keyless (sigstore) verification needs both an identity (--identity) and an OIDC issuer (--issuer)");
    given.push("sigstore");
  }
  if (given.length === 0) {
    throw new ModelgateError("USAGE", "nothing to verify against: give a public key (--public-key), trusted certificates (--certificate-chain), or an identity and issuer (--identity, --issuer)");
  }
  if (given.length > 1) throw new ModelgateError("USAGE", `give one kind of verification material, not ${given.map((m) => FLAG_OF[m]).join(" and ")}`);
  return given[0]!;
}

/** Whether an unverified payload looks like a model_signing v0.2 statement (only used to explain a failure). */
function looksLegacy(payload: Buffer): boolean {
  try {
    return parseStatementJson(payload).predicateType === LEGACY_PREDICATE_TYPE;
  } catch {
    return false;
  }
}

async function checkSignature(bundle: ParsedBundle, method: SigningMethod, o: VerifyOptions): Promise<SignatureCheck> {
  const allowLegacy = o.allowLegacy === true;
  if (method === "key") return checkKeyBundle(bundle, loadPublicKey(o.publicKey!, "the public key"), allowLegacy);
  if (method === "certificate") return checkCertificateBundle(bundle, loadCertificates(o.trustAnchors!, "the trusted certificates"), allowLegacy);
  const root = o.trustRoot === undefined ? defaultTrustedRoot() : parseTrustRoot(o.trustRoot);
  return checkSigstoreBundle(bundle, { identity: o.identity!, issuer: o.issuer! }, root);
}

/** Resource names for messages; a single-file model's "." (or ".:start:end") is shown as the file's path. */
function describeFiles(names: string[], modelPath: string | undefined, max = 10): string {
  const show = (n: string) => (modelPath !== undefined && (n === "." || n.startsWith(".:")) ? `${modelPath}${n.slice(1)}` : n);
  const shown = names.slice(0, max).map(show).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** Compares what was signed with what is on disk now; one failure per kind of difference. */
export function compareResources(expected: ResourceDigest[], actual: ResourceDigest[], ignoreUnsigned: boolean, modelPath?: string): VerificationFailure[] {
  const d = diffManifests(expected, actual);
  const failures: VerificationFailure[] = [];
  if (d.changed.length > 0) {
    failures.push({ reason: "files-changed", message: `changed since signing (digest differs): ${describeFiles(d.changed, modelPath)}`, files: d.changed });
  }
  if (d.missing.length > 0) {
    failures.push({ reason: "files-missing", message: `signed but missing now: ${describeFiles(d.missing, modelPath)}`, files: d.missing });
  }
  if (d.extra.length > 0 && !ignoreUnsigned) {
    failures.push({ reason: "files-extra", message: `not covered by the signature (extra files): ${describeFiles(d.extra, modelPath)}`, files: d.extra });
  }
  return failures;
}

/** Hashing options for verification: the signer's, plus the caller's ignores and the signature file. */
function hashingOptions(signed: SerializationOptions, o: VerifyOptions, sigInside: string | undefined): SerializationOptions {
  return resolveSerializationOptions({
    ...signed,
    allowSymlinks: signed.allowSymlinks || o.allowSymlinks === true,
    ignorePaths: [...signed.ignorePaths, ...(o.ignorePaths ?? []), ...(sigInside ? [sigInside] : [])],
  });
}

async function checkLegacyFiles(modelPath: string, signed: LegacySignedManifest, o: VerifyOptions, sigInside: string | undefined): Promise<VerificationFailure[]> {
  const options = hashingOptions(resolveSerializationOptions({ method: "files", hashType: "sha256" }), o, sigInside);
  const manifest = await hashModel(modelPath, options, o.onProgress);
  const single = manifest.resources.length === 1 && manifest.resources[0]!.name === ".";
  const actual = manifest.resources.map((r) => ({ ...r, name: single ? basename(modelPath) : r.name }));
  const expected = signed.files.map((f) => ({ name: f.name, algorithm: "sha256", digest: f.digest }));
  return compareResources(expected, actual, o.ignoreUnsignedFiles === true, modelPath);
}

async function checkFiles(modelPath: string, signed: SignedManifest, o: VerifyOptions, sigInside: string | undefined): Promise<VerificationFailure[]> {
  // Files the signature does not cover are only reported as extra; when they are to be ignored, skip reading them.
  const signedPaths = o.ignoreUnsignedFiles === true ? new Set(signed.resources.map((r) => resourcePath(r.name))) : undefined;
  const select = signedPaths ? (path: string) => signedPaths.has(path) : undefined;
  const manifest = await hashModel(modelPath, hashingOptions(signed.serialization, o, sigInside), o.onProgress, select);
  return compareResources(signed.resources, manifest.resources, o.ignoreUnsignedFiles === true, modelPath);
}

/**
 * Verifies a model against its signature (OpenSSF model-signing format). The method follows from the
 * bundle and the material given. Returns a result whose `failures` say precisely what is wrong (wrong key,
 * untrusted or expired certificate, other identity, changed/missing/extra files). Throws ModelgateError for
 * input that cannot be used at all: USAGE, PATH_NOT_FOUND / PATH_UNREADABLE (naming the file),
 * MALFORMED_BUNDLE (not JSON, missing fields, wrong media or payload type, unknown predicate type),
 * MALFORMED_INPUT (unreadable key or certificate), SYMLINK_NOT_ALLOWED, UNSUPPORTED.
 */
export async function verify(modelPath: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const requested = requestedMethod(options);
  const signaturePath = options.signaturePath ?? (await defaultSignaturePath(modelPath));
  const bundle = parseBundle(await readInputFile(signaturePath, "the signature"), signaturePath);
  const method = METHOD_OF[bundle.material.kind];
  const result: VerifyResult = { verified: false, method, signaturePath, legacy: false, failures: [] };
  if (method !== requested) {
    result.failures.push({
      reason: "method-mismatch",
      message: `the signature was made with the ${method} method and is verified with ${FLAG_OF[method]}, but ${FLAG_OF[requested]} was given`,
    });
    return result;
  }

  const sig = await checkSignature(bundle, method, options);
  if (!sig.ok) {
    if (!options.allowLegacy && method !== "sigstore" && looksLegacy(bundle.payload)) {
      result.failures.push({
        reason: "legacy-format",
        message:
          "this is a model_signing v0.2 signature (predicate https://model_signing/Digests/v0.1), signed over a non-standard encoding; it is refused by default (re-sign the model, or pass --allow-legacy to verify it)",
      });
    } else result.failures.push(sig.failure);
    return result;
  }
  result.signer = sig.signer;
  const signed = parseStatement(bundle.payload);
  const sigInside = signatureInsideModel(modelPath, signaturePath);

  if (signed.predicateType === LEGACY_PREDICATE_TYPE) {
    if (!options.allowLegacy) {
      result.failures.push({ reason: "legacy-format", message: "this is a model_signing v0.2 signature; it is refused by default (re-sign the model, or pass --allow-legacy to verify it)" });
      return result;
    }
    result.legacy = true;
    result.resources = signed.files.length;
    result.failures.push(...(await checkLegacyFiles(modelPath, signed, options, sigInside)));
    result.verified = result.failures.length === 0;
    return result;
  }
  if (sig.legacy) {
    // The v0.2 encoding only ever signed v0.2 statements; anything else signed that way is not trusted.
    result.failures.push({ reason: "signature-invalid", message: "the signature uses the v0.2 encoding but the statement is not a v0.2 statement" });
    return result;
  }
  result.modelName = signed.modelName;
  result.subjectDigest = signed.subjectDigest.toString("hex");
  result.resources = signed.resources.length;
  const computed = subjectDigest(signed.resources);
  if (!computed.equals(signed.subjectDigest)) {
    result.failures.push({
      reason: "statement-inconsistent",
      message: `the signed statement is inconsistent: its subject digest ${result.subjectDigest} is not the digest of its resources (${computed.toString("hex")})`,
    });
    return result;
  }
  result.failures.push(...(await checkFiles(modelPath, signed, options, sigInside)));
  result.verified = result.failures.length === 0;
  return result;
}
