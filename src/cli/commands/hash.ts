import { ModelgateError } from "../../core/errors.js";
import { hashModel, ignorePathsFromCli, subjectDigest, type Manifest } from "../../sign/manifest/index.js";
import { defaultSignaturePath, signatureInsideModel } from "../../sign/paths.js";
import { EXIT } from "../exit-codes.js";
import { exitForError } from "../output.js";
import { createByteProgress } from "../progress.js";

interface HashCliOptions {
  method?: string;
  hashType?: string;
  shardSize?: string;
  ignorePaths?: string[];
  allowSymlinks?: boolean;
  format?: string;
  quiet?: boolean;
}

function parseShardSize(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new ModelgateError("INVALID_OPTION", `--shard-size must be a positive whole number of bytes, got "${s}"`);
  return n;
}

/** JSON output: the subject as the in-toto statement names it, the serialization and every resource. */
export function manifestJson(m: Manifest, path: string): string {
  const doc = {
    path,
    subject: { name: m.modelName, digest: { sha256: subjectDigest(m.resources).toString("hex") } },
    serialization: m.serialization,
    resources: m.resources.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: r.digest.toString("hex") })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** `modelgate hash MODEL`: the model-signing manifest digest (the signature's subject digest). */
export async function runHash(model: string, raw: Record<string, unknown>): Promise<number> {
  const opts = raw as HashCliOptions;
  const progress = createByteProgress({ enabled: !opts.quiet, label: "hashing" });
  let manifest: Manifest;
  try {
    // Like sign and verify: a model.sig inside the folder is never part of what a signature covers.
    const signature = signatureInsideModel(model, await defaultSignaturePath(model));
    manifest = await hashModel(
      model,
      {
        method: (opts.method ?? "files") as "files" | "shards",
        hashType: (opts.hashType ?? "sha256") as "sha256" | "blake2b",
        ignorePaths: [...ignorePathsFromCli(model, opts.ignorePaths ?? []), ...(signature === undefined ? [] : [signature])],
        allowSymlinks: opts.allowSymlinks === true,
        ...(opts.shardSize === undefined ? {} : { shardSize: parseShardSize(opts.shardSize) }),
      },
      progress.update,
    );
  } catch (e) {
    progress.done();
    return exitForError(e);
  }
  progress.done();
  if (opts.format === "json") process.stdout.write(manifestJson(manifest, model));
  else process.stdout.write(`sha256:${subjectDigest(manifest.resources).toString("hex")}\n`);
  return EXIT.OK;
}
