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

  program
    .command("hash")
    .description("Print a model's manifest digest in the OpenSSF model-signing format (the digest a signature covers).")
    .argument("<model>", "model folder, or a single model file")
    .addOption(new Option("--method <method>", "one digest per file, or per shard of each file").choices(["files", "shards"]).default("files"))
    .addOption(new Option("--hash-type <type>", "hash algorithm for each file or shard").choices(["sha256", "blake2b"]).default("sha256"))
    .option("--shard-size <bytes>", "shard size for --method shards (default 1000000000)")
    .option("--ignore-paths <paths...>", "files or folders to leave out: relative to the current directory, or to the model")
    .option("--allow-symlinks", "hash a symbolic link as the file it points to (default: a link is an error)")
    .addOption(new Option("-f, --format <format>", "text: the digest; json: also every file's digest").choices(["text", "json"]).default("text"))
    .option("-q, --quiet", "no progress bar on standard error")
    .addHelpText(
      "after",
      `
Always left out: .git, .gitattributes, .github, .gitignore. The digest is sha256 over the digests of every
file (or shard) in path order, the same subject digest model_signing writes; it changes when any file is
added, removed or changed. Files are hashed on all cores.

Exit codes:
  0  hashed
  2  usage error, or a path that cannot be read (missing, unreadable, a symbolic link without --allow-symlinks)

Examples:
  modelgate hash ./my-model
  modelgate hash ./my-model --format json > manifest.json
  modelgate hash ./llama --method shards --shard-size 1000000000
  modelgate hash ./my-model --ignore-paths README.md docs/`,
    )
    .action(async (model: string, opts: Record<string, unknown>) => {
      const { runHash } = await import("./commands/hash.js");
      process.exitCode = await runHash(model, opts);
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
