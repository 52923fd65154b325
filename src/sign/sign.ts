import { ModelgateError } from "../core/errors.js";
import { statementJson } from "./format/statement.js";
import { loadPrivateKey, signingAlgorithm } from "./keys.js";
import { hashModel, subjectDigest } from "./manifest/index.js";
import { signWithCertificate } from "./methods/certificate.js";
import { signWithKey } from "./methods/key.js";
import { signWithSigstore } from "./methods/sigstore.js";
import { defaultSignaturePath, signatureInsideModel, writeFileAtomically } from "./paths.js";
import { SIGNING_METHODS, type SignOptions, type SignResult, type SigningMethod } from "./types.js";

export const ED25519_WARNING =
  "Ed25519 signatures are a modelgate extension: model_signing and other OpenSSF model-signing verifiers cannot verify them (use an ECDSA P-256/P-384/P-521 key for interoperable signatures)";

function resolveMethod(o: SignOptions): SigningMethod {
  const method = o.method ?? (o.signingCertificate !== undefined ? "certificate" : "key");
  if (!SIGNING_METHODS.includes(method)) throw new ModelgateError("INVALID_OPTION", `signing method must be one of ${SIGNING_METHODS.join(", ")}, got ${String(method)}`);
  if ((method === "key" || method === "certificate") && o.privateKey === undefined) {
    throw new ModelgateError("USAGE", `the ${method} method needs a private key`);
  }
  if (method === "certificate" && o.signingCertificate === undefined) throw new ModelgateError("USAGE", "the certificate method needs the signing certificate");
  if (method !== "certificate" && (o.signingCertificate !== undefined || (o.certificateChain ?? []).length > 0)) {
    throw new ModelgateError("USAGE", `certificates are only used by the certificate method, not ${method}`);
  }
  if (method === "sigstore" && o.privateKey !== undefined) throw new ModelgateError("USAGE", "the sigstore method is keyless: it takes no private key");
  return method;
}

/**
 * Signs a model (a folder or a single file) in the OpenSSF model-signing format: hashes it (the signature
 * file itself and .git* are left out), builds the in-toto statement, signs it with the chosen method and
 * writes the Sigstore bundle to the signature path.
 */
export async function sign(modelPath: string, options: SignOptions = {}): Promise<SignResult> {
  const method = resolveMethod(options);
  const warnings: string[] = [];
  // Load keys and certificates before hours of hashing, so bad material fails at once.
  const privateKey = options.privateKey === undefined ? undefined : loadPrivateKey(options.privateKey, "the private key", options.passphrase);
  if (privateKey) {
    const alg = signingAlgorithm(privateKey, "the private key");
    if (!alg.modelSigningCompatible) {
      if (method === "certificate") throw new ModelgateError("UNSUPPORTED", "the certificate method signs with ECDSA keys (P-256, P-384, P-521) only");
      warnings.push(ED25519_WARNING);
    }
  }
  const signaturePath = options.signaturePath ?? (await defaultSignaturePath(modelPath));
  const inside = signatureInsideModel(modelPath, signaturePath);
  const serialization = { ...options.serialization, ignorePaths: [...(options.serialization?.ignorePaths ?? []), ...(inside ? [inside] : [])] };
  const manifest = await hashModel(modelPath, serialization, options.onProgress);
  const statement = statementJson(manifest);
  const payload = Buffer.from(statement, "utf8");

  let bundle: string;
  let keyHint: string | undefined;
  if (method === "key") {
    ({ bundle, hint: keyHint } = signWithKey(privateKey!, payload));
  } else if (method === "certificate") {
    ({ bundle } = signWithCertificate(privateKey!, options.signingCertificate!, options.certificateChain ?? [], payload));
  } else {
    bundle = await signWithSigstore(payload, options);
  }
  await writeFileAtomically(signaturePath, bundle, "the signature");
  return {
    method,
    signaturePath,
    bundle,
    statement,
    modelName: manifest.modelName,
    subjectDigest: subjectDigest(manifest.resources).toString("hex"),
    resources: manifest.resources.length,
    ...(keyHint === undefined ? {} : { keyHint }),
    warnings,
  };
}
