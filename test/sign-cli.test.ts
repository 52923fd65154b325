/** modelgate sign / verify / provenance through the CLI: exit codes, messages, bad input. */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CA_EXTENSIONS, createTestPki, hasOpenssl } from "../src/sign/testing/pki.js";

/** Parsed JSON under test: edited freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const BIN = new URL("../bin/modelgate.js", import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "true", NO_COLOR: "1", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let key: string;
let pub: string;
let n = 0;

function model(): string {
  const m = join(dir, `m${n++}`);
  mkdirSync(join(m, "sub"), { recursive: true });
  writeFileSync(join(m, "config.json"), "{}");
  writeFileSync(join(m, "sub", "w.bin"), "weights");
  return m;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "modelgate-sign-cli-"));
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  key = join(dir, "key.pem");
  pub = join(dir, "key.pub");
  writeFileSync(key, privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(pub, publicKey.export({ type: "spki", format: "pem" }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("help", () => {
  it.each(["sign", "verify", "provenance"])("%s --help shows exit codes and examples", (cmd) => {
    const r = run([cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Exit codes:");
    expect(r.stdout).toContain(`modelgate ${cmd} `);
  });
});

describe("sign and verify", () => {
  it("round trip; a changed file exits 1 naming it; another key exits 1", () => {
    const m = model();
    const s = run(["sign", m, "--private-key", key]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^signed m\d+ \(2 resources, sha256:[0-9a-f]{64}\) with key [0-9a-f]{64}\nsignature: .*model\.sig\n$/);
    expect(run(["verify", m, "--public-key", pub]).code).toBe(0);
    writeFileSync(join(m, "sub", "w.bin"), "weightz");
    const bad = run(["verify", m, "--public-key", pub]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("files-changed: changed since signing (digest differs): sub/w.bin");
    const other = join(dir, "other.pub");
    writeFileSync(other, generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }));
    const wrong = run(["verify", m, "--public-key", other]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("key-mismatch");
  });

  it("--signature elsewhere, --ignore-paths, --format json", () => {
    const m = model();
    const sig = join(dir, `elsewhere${n++}.sig`);
    writeFileSync(join(m, "notes.txt"), "unsigned");
    expect(run(["sign", m, "--private-key", key, "--signature", sig, "--ignore-paths", "notes.txt"]).code).toBe(0);
    const r = run(["verify", m, "--public-key", pub, "--signature", sig, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, method: "key", resources: 2, failures: [] });
  });

  it("Ed25519 signs with a warning on stderr", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const k = join(dir, "ed.pem");
    const p = join(dir, "ed.pub");
    writeFileSync(k, privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(p, publicKey.export({ type: "spki", format: "pem" }));
    const m = model();
    const s = run(["sign", m, "--private-key", k]);
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(/warning: Ed25519 signatures are a modelgate extension: model_signing .* cannot verify them/);
    expect(run(["verify", m, "--public-key", p]).code).toBe(0);
  });

  it("an encrypted key takes its password from MODELGATE_KEY_PASSWORD", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const k = join(dir, "enc.pem");
    writeFileSync(k, privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "s3cret" }));
    const noPw = run(["sign", model(), "--private-key", k]);
    expect(noPw.code).toBe(2);
    expect(noPw.stderr).toMatch(/encrypted.*MODELGATE_KEY_PASSWORD/);
    expect(run(["sign", model(), "--private-key", k], { MODELGATE_KEY_PASSWORD: "s3cret" }).code).toBe(0);
  });

  it.skipIf(!hasOpenssl)("certificate method through the CLI", () => {
    const pki = createTestPki(mkdtempSync(join(dir, "pki-")));
    const root = pki.issue("root", { cn: "Root", extensions: CA_EXTENSIONS });
    const int = pki.issue("int", { cn: "Int", issuer: root, extensions: CA_EXTENSIONS });
    const leaf = pki.issue("leaf", { cn: "Signer", issuer: int, key: "P-384" });
    const m = model();
    const s = run(["sign", m, "--private-key", leaf.keyPath, "--signing-certificate", leaf.certPath, "--certificate-chain", int.certPath]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain("with the certificate method");
    const ok = run(["verify", m, "--certificate-chain", root.certPath]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("signed by: certificate CN=Signer, issued by CN=Int");
    const other = pki.issue("other", { cn: "Root", extensions: CA_EXTENSIONS });
    const bad = run(["verify", m, "--certificate-chain", other.certPath]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("certificate-untrusted");
  });
});

describe("bad input exits 2 with a clear message", () => {
  let signed: string;
  beforeAll(() => {
    signed = model();
    run(["sign", signed, "--private-key", key]);
  });
  const sigOf = (m: string) => join(m, "model.sig");
  const withSig = (text: string): string => {
    const m = model();
    writeFileSync(sigOf(m), text);
    return m;
  };
  const bundle = () => JSON.parse(readFileSync(sigOf(signed), "utf8")) as Json;

  it("a signature that is not JSON", () => {
    const r = run(["verify", withSig("garbage"), "--public-key", pub]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model\.sig is not a valid model signature: not JSON/);
  });

  it("missing fields, a wrong media type, a wrong payload type", () => {
    const b1 = bundle();
    delete b1.dsseEnvelope;
    expect(run(["verify", withSig(JSON.stringify(b1)), "--public-key", pub]).stderr).toMatch(/dsseEnvelope is missing/);
    const b2 = bundle();
    b2.mediaType = "application/vnd.dev.sigstore.bundle.v9+json";
    const r2 = run(["verify", withSig(JSON.stringify(b2)), "--public-key", pub]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/wrong media type/);
    const b3 = bundle();
    b3.dsseEnvelope.payloadType = "application/json";
    expect(run(["verify", withSig(JSON.stringify(b3)), "--public-key", pub]).stderr).toMatch(/wrong payload type "application\/json"/);
  });

  it("a signed statement of an unknown predicate type (a provenance given as a signature)", () => {
    const m = model();
    const prov = join(dir, `p${n++}.json`);
    expect(run(["provenance", m, "--source", "https://example.com/m", "--private-key", key, "-o", prov]).code).toBe(0);
    const r = run(["verify", m, "--public-key", pub, "--signature", prov]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown predicateType "https:\/\/slsa.dev\/provenance\/v1"/);
  });

  it("a symbolic link without --allow-symlinks, named", () => {
    const m = model();
    writeFileSync(join(dir, "outside.bin"), "x");
    symlinkSync(join(dir, "outside.bin"), join(m, "link.bin"));
    const r = run(["sign", m, "--private-key", key]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/link\.bin is a symbolic link .*--allow-symlinks/);
    expect(run(["sign", m, "--private-key", key, "--allow-symlinks"]).code).toBe(0);
    expect(run(["verify", m, "--public-key", pub]).code).toBe(0);
  });

  it("a dangling link with --allow-symlinks, named", () => {
    const m = model();
    symlinkSync(join(dir, "does-not-exist"), join(m, "dangling"));
    const r = run(["sign", m, "--private-key", key, "--allow-symlinks"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dangling");
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable file, named", () => {
    const m = model();
    chmodSync(join(m, "config.json"), 0);
    const r = run(["sign", m, "--private-key", key]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("config.json");
  });

  it("missing key file, missing signature, no verification material, two kinds of material", () => {
    const m = model();
    expect(run(["sign", m, "--private-key", join(dir, "nope.pem")]).stderr).toMatch(/nope\.pem: no such file/);
    expect(run(["verify", m, "--public-key", pub]).stderr).toMatch(/cannot read the signature .*model\.sig: no such file/);
    expect(run(["verify", signed]).code).toBe(2);
    const two = run(["verify", signed, "--public-key", pub, "--identity", "a@b.c", "--issuer", "https://x"]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/give one kind of verification material/);
    expect(run(["sign", m, "--method", "pgp"]).code).toBe(2);
  });
});

describe("provenance", () => {
  const rev = "0123456789abcdef0123456789abcdef01234567";
  it("writes beside the model; verify --provenance prints source and verdict", () => {
    const m = model();
    const w = run(["provenance", m, "--source", `hf://org/name@${rev}`, "--private-key", key]);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain(`written to ${m}.provenance.json`);
    expect(w.stdout).toMatch(/scan verdict: passed at --fail-on high/);
    const v = run(["verify", m, "--provenance", `${m}.provenance.json`, "--public-key", pub]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(`source: hf://org/name@${rev}`);
    expect(v.stdout).toMatch(/scan verdict \(modelgate [^)]+\): passed at --fail-on high; 2 files, no findings/);
    writeFileSync(join(m, "config.json"), '{"changed": true}');
    const bad = run(["verify", m, "--provenance", `${m}.provenance.json`, "--public-key", pub]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("files-changed");
  });

  it("exits 1 when the recorded scan verdict fails, at provenance time and at verify time", () => {
    const m = model();
    writeFileSync(join(m, "evil.pkl"), Buffer.from("cos\nsystem\n(S'id'\ntR.", "latin1"));
    const w = run(["provenance", m, "--source", "https://example.com/evil.tar", "--private-key", key]);
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(/scan verdict: FAILED at --fail-on high .*highest critical/);
    const v = run(["verify", m, "--provenance", `${m}.provenance.json`, "--public-key", pub]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^verified: /);
    expect(v.stdout).toMatch(/scan verdict .*FAILED at --fail-on high/);
    expect(v.stdout).toMatch(/the scan recorded with them failed/);
  });

  it("usage errors: no --source, no key, a bad source", () => {
    const m = model();
    expect(run(["provenance", m, "--private-key", key]).stderr).toMatch(/--source is required/);
    expect(run(["provenance", m, "--source", "hf://a/b"]).stderr).toMatch(/--private-key is required/);
    const bad = run(["provenance", m, "--source", "C:/models", "--private-key", key]);
    expect(bad.code).toBe(2);
    expect(run(["verify", m, "--provenance", "x.json"]).stderr).toMatch(/--public-key/);
  });
});
