/**
 * Keyless signing and verification through sigstore-js. Signing needs the network (Fulcio, Rekor) and an
 * OIDC token, and happens only when asked for. Verification is offline: the bundle carries the Rekor
 * inclusion proof and SCT, checked against a trusted root file. The key and certificate methods do not go
 * through sigstore-js: @sigstore/verify hashes ECDSA signatures with SHA-256 whatever the curve, so it
 * rejects model_signing's P-384 signatures.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { ModelgateError } from "../../core/errors.js";
import { INTOTO_PAYLOAD_TYPE } from "../format/dsse.js";
import type { ParsedBundle } from "../format/bundle.js";
import type { SignatureCheck } from "./envelope.js";
import type { VerificationFailureReason } from "../types.js";

export interface SigstoreSignOptions {
  identityToken?: string;
  fulcioURL?: string;
  rekorURL?: string;
  tsaServerURL?: string;
}

/** Signs the statement keylessly; returns the bundle JSON (v0.3, DSSE, Rekor "dsse" entry). */
export async function signWithSigstore(payload: Buffer, options: SigstoreSignOptions): Promise<string> {
  const token = options.identityToken ?? process.env.SIGSTORE_ID_TOKEN;
  if (!token && !process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    throw new ModelgateError(
      "USAGE",
      "keyless signing needs an OIDC identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write`",
    );
  }
  const sigstore = await import("sigstore");
  try {
    const bundle = await sigstore.attest(payload, INTOTO_PAYLOAD_TYPE, {
      ...(token ? { identityToken: token } : {}),
      ...(options.fulcioURL ? { fulcioURL: options.fulcioURL } : {}),
      ...(options.rekorURL ? { rekorURL: options.rekorURL } : {}),
      ...(options.tsaServerURL ? { tsaServerURL: options.tsaServerURL } : {}),
    });
    return JSON.stringify(bundle);
  } catch (e) {
    throw new ModelgateError("SIGNING_FAILED", `keyless signing failed: ${(e as Error).message}`, { cause: e });
  }
}

/** The public-good Sigstore trusted root that @sigstore/tuf ships as its TUF seed (no network). */
export function defaultTrustedRoot(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  const seeds = JSON.parse(readFileSync(require.resolve("@sigstore/tuf/seeds.json"), "utf8")) as Record<string, { targets?: Record<string, string> }>;
  const b64 = seeds["https://tuf-repo-cdn.sigstore.dev"]?.targets?.["trusted_root.json"];
  if (!b64) throw new ModelgateError("INTERNAL", "@sigstore/tuf ships no public-good trusted_root.json");
  return JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as Record<string, unknown>;
}

/** A TrustedRoot JSON, or the trustedRoot inside a ClientTrustConfig (model_signing's --trust_config). */
export function parseTrustRoot(input: string | Buffer | Record<string, unknown>, what = "the trust root"): Record<string, unknown> {
  let doc: unknown = input;
  if (typeof input === "string" || Buffer.isBuffer(input)) {
    try {
      doc = JSON.parse(input.toString());
    } catch (e) {
      throw new ModelgateError("MALFORMED_INPUT", `${what} is not JSON: ${(e as Error).message}`);
    }
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObj(doc)) throw new ModelgateError("MALFORMED_INPUT", `${what} is not a JSON object`);
  const mediaType = typeof doc.mediaType === "string" ? doc.mediaType : "";
  if (mediaType.startsWith("application/vnd.dev.sigstore.clienttrustconfig")) {
    if (!isObj(doc.trustedRoot)) throw new ModelgateError("MALFORMED_INPUT", `${what} is a client trust config without a trustedRoot`);
    return doc.trustedRoot;
  }
  if (!mediaType.startsWith("application/vnd.dev.sigstore.trustedroot")) {
    throw new ModelgateError("MALFORMED_INPUT", `${what} is not a Sigstore trusted root (mediaType ${JSON.stringify(doc.mediaType)})`);
  }
  return doc;
}

function reasonOf(e: unknown): VerificationFailureReason {
  const name = (e as Error).name;
  const code = (e as { code?: string }).code ?? "";
  if (name === "PolicyError") return "identity-mismatch";
  if (code === "CERTIFICATE_ERROR") return "certificate-untrusted";
  if (code === "SIGNATURE_ERROR") return "signature-invalid";
  if (code === "PUBLIC_KEY_ERROR") return "key-mismatch";
  return "transparency-log";
}

/**
 * Sigstore method, offline: Fulcio chain to the trusted root's CAs, SCT, Rekor inclusion (proof or promise),
 * timestamps, the DSSE signature, and the policy (certificate SAN == identity, OIDC issuer == issuer, exactly).
 */
export async function checkSigstoreBundle(
  bundle: ParsedBundle,
  policy: { identity: string; issuer: string },
  trustRoot: Record<string, unknown>,
): Promise<SignatureCheck> {
  const [{ bundleFromJSON }, { Verifier, toSignedEntity, toTrustMaterial }, { TrustedRoot }] = await Promise.all([
    import("@sigstore/bundle"),
    import("@sigstore/verify"),
    import("@sigstore/protobuf-specs"),
  ]);
  let trustMaterial;
  try {
    trustMaterial = toTrustMaterial(TrustedRoot.fromJSON(trustRoot));
  } catch (e) {
    throw new ModelgateError("MALFORMED_INPUT", `the trust root cannot be read: ${(e as Error).message}`, { cause: e });
  }
  let parsed;
  try {
    parsed = bundleFromJSON(bundle.json);
  } catch (e) {
    throw new ModelgateError("MALFORMED_BUNDLE", `the signature is not a valid Sigstore bundle: ${(e as Error).message}`, { cause: e });
  }
  try {
    // No policy here: @sigstore/verify reads the identity as a regular expression (so "a@b.co" would accept
    // "a@b.com"); the identity and issuer are compared exactly below, as model_signing does.
    const signer = new Verifier(trustMaterial).verify(toSignedEntity(parsed));
    const identity = signer.identity?.subjectAlternativeName;
    const issuer = signer.identity?.extensions?.issuer;
    if (identity !== policy.identity || issuer !== policy.issuer) {
      const what = identity !== policy.identity ? `identity ${JSON.stringify(identity ?? null)}, not ${JSON.stringify(policy.identity)}` : `issuer ${JSON.stringify(issuer ?? null)}, not ${JSON.stringify(policy.issuer)}`;
      return { ok: false, failure: { reason: "identity-mismatch", message: `signed by another identity: the certificate names ${what}` } };
    }
    return { ok: true, legacy: false, signer: { identity, issuer } };
  } catch (e) {
    if (!(e instanceof Error) || !("code" in e)) throw e;
    return { ok: false, failure: { reason: reasonOf(e), message: `Sigstore verification failed: ${e.message}` } };
  }
}
