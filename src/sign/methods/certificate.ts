import type { KeyObject } from "node:crypto";
import { ModelgateError } from "../../core/errors.js";
import { serializeBundle, type ParsedBundle } from "../format/bundle.js";
import { INTOTO_PAYLOAD_TYPE, pae } from "../format/dsse.js";
import { loadPublicKey, samePublicKey, signData, signingAlgorithm } from "../keys.js";
import { certificatesFromPem, describeCertificate, parseCertificate, KEY_USAGE, OID, type Certificate } from "../x509/certificate.js";
import { verifyCertificateChain } from "../x509/chain.js";
import type { CertificateInput } from "../types.js";
import { checkEnvelopeSignature, signatureInvalid, type SignatureCheck } from "./envelope.js";

/** Every certificate of the inputs, parsed; `what` names the input in errors. */
export function loadCertificates(inputs: CertificateInput[], what: string): Certificate[] {
  return inputs.flatMap((input, i) => {
    const label = inputs.length > 1 ? `${what} ${i + 1}` : what;
    return certificatesFromPem(input, label).map((der, j, all) => parseCertificate(der, all.length > 1 ? `${label} (certificate ${j + 1})` : label));
  });
}

/**
 * Signs with a private key and its certificate: the bundle carries [leaf, ...chain] in
 * x509CertificateChain, as model_signing writes it. Refuses a certificate that does not match the key or
 * may not sign (model_signing would refuse it when verifying).
 */
export function signWithCertificate(privateKey: KeyObject, leafInput: CertificateInput, chainInputs: CertificateInput[], payload: Buffer): { bundle: string; leaf: Certificate } {
  const alg = signingAlgorithm(privateKey, "the private key");
  if (alg.kind !== "ecdsa") throw new ModelgateError("UNSUPPORTED", "the certificate method signs with ECDSA keys (P-256, P-384, P-521) only");
  const [leaf, ...extra] = loadCertificates([leafInput], "the signing certificate");
  if (!leaf) throw new ModelgateError("INVALID_OPTION", "no signing certificate");
  if (extra.length > 0) throw new ModelgateError("INVALID_OPTION", "the signing certificate file holds several certificates: give the leaf alone and the rest with --certificate-chain");
  if (!samePublicKey(leaf.x509.publicKey, loadPublicKey(privateKey))) {
    throw new ModelgateError("INVALID_OPTION", `the signing certificate (${describeCertificate(leaf)}) is not for this private key`);
  }
  const canSign = (leaf.keyUsage !== undefined && (leaf.keyUsage & KEY_USAGE.digitalSignature) !== 0) || (leaf.extKeyUsage ?? []).includes(OID.codeSigning);
  if (!canSign) throw new ModelgateError("INVALID_OPTION", `the signing certificate (${describeCertificate(leaf)}) allows neither digitalSignature nor codeSigning`);
  const chain = loadCertificates(chainInputs, "the certificate chain");
  const signature = signData(privateKey, pae(INTOTO_PAYLOAD_TYPE, payload));
  return { bundle: serializeBundle({ certificates: [leaf.der, ...chain.map((c) => c.der)] }, payload, signature), leaf };
}

/**
 * Certificate method, as model_signing checks it: the leaf chains (through the bundle's other
 * certificates) to one of the trust anchors, every certificate valid at the leaf's notBefore (the signing
 * time is not recorded), the leaf may sign, and the DSSE signature verifies with the leaf's key.
 */
export function checkCertificateBundle(bundle: ParsedBundle, anchors: Certificate[], allowLegacy: boolean): SignatureCheck {
  if (bundle.material.kind !== "x509CertificateChain") throw new Error("checkCertificateBundle: not a certificate-chain bundle");
  const [leaf, ...intermediates] = bundle.material.certificates.map((der, i) => {
    try {
      return parseCertificate(der, `certificate ${i + 1} of the signature's chain`);
    } catch (e) {
      if (e instanceof ModelgateError) throw new ModelgateError("MALFORMED_BUNDLE", e.message, { cause: e });
      throw e;
    }
  });
  const chain = verifyCertificateChain(leaf!, intermediates, anchors, leaf!.notBefore);
  if (!chain.ok) return { ok: false, failure: { reason: chain.reason, message: chain.message } };
  signingAlgorithm(leaf!.x509.publicKey, "the signing certificate's key");
  const signer = { certificateSubject: describeCertificate(leaf!), certificateIssuer: leaf!.x509.issuer.split("\n").join(", ") };
  const sig = checkEnvelopeSignature(bundle, leaf!.x509.publicKey, allowLegacy);
  if (!sig.ok) return { ok: false, failure: signatureInvalid(`the signing certificate's key (${signer.certificateSubject})`) };
  return { ok: true, legacy: sig.legacy, signer };
}
