import { parseVersionRef, pullVersion, type PullResult } from "../../client/pull.js";
import { ModelgateError } from "../../core/errors.js";
import { EXIT } from "../exit-codes.js";
import { createByteProgress } from "../progress.js";
import { readMaterial } from "./sign.js";

interface PullCliOptions {
  from?: string;
  token?: string;
  out?: string;
  publicKey?: string;
  format?: "text" | "json";
  quiet?: boolean;
}

function describe(r: PullResult): string {
  const lines = [`pulled ${r.project}/${r.model}@${r.version} (${r.status}) into ${r.out}: ${r.files} file(s), ${r.bytes} bytes, every SHA-256 checked`];
  if (r.signature.status === "verified") {
    lines.push(`signature: verified (server key ${r.signature.keyHint}), written to ${r.signature.path}`);
    if (r.signature.keySource === "server") {
      lines.push("  note: the key came from the same server (not pinned); pass --public-key server.pub to pin the key you trust");
    }
  } else {
    const rel = r.signature.released;
    lines.push(`WARNING: unsigned — this version was quarantined and released by ${rel.by} at ${rel.at}: ${rel.reason}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `modelgate pull PROJECT/MODEL@VERSION --from URL`: exit 0 pulled and verified, 1 integrity failure, 2 otherwise. */
export async function runPull(ref: string, raw: Record<string, unknown>): Promise<number> {
  const o = raw as PullCliOptions;
  o.from ??= process.env.MODELGATE_SERVER;
  const token = o.token ?? process.env.MODELGATE_TOKEN;
  const missing = [!o.from && "--from URL (or MODELGATE_SERVER)", !token && "--token T (or MODELGATE_TOKEN)"].filter(Boolean);
  if (missing.length > 0) {
    process.stderr.write(`modelgate pull: missing ${missing.join(", ")}\n`);
    return EXIT.USAGE;
  }
  // Ctrl-C aborts the download; pullVersion then removes its temporary folder before we exit.
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once("SIGINT", onSigint);
  const progress = createByteProgress({ enabled: !o.quiet, label: "downloading", minBytes: 16 * 1024 ** 2 });
  try {
    const target = parseVersionRef(ref);
    const publicKeyPem = o.publicKey === undefined ? undefined : (await readMaterial(o.publicKey, "the public key")).toString("utf8");
    const result = await pullVersion({
      ...target,
      url: o.from!,
      token: token!,
      out: o.out ?? `${target.model}-${target.version}`,
      ...(publicKeyPem !== undefined ? { publicKeyPem } : {}),
      onProgress: progress.update,
      signal: abort.signal,
    });
    progress.done();
    process.stdout.write(o.format === "json" ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
    return EXIT.OK;
  } catch (e) {
    progress.done();
    if (abort.signal.aborted) {
      process.stderr.write("modelgate pull: interrupted; nothing was kept\n");
      return EXIT.USAGE;
    }
    if (!(e instanceof ModelgateError)) throw e;
    process.stderr.write(`modelgate pull: ${e.message}\n`);
    return e.code === "VERIFICATION_FAILED" ? EXIT.FINDINGS : EXIT.USAGE;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
