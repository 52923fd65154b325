import { check } from "../../check/check.js";
import { resolveConfig } from "../../config/config.js";
import { ModelgateError } from "../../core/errors.js";
import type { Severity } from "../../core/severity.js";
import { FRAMEWORK_TITLES } from "../../policy/controls.js";
import { profilePolicy, resolvePolicy, type LoadedPolicy } from "../../policy/load.js";
import { isProfileName, PROFILE_NAMES } from "../../policy/profiles.js";
import { BUILTIN_RULES } from "../../policy/rules/index.js";
import type { SeverityOrNone } from "../../policy/types.js";
import { formatCheckHtml } from "../../report/check/html.js";
import { formatCheckJson } from "../../report/check/json.js";
import { formatCheckSarif } from "../../report/check/sarif.js";
import { formatCheckText } from "../../report/check/text.js";
import { EXIT } from "../exit-codes.js";
import { useColor, writeReport } from "../output.js";
import { parseLimitOptions } from "../parse-limits.js";

interface CheckCliOptions {
  policy?: string;
  profile?: string;
  format?: string;
  output?: string;
  explain?: boolean;
  failOn?: string;
  db?: string;
  online?: boolean;
  limit?: string[];
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** --fail-on X: findings at or above X fail, i.e. the highest severity allowed is the one below X. */
const BELOW: Record<Severity, SeverityOrNone> = { critical: "high", high: "medium", medium: "low", low: "info", info: "none" };

function withFailOn(policy: LoadedPolicy, failOn: Severity): LoadedPolicy {
  return { ...policy, document: { ...policy.document, scan: { ...policy.document.scan, max_severity: BELOW[failOn] } } };
}

function fail(message: string): number {
  process.stderr.write(`modelgate: ${message}\n`);
  return EXIT.USAGE;
}

export async function runCheck(models: string[], raw: Record<string, unknown>): Promise<number> {
  const opts = raw as CheckCliOptions;
  if (opts.policy !== undefined && opts.profile !== undefined) return fail("give --policy or --profile, not both (a policy file can say `extends: <profile>`)");
  if (opts.profile !== undefined && !isProfileName(opts.profile)) return fail(`unknown profile "${opts.profile}" (profiles: ${PROFILE_NAMES.join(", ")})`);
  let report;
  const explain = opts.explain === true;
  let format: string;
  try {
    const config = await resolveConfig({
      flags: {
        ...(opts.format !== undefined ? { format: opts.format } : {}),
        ...(opts.failOn !== undefined ? { failOn: opts.failOn } : {}),
        ...(opts.db !== undefined ? { db: opts.db } : {}),
        ...(opts.policy !== undefined ? { policy: opts.policy } : {}),
        limits: parseLimitOptions(opts.limit ?? []),
      },
      formats: ["text", "json", "sarif", "html"],
      noFile: opts.profile !== undefined,
    });
    format = config.format;
    let policy = opts.profile !== undefined ? profilePolicy(opts.profile as never) : (config.policy ?? (await resolvePolicy({})));
    if (config.sources.failOn === "flag" || config.sources.failOn === "env") policy = withFailOn(policy, config.failOn);
    report = await check(models, {
      policy,
      ...(config.db !== undefined ? { db: config.db } : {}),
      ...(opts.online ? { online: true } : {}),
      scanOptions: { limits: config.limits },
    });
  } catch (e) {
    if (e instanceof ModelgateError) return fail(e.message);
    throw e;
  }
  const toFile = opts.output !== undefined;
  const titles = new Map<string, string>(BUILTIN_RULES.map((r) => [r.id, r.title]));
  const text =
    format === "json"
      ? formatCheckJson(report)
      : format === "sarif"
        ? formatCheckSarif(report, { ruleTitle: (id) => titles.get(id) })
        : format === "html"
          ? formatCheckHtml(report, FRAMEWORK_TITLES)
          : formatCheckText(report, {
              color: useColor(opts, toFile),
              explain,
              verbose: opts.verbose === true,
              frameworks: FRAMEWORK_TITLES,
            });
  if (!(await writeReport(text, opts.output))) return EXIT.USAGE;
  if (toFile) {
    if (!opts.quiet) {
      const s = report.summary;
      const lines = report.models.map((m) => `${m.verdict.toUpperCase()} ${m.path}${m.reasons.length > 0 ? `: ${m.reasons[0]}${m.reasons.length > 1 ? ` (+${m.reasons.length - 1} more)` : ""}` : ""}`);
      process.stderr.write(`${lines.join("\n")}\nmodelgate: ${s.passed} passed, ${s.failed} failed; report written to ${opts.output}\n`);
    }
  }
  return report.summary.failed > 0 ? EXIT.FINDINGS : EXIT.OK;
}
