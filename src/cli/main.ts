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

  program
    .command("sign")
    .description("Sign a model folder or file in the OpenSSF model-signing format (a Sigstore bundle readable by model_signing).")
    .argument("<model>", "model folder, or a single model file")
    .addOption(new Option("--method <method>", "key: an ECDSA key; certificate: a key and its X.509 chain; sigstore: keyless (Fulcio + Rekor, online)").choices(["key", "certificate", "sigstore"]))
    .option("--private-key <pem>", "ECDSA P-256/P-384/P-521 private key (key, certificate); Ed25519 is a modelgate extension model_signing cannot read")
    .option("--signing-certificate <pem>", "certificate method: the certificate of --private-key")
    .option("--certificate-chain <pems...>", "certificate method: intermediate certificates to include after it")
    .option("--signature <file>", "where to write the signature (default MODEL/model.sig, or MODEL.sig for a single file)")
    .option("--ignore-paths <paths...>", "files or folders to leave out: relative to the current directory, or to the model")
    .option("--allow-symlinks", "hash a symbolic link as the file it points to (default: a link is an error)")
    .addOption(new Option("--hash-type <type>", "hash of each file or shard").choices(["sha256", "blake2b"]).default("sha256"))
    .option("--shard-size <bytes>", "hash files in shards of this many bytes (default: whole files)")
    .option("--identity-token <token>", "sigstore method: OIDC token (default: $SIGSTORE_ID_TOKEN or GitHub Actions' token)")
    .option("--fulcio-url <url>", "sigstore method: Fulcio instance (default public good)")
    .option("--rekor-url <url>", "sigstore method: Rekor instance (default public good)")
    .option("--tsa-url <url>", "sigstore method: also get an RFC 3161 timestamp from this authority")
    .option("-q, --quiet", "no progress bar on standard error")
    .addHelpText(
      "after",
      `
The method defaults to certificate when --signing-certificate is given, else key. The signature file and
.git, .gitattributes, .github, .gitignore are always left out. The password of an encrypted private key is
read from $MODELGATE_KEY_PASSWORD. The sigstore method needs the network and an OIDC identity token.

Exit codes:
  0  signed
  1  keyless signing failed at the Sigstore services
  2  usage error, unreadable model or key, a symbolic link without --allow-symlinks

Examples:
  modelgate sign ./my-model --private-key key.pem
  modelgate sign ./my-model --method certificate --private-key key.pem --signing-certificate cert.pem --certificate-chain int-ca.pem
  modelgate sign ./my-model --method sigstore --identity-token "$TOKEN"
  modelgate sign model.safetensors --private-key key.pem --signature model.safetensors.sig`,
    )
    .action(async (model: string, opts: Record<string, unknown>) => {
      const { runSign } = await import("./commands/sign.js");
      process.exitCode = await runSign(model, opts);
    });

  program
    .command("verify")
    .description("Verify a model against its OpenSSF model-signing signature (or its provenance, --provenance).")
    .argument("<model>", "model folder, or a single model file")
    .option("--signature <file>", "the signature (default MODEL/model.sig, or MODEL.sig for a single file)")
    .option("--public-key <pem>", "key method: the signer's public key")
    .option("--certificate-chain <pems...>", "certificate method: the certificates you trust (root CA, or intermediates)")
    .option("--identity <id>", "sigstore method: the signer's identity (certificate email or URI), matched exactly")
    .option("--issuer <url>", "sigstore method: the OIDC issuer of that identity, matched exactly")
    .option("--identity-provider <url>", "same as --issuer (model_signing's name)")
    .option("--trust-root <json>", "sigstore method: trusted_root.json or a client trust config (default: public-good root, offline)")
    .option("--ignore-paths <paths...>", "more files or folders to leave out (those the signer left out always are)")
    .option("--ignore-unsigned-files", "files the signature does not name are not an error")
    .option("--allow-symlinks", "follow symbolic links even if the signer did not")
    .option("--allow-legacy", "accept model_signing v0.2 signatures (non-standard DSSE encoding); refused by default")
    .option("--provenance <file>", "check a provenance file written by `modelgate provenance` instead (with --public-key)")
    .addOption(new Option("-f, --format <format>", "result format").choices(["text", "json"]).default("text"))
    .option("-q, --quiet", "no progress bar on standard error")
    .addHelpText(
      "after",
      `
The method follows from the signature and the material given: --public-key (key), --certificate-chain
(certificate: the chain is checked at the signing certificate's notBefore), or --identity and --issuer
(sigstore: checked offline against the trust root). The signer's hashing settings come from the signature.

Exit codes:
  0  verified
  1  verification failed: the reason says what differs (changed, missing or extra files, wrong key,
     untrusted or expired certificate, other identity, changed signature); with --provenance, also
     when the scan verdict recorded in the provenance failed
  2  usage error, unreadable model or key, malformed signature (not JSON, wrong media type, unknown predicate)

Examples:
  modelgate verify ./my-model --public-key key.pub
  modelgate verify ./my-model --certificate-chain ca.pem
  modelgate verify ./my-model --identity someone@example.com --issuer https://accounts.google.com
  modelgate verify ./my-model --identity https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main \\
      --issuer https://token.actions.githubusercontent.com --trust-root trusted_root.json
  modelgate verify ./my-model --provenance my-model.provenance.json --public-key key.pub`,
    )
    .action(async (model: string, opts: Record<string, unknown>) => {
      if (opts.identityProvider !== undefined && opts.issuer === undefined) opts.issuer = opts.identityProvider;
      const { runVerify } = await import("./commands/verify.js");
      process.exitCode = await runVerify(model, opts);
    });

  program
    .command("provenance")
    .description("Record where a model came from: a signed in-toto statement (SLSA provenance v1) with its source, file digests and scan verdict.")
    .argument("<model>", "model folder, or a single model file, as downloaded")
    .option("--source <source>", "hf://org/name@revision, or the URL the model was downloaded from")
    .option("--revision <rev>", "the revision (commit, tag, branch) when --source does not name one")
    .option("--private-key <pem>", "ECDSA P-256/P-384/P-521 private key that signs the statement")
    .option("-o, --output <file>", "where to write it (default: beside the model, MODEL.provenance.json)")
    .option("--downloaded-at <time>", "when the model was downloaded, ISO 8601 (default: newest file modification time)")
    .addOption(new Option("--fail-on <severity>", "scan gate recorded in the verdict").choices([...SEVERITIES]).default("high"))
    .option("--ignore-paths <paths...>", "files or folders to leave out: relative to the current directory, or to the model")
    .option("--allow-symlinks", "hash a symbolic link as the file it points to (default: a link is an error)")
    .option("--limit <name=value>", "override a scan limit (repeatable; see modelgate scan --help)", collect, [])
    .option("-q, --quiet", "no progress bar on standard error")
    .addHelpText(
      "after",
      `
The model is hashed (as model-signing does; model.sig and the provenance file are left out) and scanned;
the scan verdict (failed, highest severity, counts, tool version) is recorded with the source. Check it
later with: modelgate verify MODEL --provenance FILE --public-key PUB.

Exit codes:
  0  written; the scan passed
  1  written; the scan verdict failed at --fail-on
  2  usage error, bad --source, unreadable model or key

Examples:
  modelgate provenance ./bert --source hf://google-bert/bert-base-uncased@86b5e0934494bd15c9632b12f734a8a67f723594 --private-key key.pem
  modelgate provenance model.onnx --source https://example.com/models/model.onnx --private-key key.pem -o model.onnx.provenance.json`,
    )
    .action(async (model: string, opts: Record<string, unknown>) => {
      const { runProvenance } = await import("./commands/provenance.js");
      process.exitCode = await runProvenance(model, opts);
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
