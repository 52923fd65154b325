import { scan } from "../../scan/scan.js";
import { resolveConfig } from "../../config/config.js";
import type { Report } from "../../core/report.js";
import { EXIT } from "../exit-codes.js";
import { exitForError, useColor, writeReport } from "../output.js";
import { parseLimitOptions } from "../parse-limits.js";
import { createProgress } from "../progress.js";

interface ScanCliOptions {
  format?: string;
  output?: string;
  failOn?: string;
  digest?: boolean;
  jobs?: string;
  limit?: string[];
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** The report in `format`; only that format's writer is loaded. */
async function formatReport(report: Report, format: string, text: { color: boolean; verbose: boolean }): Promise<string> {
  switch (format) {
    case "json":
      return (await import("../../report/json.js")).formatJson(report);
    case "sarif": {
      const [{ formatSarif }, { getRule }] = await Promise.all([import("../../report/sarif.js"), import("../../rules/catalog.js")]);
      return formatSarif(report, { rules: getRule });
    }
    case "html":
      return (await import("../../report/html.js")).formatHtml(report);
    default:
      return (await import("../../report/text.js")).formatText(report, text);
  }
}

export async function runScan(paths: string[], raw: Record<string, unknown>): Promise<number> {
  const opts = raw as ScanCliOptions;
  let limits;
  try {
    limits = parseLimitOptions(opts.limit ?? []);
  } catch (e) {
    process.stderr.write(`modelgate: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }
  let jobs: number | undefined;
  if (opts.jobs !== undefined) {
    jobs = Number(opts.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
      process.stderr.write(`modelgate: --jobs ${opts.jobs}: expected a whole number from 1 to 64\n`);
      return EXIT.USAGE;
    }
  }
  let config;
  try {
    config = await resolveConfig({
      flags: { ...(opts.format !== undefined ? { format: opts.format } : {}), ...(opts.failOn !== undefined ? { failOn: opts.failOn } : {}), limits },
      formats: ["text", "json", "sarif", "html"],
    });
  } catch (e) {
    return exitForError(e);
  }
  const progress = createProgress({ enabled: !opts.quiet });
  let report;
  try {
    report = await scan(paths, {
      failOn: config.failOn,
      digest: opts.digest !== false,
      ...(jobs !== undefined ? { jobs } : {}),
      limits: config.limits,
      onProgress: progress.update,
    });
  } catch (e) {
    progress.done();
    return exitForError(e);
  }
  progress.done();
  if (config.gateRelaxations.length > 0) report.relaxations = config.gateRelaxations;
  const toFile = opts.output !== undefined;
  const text = await formatReport(report, config.format, { color: useColor(opts, toFile), verbose: opts.verbose === true });
  if (!(await writeReport(text, opts.output))) return EXIT.USAGE;
  if (toFile) {
    if (!opts.quiet) {
      const s = report.summary;
      process.stderr.write(`modelgate: ${s.findings} finding(s) in ${s.files} file(s), gate ${s.failOn}: ${s.failed ? "FAIL" : "PASS"}; report written to ${opts.output}\n`);
    }
  }
  if (report.summary.failed) return EXIT.FINDINGS;
  if (report.summary.verifiedModelFiles === 0) {
    // Nothing blocked the gate, but nothing was verified either: a wrong path or an empty folder must not pass.
    const what = report.summary.files === 0 ? "holds no files" : "holds no model or container file (only text, configuration, data or unknown content)";
    process.stderr.write(`modelgate: no model content was verified: ${paths.join(", ")} ${what}; not approving (exit ${EXIT.USAGE})\n`);
    return EXIT.USAGE;
  }
  return EXIT.OK;
}
