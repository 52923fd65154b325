import { sbom } from "../../sbom/index.js";
import type { SbomFormat } from "../../sbom/index.js";
import { writeFileAtomically } from "../../sign/paths.js";
import { EXIT } from "../exit-codes.js";
import { exitForError } from "../output.js";

interface SbomCliOptions {
  format?: string;
  output?: string;
  scan?: boolean;
  name?: string;
  revision?: string;
  quiet?: boolean;
}

/**
 * `modelgate sbom MODEL_DIR`: an ML-SBOM (CycloneDX 1.6 or SPDX 3.0.1) on standard output or in a file.
 * Exit 0 when written (whatever the scan verdict: it is recorded in the document), 2 for usage and input
 * errors. Problems with single metadata files are warnings naming the file and line.
 */
export async function runSbom(model: string, raw: Record<string, unknown>): Promise<number> {
  const opts = raw as SbomCliOptions;
  let result;
  try {
    result = await sbom(model, {
      format: (opts.format ?? "cyclonedx") as SbomFormat,
      scan: opts.scan !== false,
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    });
  } catch (e) {
    return exitForError(e);
  }
  if (!opts.quiet) {
    for (const i of result.metadata.issues) {
      process.stderr.write(`modelgate: warning: ${i.file}${i.line === undefined ? "" : `:${i.line}`}: ${i.message}\n`);
    }
  }
  const text = `${JSON.stringify(result.document, null, 2)}\n`;
  if (opts.output === undefined) {
    process.stdout.write(text);
    return EXIT.OK;
  }
  try {
    await writeFileAtomically(opts.output, text, "the SBOM");
  } catch (e) {
    process.stderr.write(`modelgate: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }
  if (!opts.quiet) {
    const v = result.verdict;
    const m = result.metadata;
    process.stderr.write(
      `modelgate: ${result.format === "cyclonedx" ? "CycloneDX 1.6" : "SPDX 3.0.1"} SBOM of ${m.org ? `${m.org}/` : ""}${m.name}: ${m.files.length} file(s), ${m.dependencies.reduce((n, d) => n + d.dependencies.length, 0)} Python requirement(s)${v ? `, scan ${v.verdict}` : ""}; written to ${opts.output}\n`,
    );
  }
  return EXIT.OK;
}
