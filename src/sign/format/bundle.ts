/**
 * Sigstore bundles (v0.3 JSON) as model_signing writes and reads them. Parsed here by hand rather than
 * with @sigstore/bundle: model_signing's certificate method puts a certificate chain in a v0.3 bundle,
 * which the v0.3 spec (and bundleFromJSON) rejects, and we want errors that name the offending field.
 */
import { ModelgateError } from "../../core/errors.js";
import { INTOTO_PAYLOAD_TYPE } from "./dsse.js";

export const BUNDLE_V03_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const BUNDLE_MEDIA_TYPES: readonly string[] = [
  "application/vnd.dev.sigstore.bundle+json;version=0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3",
  BUNDLE_V03_MEDIA_TYPE,
];

/** Largest signature file read (a sharded manifest of a very large model is a few tens of MB). */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

export type VerificationMaterial =
  /** key method: a hint (model_signing ≥ 1.1) or the PEM itself in rawBytes (earlier) */
  | { kind: "publicKey"; hint: string | undefined; rawBytes: Buffer | undefined; keyDetails: string | undefined }
  /** certificate method: leaf first, then intermediates */
  | { kind: "x509CertificateChain"; certificates: Buffer[] }
  /** sigstore method: the Fulcio certificate */
  | { kind: "certificate"; certificate: Buffer };

export interface ParsedBundle {
  /** The JSON as read (handed to sigstore-js for the sigstore method). */
  json: Record<string, unknown>;
  mediaType: string;
  material: VerificationMaterial;
  tlogEntries: unknown[];
  payload: Buffer;
  payloadType: string;
  signature: Buffer;
  keyid: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Strict base64 (standard or URL-safe alphabet, as protobuf JSON accepts); undefined when invalid. */
export function decodeBase64(s: string): Buffer | undefined {
  if (B64.test(s)) return Buffer.from(s, "base64");
  if (B64URL.test(s) && s.replace(/=+$/, "").length % 4 !== 1) return Buffer.from(s, "base64url");
  return undefined;
}

/**
 * Parses a bundle. Throws ModelgateError("MALFORMED_BUNDLE") naming `source` and what is wrong: not JSON,
 * a missing field, a media type that is not a Sigstore bundle, a payload type that is not in-toto, no or
 * several signatures.
 */
export function parseBundle(text: string | Buffer, source: string): ParsedBundle {
  function bad(message: string): never {
    throw new ModelgateError("MALFORMED_BUNDLE", `${source} is not a valid model signature: ${message}`);
  }
  const str = Buffer.isBuffer(text) ? text.toString("utf8") : text;
  let doc: unknown;
  try {
    doc = JSON.parse(str);
  } catch (e) {
    bad(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) bad("not a JSON object");
  const mediaType = doc.mediaType;
  if (typeof mediaType !== "string") bad("mediaType is missing");
  if (!BUNDLE_MEDIA_TYPES.includes(mediaType)) bad(`wrong media type ${JSON.stringify(mediaType)}; expected a Sigstore bundle (${BUNDLE_V03_MEDIA_TYPE})`);
  const vm = doc.verificationMaterial;
  if (!isObject(vm)) bad("verificationMaterial is missing");
  const b64 = (v: unknown, field: string): Buffer => {
    if (typeof v !== "string") bad(`${field} is missing`);
    const out = decodeBase64(v);
    if (!out) bad(`${field} is not valid base64`);
    return out;
  };
  let material: VerificationMaterial;
  if (isObject(vm.publicKey)) {
    const pk = vm.publicKey;
    if (pk.hint !== undefined && typeof pk.hint !== "string") bad("verificationMaterial.publicKey.hint must be a string");
    if (pk.keyDetails !== undefined && typeof pk.keyDetails !== "string") bad("verificationMaterial.publicKey.keyDetails must be a string");
    material = {
      kind: "publicKey",
      hint: (pk.hint as string | undefined) || undefined,
      rawBytes: pk.rawBytes === undefined ? undefined : b64(pk.rawBytes, "verificationMaterial.publicKey.rawBytes"),
      keyDetails: pk.keyDetails as string | undefined,
    };
  } else if (isObject(vm.x509CertificateChain)) {
    const certs = vm.x509CertificateChain.certificates;
    if (!Array.isArray(certs) || certs.length === 0) bad("verificationMaterial.x509CertificateChain.certificates must be a non-empty list");
    material = {
      kind: "x509CertificateChain",
      certificates: certs.map((c: unknown, i: number) => b64(isObject(c) ? c.rawBytes : undefined, `verificationMaterial.x509CertificateChain.certificates[${i}].rawBytes`)),
    };
  } else if (isObject(vm.certificate)) {
    material = { kind: "certificate", certificate: b64(vm.certificate.rawBytes, "verificationMaterial.certificate.rawBytes") };
  } else bad("verificationMaterial has no publicKey, x509CertificateChain or certificate");
  const tlogEntries = vm.tlogEntries ?? [];
  if (!Array.isArray(tlogEntries)) bad("verificationMaterial.tlogEntries must be a list");
  const env = doc.dsseEnvelope;
  if (!isObject(env)) bad(isObject(doc.messageSignature) ? "it signs a single blob (messageSignature), not a model (dsseEnvelope)" : "dsseEnvelope is missing");
  if (typeof env.payloadType !== "string") bad("dsseEnvelope.payloadType is missing");
  if (env.payloadType !== INTOTO_PAYLOAD_TYPE) bad(`wrong payload type ${JSON.stringify(env.payloadType)}; expected ${INTOTO_PAYLOAD_TYPE}`);
  const payload = b64(env.payload, "dsseEnvelope.payload");
  const sigs = env.signatures;
  if (!Array.isArray(sigs) || sigs.length === 0) bad("dsseEnvelope.signatures must hold one signature");
  if (sigs.length !== 1) bad(`dsseEnvelope.signatures holds ${sigs.length} signatures; a model signature has exactly one`);
  const sig0 = sigs[0] as unknown;
  if (!isObject(sig0)) bad("dsseEnvelope.signatures[0] must be an object");
  if (sig0.keyid !== undefined && sig0.keyid !== null && typeof sig0.keyid !== "string") bad("dsseEnvelope.signatures[0].keyid must be a string");
  return {
    json: doc,
    mediaType,
    material,
    tlogEntries,
    payload,
    payloadType: env.payloadType,
    signature: b64(sig0.sig, "dsseEnvelope.signatures[0].sig"),
    keyid: (sig0.keyid as string | null | undefined) ?? null,
  };
}

/** The bundle JSON model_signing 1.1 writes for the key and certificate methods (compact, this field order). */
export function serializeBundle(material: { publicKeyHint: string } | { certificates: Buffer[] }, payload: Buffer, signature: Buffer): string {
  const verificationMaterial =
    "publicKeyHint" in material
      ? { publicKey: { hint: material.publicKeyHint }, tlogEntries: [] }
      : { x509CertificateChain: { certificates: material.certificates.map((c) => ({ rawBytes: c.toString("base64") })) }, tlogEntries: [] };
  return JSON.stringify({
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial,
    dsseEnvelope: {
      payload: payload.toString("base64"),
      payloadType: INTOTO_PAYLOAD_TYPE,
      signatures: [{ sig: signature.toString("base64"), keyid: "" }],
    },
  });
}
