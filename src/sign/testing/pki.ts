/**
 * Test helper: a small certificate authority built with the openssl CLI (`openssl ca`, which lets tests set
 * validity dates and every extension). Used by the chain and signing tests; not part of the library.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCert {
  name: string;
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
  keyType: NonNullable<IssueOptions["key"]>;
}

export interface IssueOptions {
  /** Subject CN. */
  cn: string;
  /** Omitted: self-signed. */
  issuer?: TestCert;
  /** Key type of the new certificate. */
  key?: "P-256" | "P-384" | "P-521" | "rsa" | "ed25519";
  /** openssl extension lines, e.g. "basicConstraints=critical,CA:TRUE". */
  extensions?: string[];
  /** YYYYMMDDHHMMSSZ; default 2020-01-01 .. 2049-12-31. */
  start?: string;
  end?: string;
}

export const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

export const CA_EXTENSIONS = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"];
export const LEAF_EXTENSIONS = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=codeSigning"];

function genKey(path: string, type: NonNullable<IssueOptions["key"]>): void {
  const args =
    type === "rsa"
      ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
      : type === "ed25519"
        ? ["genpkey", "-algorithm", "ED25519"]
        : ["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${type}`];
  execFileSync("openssl", [...args, "-out", path], { stdio: "pipe" });
}

/** A CA workspace in `dir`; each issue() makes a key, a CSR and a certificate signed by the issuer. */
export function createTestPki(dir: string): { issue: (name: string, o: IssueOptions) => TestCert } {
  mkdirSync(join(dir, "newcerts"), { recursive: true });
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  const config = join(dir, "ca.cnf");
  writeFileSync(
    config,
    [
      "[ ca ]",
      "default_ca = CA_default",
      "[ CA_default ]",
      `dir = ${dir}`,
      "database = $dir/index.txt",
      "new_certs_dir = $dir/newcerts",
      "serial = $dir/serial",
      "default_md = sha256",
      "policy = policy_any",
      "unique_subject = no",
      "email_in_dn = no",
      "copy_extensions = none",
      "[ policy_any ]",
      "commonName = supplied",
      "[ req ]",
      "distinguished_name = dn",
      "prompt = no",
      "[ dn ]",
      "CN = unused",
      "",
    ].join("\n"),
  );
  return {
    issue(name, o) {
      const keyPath = join(dir, `${name}.key`);
      const csrPath = join(dir, `${name}.csr`);
      const certPath = join(dir, `${name}.pem`);
      const extPath = join(dir, `${name}.ext`);
      genKey(keyPath, o.key ?? "P-256");
      execFileSync("openssl", ["req", "-new", "-config", config, "-key", keyPath, "-subj", `/CN=${o.cn}`, "-out", csrPath], { stdio: "pipe" });
      const ext = [...(o.extensions ?? LEAF_EXTENSIONS)];
      if (o.issuer) ext.push("authorityKeyIdentifier=keyid");
      writeFileSync(extPath, `[ ext ]\n${ext.join("\n")}\n`);
      const issuer = o.issuer ? ["-cert", o.issuer.certPath, "-keyfile", o.issuer.keyPath] : ["-selfsign", "-keyfile", keyPath];
      execFileSync(
        "openssl",
        [
          "ca", "-batch", "-notext", "-config", config, ...issuer, "-in", csrPath, "-out", certPath,
          "-startdate", o.start ?? "20200101000000Z", "-enddate", o.end ?? "20491231000000Z",
          "-extfile", extPath, "-extensions", "ext",
          // Ed25519 signs without a separate digest.
          ...((o.issuer?.keyType ?? o.key) === "ed25519" ? [] : ["-md", "sha256"]),
        ],
        { stdio: "pipe" },
      );
      return { name, certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath), keyType: o.key ?? "P-256" };
    },
  };
}
