import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sign } from "../../sign/index.js";
import type { ServerKey } from "./server-key.js";

export interface ServerSignature {
  /** The model-signing (Sigstore) bundle: save it as model.sig in the downloaded folder and run modelgate verify. */
  bundle: string;
  info: { verified: true; method: "key"; by: string; keyHint: string; subjectDigest: string; signedAt: string };
}

/** Signs a materialised model folder with the server's key (key method, OpenSSF model-signing format). */
export async function signModelFolder(key: ServerKey, dir: string, root: string): Promise<ServerSignature> {
  const signaturePath = join(root, "server-model.sig");
  // model.sig is left out (as verify leaves out the folder's model.sig): consumers save this bundle there.
  const result = await sign(dir, { method: "key", privateKey: key.privateKeyPem, signaturePath, serialization: { ignorePaths: ["model.sig"] } });
  const bundle = await readFile(signaturePath, "utf8");
  return {
    bundle,
    info: { verified: true, method: "key", by: "modelgate server", keyHint: key.hint, subjectDigest: result.subjectDigest, signedAt: new Date().toISOString() },
  };
}
