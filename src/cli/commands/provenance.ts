import { ModelgateError } from "../../core/errors.js";
import type { Severity } from "../../core/severity.js";
import { createProvenance } from "../../provenance/provenance.js";
import { ignorePathsFromCli } from "../../sign/manifest/index.js";
import { EXIT } from "../exit-codes.js";
import { exitForError } from "../output.js";
import { parseLimitOptions } from "../parse-limits.js";
import { createByteProgress } from "../progress.js";
import { KEY_PASSWORD_ENV, readMaterial } from "./sign.js";

interface ProvenanceCliOptions {
  source?: string;
  revision?: string;
  privateKey?: string;
  output?: string;
  downloadedAt?: string;
  failOn?: string;
  ignorePaths?: string[];
  allowSymlinks?: boolean;
  limit?: string[];
  quiet?: boolean;
}

/** `modelgate provenance MODEL --source …`: 0 written and the scan passed, 1 written but the scan failed, 2 usage. */
export async function runProvenance(model: string, raw: Record<string, unknown>): Promise<number> {
  const opts = raw as ProvenanceCliOptions;
  const progress = createByteProgress({ enabled: !opts.quiet, label: "hashing" });
  try {
    if (!opts.source) throw new ModelgateError("USAGE", "--source is required (hf://org/name@revision or the URL the model came from)");
    if (!opts.privateKey) throw new ModelgateError("USAGE", "--private-key is required: the provenance is signed so that it can be trusted later");
    const r = await createProvenance(model, {
      source: opts.source,
      ...(opts.revision ? { revision: opts.revision } : {}),
      privateKey: await readMaterial(opts.privateKey, "the private key"),
      ...(process.env[KEY_PASSWORD_ENV] !== undefined ? { passphrase: process.env[KEY_PASSWORD_ENV] } : {}),
      ...(opts.output ? { outputPath: opts.output } : {}),
      ...(opts.downloadedAt ? { downloadedAt: opts.downloadedAt } : {}),
      failOn: (opts.failOn ?? "high") as Severity,
      ignorePaths: ignorePathsFromCli(model, opts.ignorePaths ?? []),
      allowSymlinks: opts.allowSymlinks === true,
      scanOptions: { limits: parseLimitOptions(opts.limit ?? []) },
      onProgress: progress.update,
    });
    progress.done();
    for (const w of r.warnings) process.stderr.write(`modelgate: warning: ${w}\n`);
    const v = r.verdict;
    process.stdout.write(
      `provenance for ${r.modelName} (${r.files} files, sha256:${r.subjectDigest}) written to ${r.outputPath}\n` +
        `  scan verdict: ${v.failed ? "FAILED" : "passed"} at --fail-on ${v.failOn} (${v.findings} findings, highest ${v.highestSeverity ?? "none"})\n`,
    );
    return v.failed ? EXIT.FINDINGS : EXIT.OK;
  } catch (e) {
    progress.done();
    return exitForError(e);
  }
}
