import { ModelgateError } from "../../core/errors.js";
import { ignorePathsFromCli } from "../../sign/manifest/index.js";
import { verify } from "../../sign/verify.js";
import type { VerificationFailure, VerifyOptions, VerifyResult } from "../../sign/types.js";
import type { ProvenanceVerifyResult } from "../../provenance/provenance.js";
import { EXIT } from "../exit-codes.js";
import { exitForError } from "../output.js";
import { createByteProgress } from "../progress.js";
import { describeSigner, readMaterial } from "./sign.js";

interface VerifyCliOptions {
  signature?: string;
  provenance?: string;
  publicKey?: string;
  certificateChain?: string[];
  identity?: string;
  issuer?: string;
  trustRoot?: string;
  ignorePaths?: string[];
  allowSymlinks?: boolean;
  ignoreUnsignedFiles?: boolean;
  allowLegacy?: boolean;
  format?: string;
  quiet?: boolean;
}

function failureLines(failures: VerificationFailure[]): string {
  return failures.map((f) => `  ${f.reason}: ${f.message}\n`).join("");
}

function signatureText(model: string, r: VerifyResult): string {
  if (!r.verified) return `FAILED: ${model} does not verify against ${r.signaturePath} (${r.method} method)\n${failureLines(r.failures)}`;
  const lines = [
    `verified: ${model} matches ${r.signaturePath}${r.legacy ? " (legacy model_signing v0.2 signature)" : ""}`,
    `  signed by: ${describeSigner(r.method, r.signer)}`,
  ];
  if (r.subjectDigest) lines.push(`  model: ${r.modelName} sha256:${r.subjectDigest} (${r.resources} resources)`);
  else lines.push(`  model: ${r.resources} files`);
  return `${lines.join("\n")}\n`;
}

function provenanceText(model: string, r: ProvenanceVerifyResult): string {
  const p = r.provenance;
  const head = r.verified
    ? `verified: ${model} matches the provenance ${r.provenancePath}\n  signed by: ${describeSigner("key", r.signer)}\n`
    : `FAILED: ${model} does not verify against the provenance ${r.provenancePath}\n${failureLines(r.failures)}`;
  if (!p) return head;
  const v = p.verdict;
  const counts = Object.entries(v.bySeverity).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(", ") || "no findings";
  return (
    head +
    `  source: ${p.source}${p.revision && !p.source.includes(`@${p.revision}`) ? ` (revision ${p.revision})` : ""}\n` +
    `  downloaded: ${p.downloadedAt || "?"}  recorded: ${p.recordedAt || "?"}\n` +
    `  scan verdict (${v.tool} ${v.toolVersion}, ${v.scannedAt}): ${v.failed ? `FAILED at --fail-on ${v.failOn}` : `passed at --fail-on ${v.failOn}`}; ${v.files} files, ${counts}\n` +
    (r.verified && v.failed ? "FAILED: the files are the recorded ones, but the scan recorded with them failed (exit 1)\n" : "")
  );
}

/** `modelgate verify MODEL`: 0 verified, 1 verification failed, 2 usage / unreadable / malformed input. */
export async function runVerify(model: string, raw: Record<string, unknown>): Promise<number> {
  const opts = raw as VerifyCliOptions;
  const progress = createByteProgress({ enabled: !opts.quiet, label: "hashing" });
  try {
    const ignorePaths = ignorePathsFromCli(model, opts.ignorePaths ?? []);
    if (opts.provenance !== undefined) {
      if (!opts.publicKey) throw new ModelgateError("USAGE", "--provenance needs the public key that signed it (--public-key)");
      if (opts.certificateChain?.length || opts.identity || opts.issuer || opts.signature) {
        throw new ModelgateError("USAGE", "--provenance is checked with --public-key only (no --signature, --certificate-chain, --identity)");
      }
      // Only a provenance check needs the scanner (it compares the recorded verdict): loaded for it alone.
      const { verifyProvenance } = await import("../../provenance/provenance.js");
      const r = await verifyProvenance(model, {
        provenancePath: opts.provenance,
        publicKey: await readMaterial(opts.publicKey, "the public key"),
        ignorePaths,
        allowSymlinks: opts.allowSymlinks === true,
        onProgress: progress.update,
      });
      progress.done();
      process.stdout.write(opts.format === "json" ? `${JSON.stringify(r, null, 2)}\n` : provenanceText(model, r));
      // The files are the recorded ones, but they were flagged when recorded: that is no pass either.
      return r.verified && r.provenance?.verdict.failed !== true ? EXIT.OK : EXIT.FINDINGS;
    }
    const options: VerifyOptions = {
      ignorePaths,
      allowSymlinks: opts.allowSymlinks === true,
      ignoreUnsignedFiles: opts.ignoreUnsignedFiles === true,
      allowLegacy: opts.allowLegacy === true,
      onProgress: progress.update,
    };
    if (opts.signature) options.signaturePath = opts.signature;
    if (opts.publicKey) options.publicKey = await readMaterial(opts.publicKey, "the public key");
    if (opts.certificateChain?.length) {
      options.trustAnchors = await Promise.all(opts.certificateChain.map((p) => readMaterial(p, "the trusted certificates")));
    }
    if (opts.identity !== undefined) options.identity = opts.identity;
    if (opts.issuer !== undefined) options.issuer = opts.issuer;
    if (opts.trustRoot) {
      if (options.identity === undefined) throw new ModelgateError("USAGE", "--trust-root is used with keyless verification (--identity, --issuer)");
      options.trustRoot = await readMaterial(opts.trustRoot, "the trust root");
    }
    const r = await verify(model, options);
    progress.done();
    process.stdout.write(opts.format === "json" ? `${JSON.stringify(r, null, 2)}\n` : signatureText(model, r));
    return r.verified ? EXIT.OK : EXIT.FINDINGS;
  } catch (e) {
    progress.done();
    return exitForError(e);
  }
}
