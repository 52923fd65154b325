import { resolveConfig } from "../../config/config.js";
import { audit } from "../../deps/audit.js";
import { formatAuditJson } from "../../deps/report/audit-json.js";
import { formatAuditSarif } from "../../deps/report/audit-sarif.js";
import { formatAuditText } from "../../deps/report/audit-text.js";
import { EXIT } from "../exit-codes.js";
import { exitForError, useColor, writeReport } from "../output.js";

interface AuditCliOptions {
  db?: string;
  online?: boolean;
  format?: string;
  output?: string;
  failOn?: string;
  policy?: string;
  quiet?: boolean;
  color?: boolean;
}

export async function runAudit(paths: string[], raw: Record<string, unknown>): Promise<number> {
  const opts = raw as AuditCliOptions;
  if (opts.online && opts.db !== undefined) {
    process.stderr.write("modelgate: --db and --online cannot be used together\n");
    return EXIT.USAGE;
  }
  let report;
  let format: string;
  try {
    // Flag > environment > modelgate.yaml defaults > built-in, as for every command.
    const config = await resolveConfig({
      flags: {
        ...(opts.format !== undefined ? { format: opts.format } : {}),
        ...(opts.failOn !== undefined ? { failOn: opts.failOn } : {}),
        ...(opts.db !== undefined ? { db: opts.db } : {}),
        ...(opts.policy !== undefined ? { policy: opts.policy } : {}),
      },
      formats: ["text", "json", "sarif"],
    });
    format = config.format;
    report = await audit(paths.length ? paths : ["."], {
      ...(config.db !== undefined && !opts.online ? { db: config.db } : {}),
      online: opts.online === true,
      failOn: config.failOn,
    });
  } catch (e) {
    return exitForError(e);
  }
  const toFile = opts.output !== undefined;
  const text =
    format === "json"
      ? formatAuditJson(report)
      : format === "sarif"
        ? formatAuditSarif(report)
        : formatAuditText(report, { color: useColor(opts, toFile) });
  if (!(await writeReport(text, opts.output))) return EXIT.USAGE;
  const s = report.summary;
  if (format !== "text" || toFile) {
    // The text report says this itself; other formats get it on stderr (the age warning too).
    if (report.database.stale && !opts.quiet) process.stderr.write(`modelgate: warning: the vulnerability database is ${report.database.ageDays ?? "?"} days old: run \`modelgate db update\`\n`);
    if (!opts.quiet) {
      process.stderr.write(
        `modelgate: ${s.vulnerabilities} vulnerabilit${s.vulnerabilities === 1 ? "y" : "ies"}, ${s.advice} advice item(s) in ${s.dependencies} dependencies, gate ${s.failOn}: ${s.incomplete ? "INCOMPLETE" : s.failed ? "FAIL" : "PASS"}${toFile ? `; report written to ${opts.output}` : ""}\n`,
      );
    }
  }
  if (s.incomplete) {
    for (const i of report.issues.filter((x) => x.fatal)) process.stderr.write(`modelgate: ${i.file}${i.line !== undefined ? `:${i.line}` : ""}: ${i.message}\n`);
    return EXIT.USAGE;
  }
  return s.failed ? EXIT.FINDINGS : EXIT.OK;
}
