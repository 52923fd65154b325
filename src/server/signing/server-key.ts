import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { link, mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { ModelgateError } from "../../core/errors.js";
import { loadPrivateKey, publicKeyHint } from "../../sign/index.js";

/** The key the server signs approved versions with (ECDSA P-256: readable by model_signing verifiers). */
export interface ServerKey {
  privateKeyPem: string;
  publicKeyPem: string;
  /** publicKey.hint as written in bundles. */
  hint: string;
}

/** Writes `text` to `path` unless it exists: temp file, fsync, then link() (atomic, fails when another process won). */
async function createExclusive(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Loads dataDir/keys/server-signing.key, generating it (mode 0600) on first start. */
export async function loadOrCreateServerKey(keyDir: string): Promise<ServerKey> {
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  const path = join(keyDir, "server-signing.key");
  let pem = await readFile(path, "utf8").catch(() => undefined);
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await createExclusive(path, privateKey.export({ format: "pem", type: "pkcs8" }).toString(), 0o600);
    pem = await readFile(path, "utf8");
  }
  let key;
  try {
    key = loadPrivateKey(pem, path);
  } catch (e) {
    throw new ModelgateError("INVALID_OPTION", `the server signing key ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const publicKeyPem = createPublicKey(key).export({ format: "pem", type: "spki" }).toString();
  return { privateKeyPem: pem, publicKeyPem, hint: publicKeyHint(createPublicKey(key)) };
}
