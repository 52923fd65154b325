import { X509Certificate } from "node:crypto";
import { ModelgateError } from "../../core/errors.js";
import {
  TAG,
  childrenOf,
  contents,
  decodeBoolean,
  decodeNamedBits,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  expectTag,
  readElement,
  type DerElement,
} from "./der.js";

export const OID = Object.freeze({
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  anyExtendedKeyUsage: "2.5.29.37.0",
  codeSigning: "1.3.6.1.5.5.7.3.3",
});

/** KeyUsage named bits (RFC 5280 4.2.1.3). */
export const KEY_USAGE = Object.freeze({ digitalSignature: 1 << 0, keyCertSign: 1 << 5 });

export interface CertificateExtension {
  critical: boolean;
  /** The extnValue OCTET STRING contents (the extension's own DER). */
  value: Buffer;
}

/** A certificate as Node reads it, plus the fields Node does not expose. */
export interface Certificate {
  der: Buffer;
  /** Node's view: names, public key, signature checks (verify, checkIssued). */
  x509: X509Certificate;
  version: number;
  notBefore: Date;
  notAfter: Date;
  /** By OID; a certificate with the same extension twice is refused. */
  extensions: Map<string, CertificateExtension>;
  /** undefined when the extension is absent. */
  basicConstraints: { ca: boolean; pathLength: number | undefined } | undefined;
  /** KEY_USAGE bits; undefined when the extension is absent. */
  keyUsage: number | undefined;
  /** OIDs; undefined when the extension is absent. */
  extKeyUsage: string[] | undefined;
}

function parseExtensions(buf: Buffer, el: DerElement): Map<string, CertificateExtension> {
  // [3] EXPLICIT Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
  const [seq] = childrenOf(buf, el);
  const list = childrenOf(buf, expectTag(seq, TAG.SEQUENCE, "extensions", el.start));
  const out = new Map<string, CertificateExtension>();
  for (const ext of list) {
    const parts = childrenOf(buf, expectTag(ext, TAG.SEQUENCE, "extension", ext.start));
    const oid = decodeOid(contents(buf, expectTag(parts[0], TAG.OID, "extension id", ext.start)));
    let i = 1;
    let critical = false;
    if (parts[i]?.tag === TAG.BOOLEAN) critical = decodeBoolean(buf, parts[i++]!);
    const value = contents(buf, expectTag(parts[i], TAG.OCTET_STRING, "extension value", ext.start));
    if (parts.length !== i + 1) throw new ModelgateError("MALFORMED_INPUT", `certificate extension ${oid} has extra fields`);
    if (out.has(oid)) throw new ModelgateError("MALFORMED_INPUT", `certificate has extension ${oid} twice`);
    out.set(oid, { critical, value: Buffer.from(value) });
  }
  return out;
}

function parseBasicConstraints(v: Buffer): { ca: boolean; pathLength: number | undefined } {
  const seq = expectTag(readElement(v, 0), TAG.SEQUENCE, "BasicConstraints", 0);
  const parts = childrenOf(v, seq);
  let i = 0;
  let ca = false;
  if (parts[i]?.tag === TAG.BOOLEAN) ca = decodeBoolean(v, parts[i++]!);
  let pathLength: number | undefined;
  if (parts[i]?.tag === TAG.INTEGER) pathLength = decodeSmallInteger(v, parts[i++]!);
  if (i !== parts.length) throw new ModelgateError("MALFORMED_INPUT", "BasicConstraints has extra fields");
  return { ca, pathLength };
}

function parseExtKeyUsage(v: Buffer): string[] {
  const seq = expectTag(readElement(v, 0), TAG.SEQUENCE, "ExtendedKeyUsage", 0);
  return childrenOf(v, seq).map((el) => decodeOid(contents(v, expectTag(el, TAG.OID, "key purpose", el.start))));
}

/**
 * Parses one DER certificate. Throws ModelgateError("MALFORMED_INPUT") naming `what` when Node or our
 * reader cannot make sense of it.
 */
export function parseCertificate(der: Buffer, what = "certificate"): Certificate {
  try {
    const x509 = new X509Certificate(der);
    const cert = expectTag(readElement(der, 0), TAG.SEQUENCE, "Certificate", 0);
    if (cert.end !== der.length) throw new ModelgateError("MALFORMED_INPUT", "trailing bytes after the certificate");
    const [tbs] = childrenOf(der, cert);
    const fields = childrenOf(der, expectTag(tbs, TAG.SEQUENCE, "TBSCertificate", 0));
    let i = 0;
    let version = 1;
    if (fields[0]?.tag === 0xa0) {
      const [v] = childrenOf(der, fields[0]);
      version = decodeSmallInteger(der, expectTag(v, TAG.INTEGER, "version", fields[0].start)) + 1;
      i = 1;
    }
    // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    const validity = expectTag(fields[i + 3], TAG.SEQUENCE, "validity", tbs!.start);
    const [nb, na] = childrenOf(der, validity);
    if (!nb || !na) throw new ModelgateError("MALFORMED_INPUT", "validity needs two times");
    const notBefore = decodeTime(der, nb);
    const notAfter = decodeTime(der, na);
    let extensions = new Map<string, CertificateExtension>();
    for (const f of fields.slice(i + 6)) {
      if (f.tag === 0xa3) extensions = parseExtensions(der, f);
      else if (f.tag !== 0x81 && f.tag !== 0x82 && f.tag !== 0xa1 && f.tag !== 0xa2) {
        throw new ModelgateError("MALFORMED_INPUT", `unexpected field 0x${f.tag.toString(16)} in TBSCertificate`);
      }
    }
    const bc = extensions.get(OID.basicConstraints);
    const ku = extensions.get(OID.keyUsage);
    const eku = extensions.get(OID.extKeyUsage);
    return {
      der,
      x509,
      version,
      notBefore,
      notAfter,
      extensions,
      basicConstraints: bc ? parseBasicConstraints(bc.value) : undefined,
      keyUsage: ku ? decodeNamedBits(ku.value, expectTag(readElement(ku.value, 0), TAG.BIT_STRING, "KeyUsage", 0)) : undefined,
      extKeyUsage: eku ? parseExtKeyUsage(eku.value) : undefined,
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ModelgateError("MALFORMED_INPUT", `${what} is not a valid X.509 certificate: ${msg}`, { cause: e });
  }
}

const PEM_CERT = /^-----BEGIN CERTIFICATE-----$/;
const PEM_END = /^-----END CERTIFICATE-----$/;

/**
 * The DER certificates in a PEM text, in order (text between blocks, e.g. what `openssl x509 -text` or
 * certtool print, is skipped). A DER input (starts with a SEQUENCE) is one certificate.
 */
export function certificatesFromPem(input: string | Buffer, what: string): Buffer[] {
  if (Buffer.isBuffer(input) && input[0] === TAG.SEQUENCE) return [input];
  const text = Buffer.isBuffer(input) ? input.toString("utf8") : input;
  const out: Buffer[] = [];
  let body: string[] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (body === undefined) {
      if (PEM_CERT.test(line)) body = [];
      continue;
    }
    if (PEM_END.test(line)) {
      const b64 = body.join("");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
        throw new ModelgateError("MALFORMED_INPUT", `${what}: certificate ${out.length + 1} is not valid base64`);
      }
      out.push(Buffer.from(b64, "base64"));
      body = undefined;
      continue;
    }
    body.push(line);
  }
  if (body !== undefined) throw new ModelgateError("MALFORMED_INPUT", `${what}: a certificate has no END line`);
  if (out.length === 0) throw new ModelgateError("MALFORMED_INPUT", `${what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return out;
}

/** The certificate's subject on one line, for messages. */
export function describeCertificate(c: Certificate): string {
  return c.x509.subject.split("\n").join(", ") || "(empty subject)";
}
