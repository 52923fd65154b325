import { Command, CommanderError, Option } from "commander";
import { ModelgateError } from "../core/errors.js";
import { SEVERITIES } from "../core/severity.js";
import { TOOL_VERSION } from "../core/version.js";
import { EXIT } from "./exit-codes.js";

export { EXIT };

/** Collects repeatable options into an array. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function buildProgram(): Command {
  const program = new Command("modelgate")
    .description("Security toolset for ML models: find code hidden in model files before anyone loads them.")
    .version(TOOL_VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  program
    .command("scan")
    .description("Scan model files and folders for hidden code, tampering and content that cannot be verified.")
    .argument("<paths...>", "files or folders to scan (folders are walked; archives are opened)")
    .addOption(new Option("-f, --format <format>", "report format").choices(["text", "json", "sarif", "html"]).default("text"))
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity").choices([...SEVERITIES]).default("high"),
    )
    .option("--no-digest", "skip the SHA-256 of each file (saves one full read of every file)")
    .option("--limit <name=value>", "override a parser limit, e.g. maxMemberBytes=2GiB or timeoutMs=300000 (repeatable)", collect, [])
    .option("-v, --verbose", "text format: also show low/info findings and files without findings")
    .option("-q, --quiet", "no progress output on standard error")
    .option("--no-color", "no colours in the text format")
    .addHelpText(
      "after",
      `
Exit codes:
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on
  2  usage error or a path that cannot be read

Severities: critical (known-dangerous: code execution, shell, files, network), high (code we cannot vouch
for, or content that could not be verified), medium (references we cannot vouch for), low, info.

Limits (--limit name=value; sizes take KiB/MiB/GiB): maxMemberBytes, maxTotalBytes, maxCompressionRatio,
ratioGraceBytes, maxDepth, maxMembers, maxPickleMemo, maxPickleNesting, maxNestedPickles, timeoutMs.

Examples:
  modelgate scan model.pt
  modelgate scan ./my-model-folder --format json --output report.json
  modelgate scan models/ --format sarif --output modelgate.sarif --fail-on medium
  modelgate scan downloads/ --format html --output report.html`,
    )
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      const { runScan } = await import("./commands/scan.js");
      process.exitCode = await runScan(paths, opts);
    });

  return program;
}

/** Runs the CLI and returns the exit code (the bin sets process.exitCode from it). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.OK;
      return EXIT.USAGE;
    }
    if (e instanceof ModelgateError) {
      process.stderr.write(`modelgate: ${e.message}\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
}
