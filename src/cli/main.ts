import { Argument, Command, CommanderError, Option } from "commander";
import { ModelgateError } from "../core/errors.js";
import { SEVERITIES } from "../core/severity.js";
import { TOOL_VERSION } from "../core/version.js";
import { EXIT } from "./exit-codes.js";

export { EXIT };

/** Collects repeatable options into an array. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Every subcommand, in the order `modelgate --help` lists them. */
export const COMMAND_NAMES = ["scan", "check", "hash", "sign", "verify", "provenance", "sbom", "audit-log", "audit", "db", "serve", "project", "token", "server-key", "push", "import", "pull", "completion"] as const;

/**
 * The program with every subcommand, or only `only` (what `modelgate scan …` runs: defining the fifteen
 * other option tables costs start-up time). Top-level help, an unknown command and `help` get them all.
 */
function buildProgram(only?: string): Command {
  const wanted = (name: string): boolean => only === undefined || only === name;
  const program = new Command("modelgate")
    .description("Security toolset for ML models: find code hidden in model files before anyone loads them.")
    .version(TOOL_VERSION, "-V, --version")
    // Program options (-V/--version) only before the command: `push --version 1.0` names the model version.
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  if (wanted("scan")) {
    program
      .command("scan")
      .description("Scan model files and folders for hidden code, tampering and content that cannot be verified.")
      .argument("<paths...>", "files or folders to scan (folders are walked; archives are opened)")
      .addOption(new Option("-f, --format <format>", "report format (default: text, or defaults.format in modelgate.yaml / $MODELGATE_FORMAT)").choices(["text", "json", "sarif", "html"]))
      .option("-o, --output <file>", "write the report to a file instead of standard output")
      .addOption(
        new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity (default: high, or defaults.fail_on / $MODELGATE_FAIL_ON)").choices([...SEVERITIES]),
      )
      .option("--no-digest", "skip the SHA-256 of each file (saves one full read of every file)")
      .option("-j, --jobs <n>", "threads scanning a folder's files at once, this one included (default: the number of cores, at most 8; 1 = no worker threads); the report is the same whatever the number")
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
    2  usage error, a path that cannot be read, or no model content verified (an empty folder, only
       text/configuration/data files: a wrong path must not pass)

  Severities: critical (known-dangerous: code execution, shell, files, network), high (code we cannot vouch
  for, or content that could not be verified), medium (references we cannot vouch for), low, info.

  Limits (--limit name=value; sizes take KiB/MiB/GiB): maxMemberBytes, maxTotalBytes, maxCompressionRatio,
  ratioGraceBytes, maxDepth, maxMembers, maxPickleMemo, maxPickleNesting, maxNestedPickles, timeoutMs.

  Configuration: a flag wins over $MODELGATE_FORMAT / $MODELGATE_FAIL_ON, which win over the defaults:
  section (format, fail_on, limits) of modelgate.yaml ($MODELGATE_POLICY, else the nearest one upward).

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
  }

  if (wanted("check")) {
    program
      .command("check")
      .description("Evaluate a policy (modelgate.yaml or a built-in profile) over models: scan, signature, provenance, SBOM, dependencies; one verdict per model.")
      .argument("<models...>", "model folders or files")
      .option("--policy <file>", "policy file (default: $MODELGATE_POLICY, else the nearest modelgate.yaml upward, else the default profile)")
      .addOption(new Option("--profile <name>", "a built-in policy instead of a file").choices(["strict", "default", "permissive"]))
      .addOption(new Option("-f, --format <format>", "report format (default: text, or defaults.format / $MODELGATE_FORMAT)").choices(["text", "json", "sarif", "html"]))
      .option("-o, --output <file>", "write the report to a file instead of standard output")
      .option("--explain", "text format: list the framework controls (NIST AI RMF, OWASP, MITRE ATLAS, SAIF) each model passes or fails, and by which rule")
      .addOption(new Option("--fail-on <severity>", "override the policy's scan gate: fail on findings at or above this severity").choices([...SEVERITIES]))
      .option("--db <dir>", "vulnerability database folder (default: defaults.db, $MODELGATE_DB, ~/.cache/modelgate/osv)")
      .option("--online", "query OSV online for dependency vulnerabilities")
      .option("--limit <name=value>", "override a scan limit (repeatable; see modelgate scan --help)", collect, [])
      .option("-v, --verbose", "text format: also list passing and skipped results")
      .option("-q, --quiet", "no summary on standard error when writing to --output")
      .option("--no-color", "no colours in the text format")
      .addHelpText(
        "after",
        `
  Policy file (modelgate.yaml, validated against schemas/policy.schema.json):
    version: 1
    extends: strict                       # strict | default | permissive
    signature: { keys: [keys/release.pub] }
    formats: { deny: [pickle-based] }
    licenses: { allow: [apache-2.0, mit] }
    rules:
      - id: team.max-size
        expression: model.totalSize < 20 * 1024 * 1024 * 1024
    suppressions:
      - { rule: pickle/dangerous-global, path: "legacy/*.pkl", reason: "reviewed, ticket SEC-12", expires: 2026-12-31 }

  Exit codes:
    0  every model passes the policy
    1  at least one model fails (a rule failed, or could not be evaluated)
    2  usage error, a policy with mistakes (reported as FILE:LINE:COL), a model path that does not exist

  Examples:
    modelgate check ./my-model
    modelgate check ./my-model --profile strict --explain
    modelgate check models/* --policy ci/modelgate.yaml --format sarif --output modelgate.sarif
    modelgate check ./my-model --format json | jq '.models[0].reasons'`,
      )
      .action(async (models: string[], opts: Record<string, unknown>) => {
        const { runCheck } = await import("./commands/check.js");
        process.exitCode = await runCheck(models, opts);
      });
  }

  if (wanted("hash")) {
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
  }

  if (wanted("sign")) {
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
  }

  if (wanted("verify")) {
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
  }

  if (wanted("provenance")) {
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
  }

  if (wanted("sbom")) {
    program
      .command("sbom")
      .description("Write an ML-SBOM of a model folder: CycloneDX 1.6 (machine-learning-model, model card) or SPDX 3.0.1 (AI and Dataset profiles).")
      .argument("<model-dir>", "the model's folder (e.g. a Hugging Face download or cache snapshot)")
      .addOption(new Option("-f, --format <format>", "SBOM format").choices(["cyclonedx", "spdx"]).default("cyclonedx"))
      .option("-o, --output <file>", "write the SBOM to a file instead of standard output")
      .option("--no-scan", "do not scan the model (the SBOM then records no scan verdict)")
      .option("--name <org/name>", "the model's Hugging Face id (default: a provenance file beside the model, the cache path, or the folder name)")
      .option("--revision <rev>", "the model's revision (commit, tag or branch); with the organisation it makes the purl")
      .option("-q, --quiet", "no warnings or summary on standard error")
      .addHelpText(
        "after",
        `
  What it reads: README.md (the model card's front matter: license, datasets, base_model, pipeline_tag,
  library_name, language, metrics, tags, model-index; and its use/limitation/bias sections), config.json,
  generation_config.json, tokenizer_config.json, safetensors and GGUF headers, requirements files, and every
  file's size and SHA-256. Nothing in the model is executed. Unreadable or malformed metadata files are
  warnings (file:line) and the rest of the SBOM is still written. The document is validated against the
  CycloneDX 1.6 or SPDX 3.0.1 schema before it is written. The scan verdict (pass, fail, incomplete) is
  recorded as properties (CycloneDX) or an annotation (SPDX); it does not change the exit code.

  Exit codes:
    0  written
    2  usage error, or a folder that cannot be read

  Examples:
    modelgate sbom ./tiny-llama > tiny-llama.cdx.json
    modelgate sbom ./bert --format spdx --output bert.spdx.json
    modelgate sbom ./bert --name google-bert/bert-base-uncased --revision 86b5e0934494bd15c9632b12f734a8a67f723594
    modelgate sbom ~/.cache/huggingface/hub/models--openai-community--gpt2/snapshots/<commit> --no-scan`,
      )
      .action(async (model: string, opts: Record<string, unknown>) => {
        const { runSbom } = await import("./commands/sbom.js");
        process.exitCode = await runSbom(model, opts);
      });
  }

  if (wanted("audit-log")) {
    const auditLog = program
      .command("audit-log")
      .description("Check a gate server's tamper-evident audit log (an RFC 9162 Merkle tree with signed checkpoints) from outside.");

    auditLog
      .command("verify")
      .description("Verify every entry of the server's audit log against its signed checkpoint and the checkpoint verified last time.")
      .option("--server <url>", "the gate server, e.g. http://127.0.0.1:8414 (default $MODELGATE_SERVER)")
      .option("--token <token>", "API token with audit:read (auditor or admin; default $MODELGATE_TOKEN)")
      .option("--public-key <pem>", "the log's public key to require (GET /api/v1/audit-log/public-key, obtained out of band)")
      .option("--state <file>", "where the last verified checkpoint and the trusted key are kept (default ~/.config/modelgate/audit-log/<server>/<log name>.json, one per server URL)")
      .option("--spot-checks <n>", "random inclusion proofs to check besides the first and last entry (default 16)")
      .addOption(new Option("-f, --format <format>", "result format").choices(["text", "json"]).default("text"))
      .option("-q, --quiet", "no progress on standard error")
      .addHelpText(
        "after",
        `
  What is checked: the checkpoint's Ed25519 signature (C2SP signed note) with the pinned key; every entry's leaf
  hash, recomputed from its content (index, time, type, actor, project, subject, data); the Merkle root of all
  entries against the signed root; that the log still contains, unchanged, the checkpoint verified on the last
  run (consistency proof), and a sample of inclusion proofs. An edited, deleted or reordered row is reported
  with its index. The first run trusts the key the server publishes (trust on first use, printed) unless
  --public-key is given; the key and the verified checkpoint are saved to the state file and required later.

  Exit codes:
    0  verified
    1  tampering detected: the output names the entry and what differs
    2  usage error, unreadable key or state file, server unreachable, token refused

  Examples:
    modelgate audit-log verify --server http://127.0.0.1:8414 --token "$AUDITOR_TOKEN"
    curl -s http://gate:8414/api/v1/audit-log/public-key | jq -r .publicKeyPem > gate-log.pub
    modelgate audit-log verify --server http://gate:8414 --public-key gate-log.pub --state gate-log.json
    MODELGATE_TOKEN=mg_... modelgate audit-log verify --server http://gate:8414 --format json`,
      )
      .action(async (opts: Record<string, unknown>) => {
        const { runAuditLogVerify } = await import("./commands/audit-log.js");
        process.exitCode = await runAuditLogVerify(opts);
      });

    auditLog
      .command("show")
      .description("Print the entries of the server's audit log.")
      .option("--server <url>", "the gate server, e.g. http://127.0.0.1:8414 (default $MODELGATE_SERVER)")
      .option("--token <token>", "API token with audit:read (default $MODELGATE_TOKEN)")
      .option("--from <n>", "first entry index (default 0)")
      .option("--to <n>", "stop before this index (default: the end of the log)")
      .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
      .addHelpText(
        "after",
        `
  Text: one line per entry (#index, time, type, actor, project, subject, data). JSON: an array of entries as the
  API serves them (with each leaf hash). Showing entries checks nothing; use audit-log verify for that.

  Exit codes:
    0  printed
    2  usage error, server unreachable, token refused

  Examples:
    modelgate audit-log show --server http://127.0.0.1:8414 --token "$AUDITOR_TOKEN"
    modelgate audit-log show --server http://gate:8414 --from 100 --to 200 --format json`,
      )
      .action(async (opts: Record<string, unknown>) => {
        const { runAuditLogShow } = await import("./commands/audit-log.js");
        process.exitCode = await runAuditLogShow(opts);
      });
  }

  if (wanted("audit")) {
    program
      .command("audit")
      .description("Audit Python dependency files for known vulnerabilities (OSV) and ML packages with dangerous versions.")
      .argument("[paths...]", "requirements*.txt, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, environment.yml, or folders holding them (default: .)")
      .option("--db <dir>", "offline OSV database directory (default $MODELGATE_DB or ~/.cache/modelgate/osv)")
      .option("--online", "query the OSV API (api.osv.dev) instead of an offline database")
      .addOption(new Option("-f, --format <format>", "report format (default text)").choices(["text", "json", "sarif"]))
      .option("-o, --output <file>", "write the report to a file instead of standard output")
      .addOption(new Option("--fail-on <severity>", "exit 1 when a vulnerability or advice item is at or above this severity (default high)").choices([...SEVERITIES]))
      .option("--policy <file>", "modelgate.yaml whose defaults (format, fail_on, db) apply (default: found upward)")
      .option("-q, --quiet", "no summary on standard error")
      .option("--no-color", "no colours in the text format")
      .addHelpText(
        "after",
        `
  Pinned dependencies (==X, ===X, lock files) are matched exactly; for the others modelgate reports every
  advisory whose affected versions the specifier still allows (pre-releases only when it names one, as pip).
  Advisories that share an id or alias (PYSEC, GHSA, CVE) are one finding. Advisory severity: GitHub's rating,
  else the CVSS v3 base score, else medium ("unknown"). Besides the advisories, a reviewed table flags ML
  package versions that are dangerous with untrusted models (torch < 2.6, old transformers, keras safe_mode
  bypasses, numpy allow_pickle...). Every report shows the database age; older than 7 days is a warning.
  Nothing goes to the network unless --online is given. --format, --fail-on and --db also come from
  MODELGATE_FORMAT, MODELGATE_FAIL_ON, MODELGATE_DB and the defaults of modelgate.yaml (a flag wins).

  Exit codes:
    0  nothing at or above --fail-on
    1  a vulnerability or advice item at or above --fail-on
    2  usage error, no database, or an incomplete audit (a file that cannot be read or parsed, a broken
       advisory for an audited package): an unreadable input is never "no vulnerabilities"

  Examples:
    modelgate db update                              # once, and then daily (downloads the OSV PyPI export)
    modelgate audit                                  # dependency files in the current folder
    modelgate audit requirements.txt poetry.lock --fail-on critical
    modelgate audit ./my-model --format sarif --output deps.sarif
    modelgate audit requirements.txt --db ../shared/osv --format json
    modelgate audit requirements.txt --online`,
      )
      .action(async (paths: string[], opts: Record<string, unknown>) => {
        const { runAudit } = await import("./commands/audit.js");
        process.exitCode = await runAudit(paths, opts);
      });
  }

  if (wanted("db")) {
    const db = program.command("db").description("Manage the offline vulnerability database used by `modelgate audit`.");

    db.command("update")
      .description("Import the OSV PyPI advisories (the bulk export zip, or a folder of records) into the database, atomically.")
      .option("--from <file|url|dir>", "all.zip file, URL, or a folder of OSV JSON/YAML records (default: download https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip)")
      .option("--db <dir>", "database directory (default $MODELGATE_DB, else defaults.db of modelgate.yaml, else ~/.cache/modelgate/osv)")
      .option("-q, --quiet", "no progress on standard error")
      .addHelpText(
        "after",
        `
  Without --from this downloads the OSV export (about 30 MB; the only command besides audit --online that uses
  the network). The new data is written beside the database and swapped in when complete: an interrupted update
  leaves the old database as it was. metadata.json records the time, source, record count and the zip's sha256.

  Exit codes:
    0  updated
    2  unreadable or invalid source, download failed, no usable records

  Examples:
    modelgate db update
    modelgate db update --from ./PyPI-all.zip --db ./osv-db
    modelgate db update --from ../shared/osv/pypa/vulns --db ./osv-db`,
      )
      .action(async (opts: Record<string, unknown>) => {
        const { runDbUpdate } = await import("./commands/db.js");
        process.exitCode = await runDbUpdate(opts);
      });

    db.command("status")
      .description("Print the database path, its age and record count.")
      .option("--db <dir>", "database directory (default $MODELGATE_DB, else defaults.db of modelgate.yaml, else ~/.cache/modelgate/osv)")
      .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
      .addHelpText(
        "after",
        `
  Exit codes:
    0  a database with records is there (a warning is printed when it is older than 7 days)
    2  no database

  Examples:
    modelgate db status
    modelgate db status --db ../shared/osv --format json`,
      )
      .action(async (opts: Record<string, unknown>) => {
        const { runDbStatus } = await import("./commands/db.js");
        process.exitCode = await runDbStatus(opts);
      });
  }

  if (wanted("serve")) {
    program
      .command("serve")
      .description("Run the gate server: every pushed model version is scanned, checked against the policy, signed and audited before anyone can download it.")
      .option("--port <n>", "port to listen on (0 = any free port)", "8414")
      .option("--host <host>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
      .option("--data-dir <dir>", "SQLite database, blobs, keys and temporary files", "modelgate-data")
      .option("--database-url <url>", "postgres://… to keep metadata in PostgreSQL (default: SQLite in the data dir; env MODELGATE_DATABASE_URL)")
      .option("--s3-bucket <name>", "keep model files in this S3 bucket (default: the data dir; env MODELGATE_S3_BUCKET)")
      .option("--s3-region <region>", "the bucket's region (env MODELGATE_S3_REGION or AWS_REGION)")
      .option("--s3-endpoint <url>", "an S3-compatible endpoint (MinIO, Ceph…; env MODELGATE_S3_ENDPOINT)")
      .option("--s3-path-style", "path-style bucket URLs, as most self-hosted S3 servers need")
      .option("--policy <file>", "organisation policy file (modelgate check format); PUT /api/v1/policy replaces it")
      .option("--vuln-db <dir>", "OSV vulnerability database for dependency audits (see modelgate db update)")
      .option("--workers <n>", "in-process scan workers; 0 = API only", "1")
      .option("--max-upload <size>", "largest file accepted, e.g. 10GiB (default 64GiB)")
      .option("--upload-expiry-hours <n>", "expire pushes left unfinished this long, deleting blobs no version uses (default 24; env MODELGATE_UPLOAD_EXPIRY_HOURS)")
      .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (default info; env MODELGATE_LOG_LEVEL)")
      .option("--admin-token-file <file>", "on the first start, write the one-time admin token to this new file (mode 600) instead of printing it")
      .option("--import-from <url...>", "allow pull-through imports from these Hugging Face-compatible hubs, e.g. https://huggingface.co (default: off; env MODELGATE_IMPORT_FROM, comma-separated; hub token from MODELGATE_HF_TOKEN)")
      .option("--allow-internal-host <host...>", "let imports (and their redirects) and webhooks reach these internal addresses: IPs, CIDR ranges or host names (default: loopback, private, link-local and metadata addresses are refused; env MODELGATE_ALLOW_INTERNAL_HOSTS, comma-separated)")
      .option("--max-import <size>", "largest pull-through import, all files together, e.g. 500GiB (default 1TiB; each file is also held to --max-upload)")
      .addHelpText(
        "after",
        `
  On the first start the server creates its data dir, its signing keys (data-dir/keys) and prints a one-time
  admin token: save it, it is not shown again. Logs are JSON lines (pino) on standard output. SIGINT or
  SIGTERM shut it down after the running jobs finish.

  Exit codes:
    0  stopped cleanly
    2  bad option, port in use, data dir or database unusable

  Examples:
    modelgate serve
    modelgate serve --port 8080 --data-dir /var/lib/modelgate --policy org-policy.yaml
    modelgate serve --database-url postgres://modelgate@db/modelgate --workers 4 --vuln-db /var/lib/osv
    modelgate serve --workers 0 --database-url "$MODELGATE_DATABASE_URL" --s3-bucket acme-models --s3-region eu-west-1
    MODELGATE_HF_TOKEN=hf_… modelgate serve --import-from https://huggingface.co

  Limits at the front door (environment, whole numbers; docs/server.md): MODELGATE_MAX_AUTH_FAILURES_PER_ADDRESS,
MODELGATE_MAX_AUTH_FAILURES_PER_PREFIX, MODELGATE_AUTH_WINDOW_MS, MODELGATE_HEADERS_TIMEOUT_MS,
MODELGATE_REQUEST_TIMEOUT_MS, MODELGATE_IDLE_TIMEOUT_MS, MODELGATE_KEEP_ALIVE_TIMEOUT_MS,
MODELGATE_MIN_UPLOAD_BYTES_PER_SECOND, MODELGATE_UPLOAD_GRACE_MS, MODELGATE_MAX_PENDING_PER_PROJECT (200),
MODELGATE_MAX_PENDING_TOTAL (2000); MODELGATE_TRUSTED_PROXIES (comma-separated) for X-Forwarded-For.

Scaling out: every node shares the PostgreSQL database and the bucket; copy the first node's data-dir/keys
  to the others so that all sign with the same keys. S3 credentials come from the AWS default chain
  (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, instance roles).`,
      )
      .action(async (opts: Record<string, unknown>) => {
        const { runServe } = await import("./commands/serve.js");
        process.exitCode = await runServe(opts);
      });
  }

  const serverOption = (o: Command): Command =>
    o.option("--server <url>", "the gate server, e.g. http://127.0.0.1:8414 (default $MODELGATE_SERVER)").option("--token <token>", "API token (default $MODELGATE_TOKEN)");

  if (wanted("project")) {
    const project = program.command("project").description("Create and list a gate server's projects (every model version belongs to one).");
    serverOption(project.command("create"))
      .description("Create a project on a gate server (admin token); its publishers can then push to it.")
      .argument("<name>", "project name: letters, digits, . _ -, at most 128 characters")
      .option("--policy <file>", "the project's own policy (modelgate check format); it may only tighten the organisation policy")
      .addOption(new Option("-f, --format <format>", "text or json on standard output").choices(["text", "json"]).default("text"))
      .addHelpText(
        "after",
        `
  Exit codes: 0 created; 2 usage error, the project exists, token refused, server unreachable.

  Examples:
    export MODELGATE_SERVER=http://127.0.0.1:8414 MODELGATE_TOKEN=$(cat admin.token)
    modelgate project create vision
    modelgate project create nlp --policy nlp-policy.yaml`,
      )
      .action(async (name: string, opts: Record<string, unknown>) => {
        const { runProjectCreate } = await import("./commands/admin.js");
        process.exitCode = await runProjectCreate(name, opts);
      });
    serverOption(project.command("list"))
      .description("List the projects the token can read, with their number of models.")
      .addOption(new Option("-f, --format <format>", "text or json on standard output").choices(["text", "json"]).default("text"))
      .action(async (opts: Record<string, unknown>) => {
        const { runProjectList } = await import("./commands/admin.js");
        process.exitCode = await runProjectList(opts);
      });
  }

  if (wanted("token")) {
    const token = program.command("token").description("Issue API tokens (admin token needed).");
    serverOption(token.command("create"))
      .description("Create an API token with roles in projects; the token is printed once, alone on standard output.")
      .argument("<name>", "what the token is for, e.g. ci-publisher")
      .option("--role <project:role>", "a role in a project: admin, publisher, reviewer, consumer or auditor (repeatable)", collect, [])
      .option("--admin", "a server administrator token (every project, tokens, policy)")
      .option("--expires-in-days <n>", "days until it expires (default 90)")
      .addOption(new Option("-f, --format <format>", "text (the token alone) or json (token, id, roles, expiry)").choices(["text", "json"]).default("text"))
      .addHelpText(
        "after",
        `
  Exit codes: 0 created; 2 usage error, unknown project or role, token refused, server unreachable.

  Examples:
    export PUBLISHER_TOKEN=$(modelgate token create ci-publisher --role vision:publisher --expires-in-days 30)
    modelgate token create reader --role vision:consumer --role nlp:consumer`,
      )
      .action(async (name: string, opts: Record<string, unknown>) => {
        const { runTokenCreate } = await import("./commands/admin.js");
        process.exitCode = await runTokenCreate(name, opts);
      });
  }

  if (wanted("server-key")) {
    program
      .command("server-key")
      .description("Print (or save) the public key a gate server signs approved versions with, for pull/verify --public-key.")
      .option("--server <url>", "the gate server, e.g. http://127.0.0.1:8414 (default $MODELGATE_SERVER)")
      .option("-o, --output <file>", "write the PEM to this file (never over an existing one) instead of standard output")
      .addHelpText(
        "after",
        `
  The key comes over the network, so it is only as trustworthy as that connection: compare the hint printed on
  standard error with the one the server's administrators publish (modelgate serve prints it at start) before
  you pin it. Needs no token.

  Exit codes: 0 printed or written; 2 usage error, the file exists, server unreachable or no modelgate server.

  Examples:
    modelgate server-key --server http://127.0.0.1:8414 -o server.pub
    modelgate pull vision/resnet@2.1.0 --from http://127.0.0.1:8414 --public-key server.pub`,
      )
      .action(async (opts: Record<string, unknown>) => {
        const { runServerKey } = await import("./commands/admin.js");
        process.exitCode = await runServerKey(opts);
      });
  }

  if (wanted("push")) {
    program
      .command("push")
      .description("Push a model folder (or file) to a gate server as a new version; it is scanned and checked before anyone can download it.")
      .argument("<model>", "model folder, or a single model file")
      .option("--to <url>", "the gate server, e.g. http://127.0.0.1:8414 (default $MODELGATE_SERVER)")
      .option("--project <name>", "project")
      .option("--model <name>", "model name")
      .option("--version <name>", "version name (versions are immutable)")
      .option("--token <token>", "API token with the publisher role (default $MODELGATE_TOKEN)")
      .option("--wait", "wait for the verdict: exit 0 approved, 1 quarantined or rejected")
      .option("--timeout <seconds>", "with --wait: give up after this long (default 600)")
      .option("-q, --quiet", "no progress bars on standard error")
      .addHelpText(
        "after",
        `
  Every file is hashed (SHA-256) and declared; only files the project does not hold yet are uploaded, then
  the version is pending until the server has scanned it. .git, .gitattributes, .github and .gitignore are
  left out. Links to files are followed (a Hugging Face cache snapshot pushes as it is), links to folders are
  not entered, and a link that leads out of the model folder (or the snapshot's models--org--name folder) is
  refused.

  Exit codes:
    0  pushed (with --wait: approved)
    1  with --wait: quarantined or rejected (the reasons are printed)
    2  usage error, unreadable model, refused by the server, network error, --wait timed out

  Examples:
    export MODELGATE_TOKEN=mg_…
    modelgate push ./bert --to http://127.0.0.1:8414 --project nlp --model bert --version 1.0.0
    modelgate push model.safetensors --to https://gate.example.com --project vision --model resnet --version 2 --wait`,
      )
      .action(async (model: string, opts: Record<string, unknown>) => {
        const { runPush } = await import("./commands/push.js");
        process.exitCode = await runPush(model, opts);
      });
  }

  if (wanted("import")) {
    program
      .command("import")
      .description("Have a gate server fetch a model from a Hugging Face-compatible hub itself (pull-through), then scan and check it like a push.")
      .argument("<source>", "hf://ORG/NAME, or hf://ORG/NAME@REVISION")
      .option("--to <url>", "the gate server, e.g. http://127.0.0.1:8414 (default $MODELGATE_SERVER)")
      .option("--project <name>", "project")
      .option("--model <name>", "model name")
      .option("--version <name>", "version name (default: the first 12 hex digits of the commit)")
      .option("--revision <rev>", "branch, tag or commit (default main, or the @REVISION of the source)")
      .option("--hub <url>", "one of the server's --import-from hubs (default: its first)")
      .option("--token <token>", "API token with the publisher role (default $MODELGATE_TOKEN)")
      .option("--wait", "wait for the verdict: exit 0 approved, 1 quarantined or rejected")
      .option("--timeout <seconds>", "with --wait: give up after this long (default 1800)")
      .addHelpText(
        "after",
        `
  The server resolves the revision to a commit at once and records it with the version (hub, repository,
  revision, commit); an import job then downloads every file of that commit, checks each size and the hub's
  LFS SHA-256, and the version is scanned, checked against the policy and signed like a pushed one. A file
  the hub gets wrong rejects the version with the reason. The server only imports when an administrator
  started it with --import-from; this machine needs no access to the hub.

  Exit codes:
    0  import queued (with --wait: approved)
    1  with --wait: quarantined or rejected (the reasons are printed)
    2  usage error, imports off, repository or revision not found, refused, network error, --wait timed out

  Examples:
    export MODELGATE_TOKEN=mg_…
    modelgate import hf://openai-community/gpt2 --to http://127.0.0.1:8414 --project nlp --model gpt2 --wait
    modelgate import hf://google-bert/bert-base-uncased@86b5e0934494bd15c9632b12f734a8a67f723594 --to https://gate.example.com --project nlp --model bert --version 1.0`,
      )
      .action(async (source: string, opts: Record<string, unknown>) => {
        const { runImport } = await import("./commands/import.js");
        process.exitCode = await runImport(source, opts);
      });
  }

  if (wanted("pull")) {
    program
      .command("pull")
      .description("Download an approved version from a gate server, checking every file's SHA-256 and the server's signature.")
      .argument("<ref>", "the version, as PROJECT/MODEL@VERSION")
      .option("--from <url>", "the gate server, e.g. http://127.0.0.1:8414 (default $MODELGATE_SERVER)")
      .option("--token <token>", "API token with a role that may download (default $MODELGATE_TOKEN)")
      .option("-o, --out <dir>", "folder to create (default ./MODEL-VERSION); it must not exist or be empty")
      .option("--public-key <file>", "the server's signing key you trust (PEM); default: the key the server publishes")
      .addOption(new Option("-f, --format <format>", "text or json summary on standard output").choices(["text", "json"]).default("text"))
      .option("-q, --quiet", "no progress bar on standard error")
      .addHelpText(
        "after",
        `
  Only approved versions, and quarantined ones an administrator released with a reason, can be pulled. The files
  go to a hidden temporary folder beside --out; each one must match the size and SHA-256 the server lists for the
  version. For an approved version the server's model-signing signature is then verified over the downloaded
  files and written as OUT/model.sig, so "modelgate verify OUT --public-key server.pub" works later, offline.
  Only when every check passed is the folder renamed to --out; otherwise nothing is left behind.
  A released version carries no server signature: it is pulled with a warning naming who released it and why.

  Without --public-key the signature is checked with the key the same server publishes, which proves the
  files are the ones the server signed, not that the server is the one you trust: pin its key for that
  (modelgate server-key --server URL -o server.pub, and compare the hint it prints with your administrators').

  Exit codes:
    0  pulled; every file and the signature checked (or released, unsigned, with a warning)
    1  integrity failure: a file's bytes or the signature do not match (nothing is kept)
    2  usage error, --out not empty, version not downloadable, token refused, network error

  Examples:
    export MODELGATE_TOKEN=mg_…
    modelgate pull vision/resnet@2.1.0 --from http://127.0.0.1:8414 --public-key server.pub
    modelgate pull nlp/bert@1.0.0 --from https://gate.example.com -o ./models/bert --format json`,
      )
      .action(async (ref: string, opts: Record<string, unknown>) => {
        const { runPull } = await import("./commands/pull.js");
        process.exitCode = await runPull(ref, opts);
      });
  }

  if (wanted("completion")) {
    program
      .command("completion")
      .description("Print a shell completion script for bash, zsh or fish (commands, options and their values).")
      .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"]))
      .addHelpText(
        "after",
        `
  Examples:
    source <(modelgate completion bash)                                   # in ~/.bashrc
    source <(modelgate completion zsh)                                    # in ~/.zshrc
    modelgate completion fish > ~/.config/fish/completions/modelgate.fish`,
      )
      .action(async (shell: "bash" | "zsh" | "fish") => {
        const { completionScript } = await import("./completion.js");
        // The whole program, whatever this run defined: the script lists every command.
        process.stdout.write(completionScript(buildProgram(), shell));
      });
  }

  return program;
}

/** Runs the CLI and returns the exit code (the bin sets process.exitCode from it). */
export async function main(argv: string[]): Promise<number> {
  const first = argv.find((a) => !a.startsWith("-"));
  const program = buildProgram(first !== undefined && (COMMAND_NAMES as readonly string[]).includes(first) ? first : undefined);
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

/**
 * The bundle's scan-worker entry: dist/bundle/worker.js (a stub written by tools/build/bundle.mjs) loads the
 * same main.cjs and code cache as the CLI and calls this, so a worker thread starts without compiling the
 * scanner again. The tsc build's pool starts dist/scan/worker.js directly and never calls it.
 */
export async function runScanWorker(): Promise<void> {
  await import("../scan/worker.js");
}
