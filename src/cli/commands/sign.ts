import { ModelgateError } from "../../core/errors.js";
import { ignorePathsFromCli, type HashAlgorithm } from "../../sign/manifest/index.js";
import { readInputFile } from "../../sign/paths.js";
import { sign } from "../../sign/sign.js";
import type { SigningMethod, SignOptions, SignerInfo } from "../../sign/types.js";
import { EXIT } from "../exit-codes.js";
import { createByteProgress } from "../progress.js";

interface SignCliOptions {
  method?: string;
  privateKey?: string;
  signingCertificate?: string;
  certificateChain?: string[];
  signature?: string;
  ignorePaths?: string[];
  allowSymlinks?: boolean;
  hashType?: string;
  shardSize?: string;
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  quiet?: boolean;
}

/** Key, certificate and trust files are small; refuse anything larger than this. */
export const MAX_MATERIAL_BYTES = 4 * 1024 * 1024;

/** Environment variable holding the password of an encrypted private key (never a command-line flag). */
export const KEY_PASSWORD_ENV = "MODELGATE_KEY_PASSWORD";

export function parseShardSize(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new ModelgateError("INVALID_OPTION", `--shard-size must be a positive whole number of bytes, got "${s}"`);
  return n;
}

export async function readMaterial(path: string, what: string): Promise<Buffer> {
  return readInputFile(path, what, MAX_MATERIAL_BYTES);
}

/** One line naming who signed, for the text output. */
export function describeSigner(method: SigningMethod, s: SignerInfo | undefined): string {
  if (!s) return method;
  if (s.keyHint) return `key ${s.keyHint}`;
  if (s.identity) return `${s.identity} (issuer ${s.issuer ?? "?"})`;
  if (s.certificateSubject) return `certificate ${s.certificateSubject}, issued by ${s.certificateIssuer ?? "?"}`;
  return method;
}

/** Exit code for an error: signing that failed at a service is 1, bad input 2. */
function reportError(e: unknown): number {
  if (e instanceof ModelgateError) {
    process.stderr.write(`modelgate: ${e.message}\n`);
    return e.code === "SIGNING_FAILED" ? EXIT.FINDINGS : EXIT.USAGE;
  }
  throw e;
}

/** `modelgate sign MODEL`: writes an OpenSSF model-signing signature. */
export async function runSign(model: string, raw: Record<string, unknown>): Promise<number> {
  const opts = raw as SignCliOptions;
  const progress = createByteProgress({ enabled: !opts.quiet, label: "hashing" });
  try {
    const shardSize = parseShardSize(opts.shardSize);
    const options: SignOptions = {
      ...(opts.method ? { method: opts.method as SigningMethod } : {}),
      ...(opts.signature ? { signaturePath: opts.signature } : {}),
      serialization: {
        method: shardSize === undefined ? "files" : "shards",
        hashType: (opts.hashType ?? "sha256") as HashAlgorithm,
        allowSymlinks: opts.allowSymlinks === true,
        ignorePaths: ignorePathsFromCli(model, opts.ignorePaths ?? []),
        ...(shardSize === undefined ? {} : { shardSize }),
      },
      onProgress: progress.update,
    };
    if (opts.privateKey) options.privateKey = await readMaterial(opts.privateKey, "the private key");
    if (process.env[KEY_PASSWORD_ENV] !== undefined) options.passphrase = process.env[KEY_PASSWORD_ENV];
    if (opts.signingCertificate) options.signingCertificate = await readMaterial(opts.signingCertificate, "the signing certificate");
    if (opts.certificateChain?.length) {
      options.certificateChain = await Promise.all(opts.certificateChain.map((p) => readMaterial(p, "the certificate chain")));
    }
    if (opts.identityToken) options.identityToken = opts.identityToken;
    if (opts.fulcioUrl) options.fulcioURL = opts.fulcioUrl;
    if (opts.rekorUrl) options.rekorURL = opts.rekorUrl;
    if (opts.tsaUrl) options.tsaServerURL = opts.tsaUrl;
    const r = await sign(model, options);
    progress.done();
    for (const w of r.warnings) process.stderr.write(`modelgate: warning: ${w}\n`);
    const who = r.method === "key" ? ` with key ${r.keyHint}` : ` with the ${r.method} method`;
    process.stdout.write(`signed ${r.modelName} (${r.resources} ${r.resources === 1 ? "resource" : "resources"}, sha256:${r.subjectDigest})${who}\nsignature: ${r.signaturePath}\n`);
    return EXIT.OK;
  } catch (e) {
    progress.done();
    return reportError(e);
  }
}
