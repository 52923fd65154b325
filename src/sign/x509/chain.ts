/**
 * Certificate path validation for the model-signing "certificate" method, the way model_signing does it
 * with OpenSSL (X509StoreContext, the time set to the leaf's notBefore), plus its usage rule: the leaf must
 * allow digitalSignature (KeyUsage) or codeSigning (ExtendedKeyUsage).
 *
 * Issuers are matched by Node's checkIssued (names and key identifiers, as OpenSSL's X509_check_issued)
 * AND a signature check, never by name alone: a certificate whose subject equals its issuer is only
 * self-signed when its own key verifies it (the model-signing test leaf is named like its issuing CA).
 */
import { KEY_USAGE, OID, describeCertificate, type Certificate } from "./certificate.js";

export type ChainFailureReason = "certificate-untrusted" | "certificate-expired" | "certificate-usage";

export type ChainResult = { ok: true; path: Certificate[] } | { ok: false; reason: ChainFailureReason; message: string };

/** Extensions whose meaning we check or that carry no constraint; any other critical extension is refused. */
const UNDERSTOOD = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
]);

const MAX_PATH = 10;

function issuedBy(child: Certificate, issuer: Certificate): boolean {
  try {
    return child.x509.checkIssued(issuer.x509) && child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

function isSelfSigned(c: Certificate): boolean {
  return issuedBy(c, c);
}

/** Depth-first search for a path leaf → … → anchor; each certificate at most once. */
function buildPath(leaf: Certificate, intermediates: Certificate[], anchors: Certificate[]): Certificate[] | undefined {
  const isAnchor = (c: Certificate): boolean => anchors.some((a) => a.der.equals(c.der));
  const walk = (path: Certificate[]): Certificate[] | undefined => {
    const last = path[path.length - 1]!;
    if (isAnchor(last)) return path;
    if (path.length >= MAX_PATH || isSelfSigned(last)) return undefined;
    for (const cand of [...anchors, ...intermediates]) {
      if (path.some((p) => p.der.equals(cand.der))) continue;
      if (issuedBy(last, cand)) {
        const found = walk([...path, cand]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk([leaf]);
}

const iso = (d: Date): string => d.toISOString().replace(".000Z", "Z");

/**
 * Validates `leaf` (with the untrusted `intermediates` from the bundle) against the `anchors` the user
 * trusts, at time `at`. An anchor is trusted as given (it need not be a self-signed root).
 */
export function verifyCertificateChain(leaf: Certificate, intermediates: Certificate[], anchors: Certificate[], at: Date): ChainResult {
  const path = buildPath(leaf, intermediates, anchors);
  if (!path) {
    return {
      ok: false,
      reason: "certificate-untrusted",
      message: `the signing certificate (${describeCertificate(leaf)}, issued by ${leaf.x509.issuer.split("\n").join(", ")}) does not chain to any of the ${anchors.length} trusted certificate(s) given`,
    };
  }
  for (const c of path) {
    if (at < c.notBefore || at > c.notAfter) {
      return {
        ok: false,
        reason: "certificate-expired",
        message: `certificate ${describeCertificate(c)} was not valid at signing time ${iso(at)} (valid ${iso(c.notBefore)} to ${iso(c.notAfter)})`,
      };
    }
    for (const [oid, ext] of c.extensions) {
      if (ext.critical && !UNDERSTOOD.has(oid)) {
        return { ok: false, reason: "certificate-untrusted", message: `certificate ${describeCertificate(c)} has a critical extension ${oid} that modelgate does not check` };
      }
    }
  }
  // Every issuer must be a CA allowed to sign certificates, within its path length.
  for (let i = 1; i < path.length; i++) {
    const ca = path[i]!;
    const v1Root = ca.version < 3 && i === path.length - 1;
    if (!v1Root && ca.basicConstraints?.ca !== true) {
      return { ok: false, reason: "certificate-untrusted", message: `certificate ${describeCertificate(ca)} issued another certificate but is not a CA (BasicConstraints)` };
    }
    if (ca.keyUsage !== undefined && (ca.keyUsage & KEY_USAGE.keyCertSign) === 0) {
      return { ok: false, reason: "certificate-untrusted", message: `certificate ${describeCertificate(ca)} issued another certificate but its KeyUsage lacks keyCertSign` };
    }
    const limit = ca.basicConstraints?.pathLength;
    if (limit !== undefined) {
      // Intermediates between this CA and the leaf; self-issued ones do not count (RFC 5280 4.2.1.9).
      const below = path.slice(1, i).filter((c) => c.x509.subject !== c.x509.issuer).length;
      if (below > limit) {
        return { ok: false, reason: "certificate-untrusted", message: `certificate ${describeCertificate(ca)} allows ${limit} intermediate(s) below it, the path has ${below}` };
      }
    }
  }
  const canSign =
    (leaf.keyUsage !== undefined && (leaf.keyUsage & KEY_USAGE.digitalSignature) !== 0) || (leaf.extKeyUsage ?? []).includes(OID.codeSigning);
  if (!canSign) {
    return {
      ok: false,
      reason: "certificate-usage",
      message: `the signing certificate ${describeCertificate(leaf)} may not be used for signing: it allows neither digitalSignature (KeyUsage) nor codeSigning (ExtendedKeyUsage)`,
    };
  }
  return { ok: true, path };
}
