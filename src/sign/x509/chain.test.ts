import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CA_EXTENSIONS, createTestPki, hasOpenssl, type TestCert } from "../testing/pki.js";
import { certificatesFromPem, parseCertificate, type Certificate } from "./certificate.js";
import { verifyCertificateChain } from "./chain.js";

const KEYS = new URL("../../../../shared/interop/model-signing/keys/", import.meta.url).pathname;
const load = (pem: Buffer | string): Certificate => parseCertificate(certificatesFromPem(pem, "test")[0]!, "test");

describe.skipIf(!existsSync(KEYS))("model-signing test certificates", () => {
  const leaf = () => load(readFileSync(`${KEYS}signing-key-cert.pem`));
  const int = () => load(readFileSync(`${KEYS}int-ca-cert.pem`));
  const root = () => load(readFileSync(`${KEYS}ca-cert.pem`));

  it("reads the leaf's extensions", () => {
    const l = leaf();
    expect(l.basicConstraints).toEqual({ ca: true, pathLength: undefined });
    expect(l.keyUsage).toBe(1); // digitalSignature only
    expect(l.extKeyUsage).toEqual(["1.3.6.1.5.5.7.3.3"]);
    expect(l.notBefore.toISOString()).toBe("2025-05-02T23:36:28.000Z");
    expect(l.x509.subject).toBe(l.x509.issuer); // named like its issuer, but not self-signed
  });

  it("chains leaf → intermediate (from the bundle) → root (the anchor)", () => {
    const r = verifyCertificateChain(leaf(), [int()], [root()], leaf().notBefore);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.path.map((c) => c.x509.subject)).toEqual(["CN=intermediate-ca", "CN=intermediate-ca", "CN=root-ca"]);
  });

  it("without the intermediate, or with only the leaf as its own issuer, it is untrusted", () => {
    expect(verifyCertificateChain(leaf(), [], [root()], leaf().notBefore)).toMatchObject({ ok: false, reason: "certificate-untrusted" });
  });

  it("outside the validity of any certificate of the chain, it is expired", () => {
    const r = verifyCertificateChain(leaf(), [int()], [root()], new Date("2036-01-01T00:00:00Z"));
    expect(r).toMatchObject({ ok: false, reason: "certificate-expired" });
    if (!r.ok) expect(r.message).toMatch(/not valid at signing time 2036-01-01T00:00:00Z/);
  });
});

describe.skipIf(!hasOpenssl)("certificate path validation (test CA made with openssl)", () => {
  let dir: string;
  let pki: ReturnType<typeof createTestPki>;
  let root: TestCert;
  let int: TestCert;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-chain-"));
    pki = createTestPki(dir);
    root = pki.issue("root", { cn: "Test Root", key: "rsa", extensions: CA_EXTENSIONS });
    int = pki.issue("int", { cn: "Test Intermediate", issuer: root, extensions: CA_EXTENSIONS });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const check = (leaf: TestCert, inter: TestCert[] = [int], anchors: TestCert[] = [root]) => {
    const l = load(leaf.cert);
    return verifyCertificateChain(l, inter.map((c) => load(c.cert)), anchors.map((c) => load(c.cert)), l.notBefore);
  };

  it("accepts a code-signing leaf", () => {
    expect(check(pki.issue("ok", { cn: "signer", issuer: int })).ok).toBe(true);
  });

  it("accepts a leaf allowed only digitalSignature, or only codeSigning", () => {
    expect(check(pki.issue("ds", { cn: "s", issuer: int, extensions: ["keyUsage=critical,digitalSignature"] })).ok).toBe(true);
    expect(check(pki.issue("cs", { cn: "s", issuer: int, extensions: ["extendedKeyUsage=codeSigning"] })).ok).toBe(true);
  });

  it("refuses a leaf that may not sign", () => {
    const r = check(pki.issue("enc", { cn: "s", issuer: int, extensions: ["keyUsage=critical,keyEncipherment", "extendedKeyUsage=serverAuth"] }));
    expect(r).toMatchObject({ ok: false, reason: "certificate-usage" });
  });

  it("refuses a chain to another root", () => {
    const other = pki.issue("other", { cn: "Test Root", key: "rsa", extensions: CA_EXTENSIONS });
    expect(check(pki.issue("l2", { cn: "s", issuer: int }), [int], [other])).toMatchObject({ ok: false, reason: "certificate-untrusted" });
  });

  it("refuses an issuer that is not a CA", () => {
    const notCa = pki.issue("notca", { cn: "Not a CA", issuer: root, extensions: ["basicConstraints=critical,CA:FALSE"] });
    const leaf = pki.issue("under-notca", { cn: "s", issuer: notCa });
    const r = check(leaf, [notCa]);
    expect(r).toMatchObject({ ok: false, reason: "certificate-untrusted" });
    if (!r.ok) expect(r.message).toMatch(/not a CA/);
  });

  it("enforces pathlen", () => {
    const strict = pki.issue("strict", { cn: "Strict", issuer: root, extensions: ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign"] });
    const sub = pki.issue("sub", { cn: "Sub", issuer: strict, extensions: CA_EXTENSIONS });
    const leaf = pki.issue("deep", { cn: "s", issuer: sub });
    const r = check(leaf, [strict, sub]);
    expect(r).toMatchObject({ ok: false, reason: "certificate-untrusted" });
    if (!r.ok) expect(r.message).toMatch(/allows 0 intermediate/);
    expect(check(pki.issue("shallow", { cn: "s", issuer: strict }), [strict]).ok).toBe(true);
  });

  it("checks validity at the leaf's notBefore: an intermediate expired by then fails, a leaf expired today passes", () => {
    const old = pki.issue("old", { cn: "Old CA", issuer: root, extensions: CA_EXTENSIONS, start: "20200101000000Z", end: "20210101000000Z" });
    const late = pki.issue("late", { cn: "s", issuer: old, start: "20220101000000Z", end: "20230101000000Z" });
    expect(check(late, [old])).toMatchObject({ ok: false, reason: "certificate-expired" });
    const expiredLeaf = pki.issue("expired-leaf", { cn: "s", issuer: int, start: "20200601000000Z", end: "20210101000000Z" });
    expect(check(expiredLeaf).ok).toBe(true);
  });

  it("a leaf named like its issuing CA is not mistaken for self-signed", () => {
    const leaf = pki.issue("twin", { cn: "Test Intermediate", issuer: int, extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature"] });
    expect(check(leaf).ok).toBe(true);
    // and a self-signed look-alike of the intermediate does not chain
    const fake = pki.issue("fake-int", { cn: "Test Intermediate", extensions: CA_EXTENSIONS });
    const underFake = pki.issue("under-fake", { cn: "s", issuer: fake });
    expect(check(underFake, [fake])).toMatchObject({ ok: false, reason: "certificate-untrusted" });
  });

  it("refuses a critical extension it does not understand", () => {
    const leaf = pki.issue("crit", { cn: "s", issuer: int, extensions: [...["keyUsage=critical,digitalSignature"], "1.2.3.4=critical,ASN1:NULL"] });
    const r = check(leaf);
    expect(r).toMatchObject({ ok: false, reason: "certificate-untrusted" });
    if (!r.ok) expect(r.message).toMatch(/critical extension 1\.2\.3\.4/);
  });
});
