import { isAbsolute, relative, resolve } from "node:path";
import { ModelgateError } from "../core/errors.js";
import type { ScanLimits } from "../core/limits.js";
import type { GateRelaxation } from "../core/report.js";
import { isSeverity, SEVERITIES, severityRank, type Severity } from "../core/severity.js";
import type { LoadedPolicy } from "../policy/load.js";
import { findConfigFile } from "./policy-file.js";
import { parseSize } from "./size.js";

/**
 * Configuration shared by every command, resolved the same way everywhere:
 *   command-line flag  >  environment (MODELGATE_FORMAT, MODELGATE_FAIL_ON, MODELGATE_DB, MODELGATE_POLICY)
 *   >  the `defaults:` section of modelgate.yaml  >  the command's built-in default.
 * modelgate.yaml is the --policy file, else $MODELGATE_POLICY, else the nearest modelgate.yaml (.yml,
 * .modelgate.yaml) upward from the working folder. The file is validated in full: a mistake in it is an
 * error for every command, never silently ignored.
 */
export type ConfigSource = "flag" | "env" | "file" | "default";

export interface ConfigFlags {
  format?: string;
  failOn?: string;
  db?: string;
  /** --policy FILE */
  policy?: string;
  /** --limit name=value, already parsed. */
  limits?: Partial<ScanLimits>;
}

export interface ResolveConfigOptions {
  flags?: ConfigFlags;
  /** Default process.env. */
  env?: Record<string, string | undefined>;
  /** Where modelgate.yaml is searched from. Default process.cwd(). */
  cwd?: string;
  /** Output formats the command supports; a file or environment format it does not support falls back to the default. */
  formats?: readonly string[];
  /** The command's own defaults (format "text", fail-on "high" unless given). */
  defaultFormat?: string;
  defaultFailOn?: Severity;
  /** Do not look for modelgate.yaml (e.g. `check --profile`). */
  noFile?: boolean;
}

export interface ResolvedConfig {
  format: string;
  failOn: Severity;
  /** Vulnerability database folder; undefined: the audit's own default (the user cache). */
  db?: string;
  /** Scan limits from the file, overridden by the flags. */
  limits: Partial<ScanLimits>;
  /** The configuration file used, when there is one. */
  file?: string;
  /** The loaded policy of that file (check evaluates it). */
  policy?: LoadedPolicy;
  sources: { format: ConfigSource; failOn: ConfigSource; db: ConfigSource; limits: ConfigSource };
  /**
   * Where `failOn` lets high findings pass (it is `critical`), from which setting and why: the file's `allow:`
   * reason, or that the flag or variable said so. Reports show it. Empty when the gate is not relaxed.
   */
  gateRelaxations: GateRelaxation[];
}

/** A path as messages show it: relative to the working folder when inside it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const v = env[name];
  return v !== undefined && v.trim() !== "" ? v.trim() : undefined;
}

function checkFormat(value: string, where: string, formats: readonly string[] | undefined): void {
  if (formats && !formats.includes(value)) throw new ModelgateError("USAGE", `${where}: format "${value}" is not one of ${formats.join(", ")}`);
}

async function loadConfigFile(path: string): Promise<LoadedPolicy> {
  const { loadPolicy } = await import("../policy/load.js");
  return loadPolicy(path);
}

/** Resolves the shared options for one command. Throws USAGE for bad environment values, POLICY_INVALID for a bad file. */
export async function resolveConfig(options: ResolveConfigOptions = {}): Promise<ResolvedConfig> {
  const flags = options.flags ?? {};
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const defaultFormat = options.defaultFormat ?? "text";
  const defaultFailOn = options.defaultFailOn ?? "high";

  let file: string | undefined;
  if (flags.policy !== undefined) file = resolve(cwd, flags.policy);
  else if (envValue(env, "MODELGATE_POLICY")) file = resolve(cwd, envValue(env, "MODELGATE_POLICY")!);
  else if (!options.noFile) file = findConfigFile(cwd);
  // The policy loader (YAML, JSON schema, CEL, keys) is imported only when there is a file to validate.
  const policy = file !== undefined ? await loadConfigFile(shownPath(file)) : undefined;
  const defaults = policy?.document.defaults ?? {};

  let format = defaultFormat;
  let formatSource: ConfigSource = "default";
  if (flags.format !== undefined) {
    checkFormat(flags.format, "--format", options.formats);
    [format, formatSource] = [flags.format, "flag"];
  } else if (envValue(env, "MODELGATE_FORMAT")) {
    const v = envValue(env, "MODELGATE_FORMAT")!;
    if (!["text", "json", "sarif", "html"].includes(v)) throw new ModelgateError("USAGE", `MODELGATE_FORMAT=${v}: expected text, json, sarif or html`);
    if (!options.formats || options.formats.includes(v)) [format, formatSource] = [v, "env"];
  } else if (defaults.format !== undefined && (!options.formats || options.formats.includes(defaults.format))) {
    [format, formatSource] = [defaults.format, "file"];
  }

  let failOn: Severity = defaultFailOn;
  let failOnSource: ConfigSource = "default";
  if (flags.failOn !== undefined) {
    if (!isSeverity(flags.failOn)) throw new ModelgateError("USAGE", `--fail-on ${flags.failOn}: expected one of ${SEVERITIES.join(", ")}`);
    [failOn, failOnSource] = [flags.failOn, "flag"];
  } else if (envValue(env, "MODELGATE_FAIL_ON")) {
    const v = envValue(env, "MODELGATE_FAIL_ON")!;
    if (!isSeverity(v)) throw new ModelgateError("USAGE", `MODELGATE_FAIL_ON=${v}: expected one of ${SEVERITIES.join(", ")}`);
    [failOn, failOnSource] = [v, "env"];
  } else if (defaults.fail_on !== undefined) {
    [failOn, failOnSource] = [defaults.fail_on, "file"];
  }

  let db: string | undefined;
  let dbSource: ConfigSource = "default";
  if (flags.db !== undefined) [db, dbSource] = [resolve(cwd, flags.db), "flag"];
  else if (envValue(env, "MODELGATE_DB")) [db, dbSource] = [resolve(cwd, envValue(env, "MODELGATE_DB")!), "env"];
  else if (defaults.db !== undefined && policy) [db, dbSource] = [resolve(policy.baseDir, defaults.db), "file"];

  const limits: Partial<ScanLimits> = {};
  for (const [k, v] of Object.entries(defaults.limits ?? {})) {
    const n = parseSize(v);
    if (n !== undefined) limits[k as keyof ScanLimits] = n;
  }
  const fileLimits = Object.keys(limits).length > 0;
  Object.assign(limits, flags.limits ?? {});
  const limitsSource: ConfigSource = flags.limits && Object.keys(flags.limits).length > 0 ? "flag" : fileLimits ? "file" : "default";

  const gateRelaxations: GateRelaxation[] = [];
  if (severityRank(failOn) > severityRank("high")) {
    const effect = "high findings pass (only critical ones fail)";
    if (failOnSource === "flag") gateRelaxations.push({ setting: "--fail-on", value: failOn, effect, reason: "given on the command line" });
    else if (failOnSource === "env") gateRelaxations.push({ setting: "MODELGATE_FAIL_ON", value: failOn, effect, reason: "set in the environment" });
    else if (failOnSource === "file") {
      const allowed = policy?.relaxations.find((r) => r.setting === "defaults.fail_on");
      gateRelaxations.push({ setting: "defaults.fail_on", value: failOn, effect, reason: `${allowed?.reason ?? "(no reason)"} (${policy?.source ?? "modelgate.yaml"})` });
    }
  }

  return {
    format,
    failOn,
    gateRelaxations,
    ...(db !== undefined ? { db } : {}),
    limits,
    ...(file !== undefined ? { file } : {}),
    ...(policy ? { policy } : {}),
    sources: { format: formatSource, failOn: failOnSource, db: dbSource, limits: limitsSource },
  };
}
