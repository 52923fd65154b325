import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ModelgateError } from "../core/errors.js";
import { isSeverity, type Severity } from "../core/severity.js";
import { TOOL_NAME, TOOL_VERSION } from "../core/version.js";
import type { ScanOptions } from "../config/scan-options.js";
import { scan } from "../scan/scan.js";
import { parseBundle } from "../sign/format/bundle.js";
import { parseStatementJson } from "../sign/format/statement.js";
import { loadPrivateKey, loadPublicKey, signingAlgorithm, type KeyInput } from "../sign/keys.js";
import { hashModel, resolveSerializationOptions, subjectDigest, type HashProgress } from "../sign/manifest/index.js";
import { checkKeyBundle, signWithKey } from "../sign/methods/key.js";
import { DEFAULT_SIGNATURE_NAME, readInputFile, signatureInsideModel, writeFileAtomically } from "../sign/paths.js";
import type { SignerInfo, VerificationFailure } from "../sign/types.js";
import { compareResources } from "../sign/verify.js";
import { parseModelSource } from "./source.js";
import { parseProvenance, provenanceStatement, type ParsedProvenance, type ScanVerdict } from "./statement.js";

export interface ProvenanceOptions {
  /** hf://org/name@revision, or the URL the model was downloaded from. */
  source: string;
  /** Revision (branch, tag, commit) when the source does not name one. */
  revision?: string;
  /** Signs the statement (key method: ECDSA P-256/P-384/P-521). */
  privateKey: KeyInput;
  passphrase?: string;
  /** Default: beside the model, MODEL.provenance.json. */
  outputPath?: string;
  /** When the model was downloaded. Default: the newest modification time of its files. */
  downloadedAt?: string | Date;
  /** The scan verdict's gate. Default high. */
  failOn?: Severity;
  /** Extra paths to leave out, relative to the model. */
  ignorePaths?: string[];
  allowSymlinks?: boolean;
  /** Passed to scan() (limits, concurrency). */
  scanOptions?: Omit<ScanOptions, "failOn">;
  onProgress?: (p: HashProgress) => void;
}

export interface ProvenanceResult {
  outputPath: string;
  /** The DSSE bundle as written. */
  bundle: string;
  statement: Record<string, unknown>;
  modelName: string;
  subjectDigest: string;
  files: number;
  verdict: ScanVerdict;
  warnings: string[];
}

/** Beside the model: my-model → my-model.provenance.json, model.pt → model.pt.provenance.json. */
export function defaultProvenancePath(modelPath: string): string {
  const abs = resolve(modelPath);
  return join(dirname(abs), `${basename(abs)}.provenance.json`);
}

function isoTime(t: string | Date, what: string): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) throw new ModelgateError("INVALID_OPTION", `${what} is not a date: ${String(t)}`);
  return d.toISOString();
}

async function newestModification(modelPath: string, names: string[]): Promise<string> {
  let newest = 0;
  for (const name of names) {
    const st = await stat(name === "." ? modelPath : join(modelPath, name));
    newest = Math.max(newest, st.mtimeMs);
  }
  return new Date(newest || Date.now()).toISOString();
}

/** Paths left out when hashing for provenance: a signature and the provenance file, when inside the model. */
function provenanceIgnores(modelPath: string, outputPath: string, extra: string[], isDir: boolean): string[] {
  const inside = signatureInsideModel(modelPath, outputPath);
  return [...extra, ...(isDir ? [DEFAULT_SIGNATURE_NAME] : []), ...(inside ? [inside] : [])];
}

/**
 * Records where a model came from: hashes every file, scans the model, and writes a signed in-toto
 * statement (SLSA provenance v1) with the source, revision, download and record times, file digests and
 * the scan verdict, as a DSSE bundle signed with the key method.
 */
export async function createProvenance(modelPath: string, options: ProvenanceOptions): Promise<ProvenanceResult> {
  const source = parseModelSource(options.source, options.revision);
  const failOn = options.failOn ?? "high";
  if (!isSeverity(failOn)) throw new ModelgateError("INVALID_OPTION", `failOn must be a severity, got ${String(failOn)}`);
  const privateKey = loadPrivateKey(options.privateKey, "the private key", options.passphrase);
  if (signingAlgorithm(privateKey, "the private key").kind !== "ecdsa") {
    throw new ModelgateError("UNSUPPORTED", "provenance is signed with ECDSA keys (P-256, P-384, P-521)");
  }
  const warnings: string[] = [];
  if (source.kind === "huggingface" && !source.revision) warnings.push("the source names no revision: the provenance does not pin which version was downloaded");
  const downloadedAt = options.downloadedAt === undefined ? undefined : isoTime(options.downloadedAt, "the download time");
  let isDir: boolean;
  try {
    isDir = (await stat(modelPath)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelgateError(code === "ENOENT" ? "PATH_NOT_FOUND" : "PATH_UNREADABLE", `cannot read the model ${modelPath}: ${code ?? (e as Error).message}`);
  }
  const outputPath = options.outputPath ?? defaultProvenancePath(modelPath);
  const serialization = resolveSerializationOptions({
    method: "files",
    hashType: "sha256",
    allowSymlinks: options.allowSymlinks === true,
    ignorePaths: provenanceIgnores(modelPath, outputPath, options.ignorePaths ?? [], isDir),
  });
  const manifest = await hashModel(modelPath, serialization, options.onProgress);
  const report = await scan([modelPath], { ...options.scanOptions, failOn });
  const verdict: ScanVerdict = {
    tool: TOOL_NAME,
    toolVersion: TOOL_VERSION,
    scannedAt: report.createdAt,
    failOn,
    failed: report.summary.failed,
    highestSeverity: report.summary.highestSeverity,
    files: report.summary.files,
    findings: report.summary.findings,
    bySeverity: report.summary.bySeverity,
  };
  const digest = subjectDigest(manifest.resources).toString("hex");
  const statement = provenanceStatement({
    modelName: manifest.modelName,
    subjectDigest: digest,
    source,
    serialization: manifest.serialization,
    files: manifest.resources,
    downloadedAt: downloadedAt ?? (await newestModification(modelPath, manifest.resources.map((r) => r.name))),
    recordedAt: new Date().toISOString(),
    invocationId: randomUUID(),
    toolVersion: TOOL_VERSION,
    verdict,
  });
  const { bundle } = signWithKey(privateKey, Buffer.from(JSON.stringify(statement, null, 2), "utf8"));
  await writeFileAtomically(outputPath, bundle, "the provenance");
  return { outputPath, bundle, statement, modelName: manifest.modelName, subjectDigest: digest, files: manifest.resources.length, verdict, warnings };
}

export interface VerifyProvenanceOptions {
  /** Default: defaultProvenancePath(model). */
  provenancePath?: string;
  publicKey: KeyInput;
  ignorePaths?: string[];
  allowSymlinks?: boolean;
  onProgress?: (p: HashProgress) => void;
}

export interface ProvenanceVerifyResult {
  verified: boolean;
  provenancePath: string;
  signer?: SignerInfo;
  /** What the provenance says, once its signature verified. */
  provenance?: Omit<ParsedProvenance, "subjectDigest" | "files" | "serialization"> & { subjectDigest: string; files: number };
  failures: VerificationFailure[];
}

/**
 * Checks a provenance file: its signature (key method), that it is a modelgate model-download provenance,
 * and that the model's files are still the ones recorded. Throws ModelgateError for unusable input, as
 * verify() does.
 */
export async function verifyProvenance(modelPath: string, options: VerifyProvenanceOptions): Promise<ProvenanceVerifyResult> {
  const provenancePath = options.provenancePath ?? defaultProvenancePath(modelPath);
  const publicKey = loadPublicKey(options.publicKey, "the public key");
  const bundle = parseBundle(await readInputFile(provenancePath, "the provenance"), provenancePath);
  const result: ProvenanceVerifyResult = { verified: false, provenancePath, failures: [] };
  if (bundle.material.kind !== "publicKey") {
    result.failures.push({ reason: "method-mismatch", message: "the provenance was not signed with a key; modelgate signs provenance with the key method" });
    return result;
  }
  const sig = checkKeyBundle(bundle, publicKey, false);
  if (!sig.ok) {
    result.failures.push(sig.failure);
    return result;
  }
  result.signer = sig.signer;
  const p = parseProvenance(parseStatementJson(bundle.payload));
  result.provenance = {
    modelName: p.modelName,
    subjectDigest: p.subjectDigest.toString("hex"),
    source: p.source,
    ...(p.repository ? { repository: p.repository } : {}),
    ...(p.revision ? { revision: p.revision } : {}),
    downloadedAt: p.downloadedAt,
    recordedAt: p.recordedAt,
    files: p.files.length,
    verdict: p.verdict,
  };
  if (!subjectDigest(p.files).equals(p.subjectDigest)) {
    result.failures.push({ reason: "statement-inconsistent", message: "the provenance is inconsistent: its subject digest is not the digest of its files" });
    return result;
  }
  const inside = signatureInsideModel(modelPath, provenancePath);
  const manifest = await hashModel(
    modelPath,
    {
      ...p.serialization,
      allowSymlinks: p.serialization.allowSymlinks || options.allowSymlinks === true,
      ignorePaths: [...p.serialization.ignorePaths, ...(options.ignorePaths ?? []), ...(inside ? [inside] : [])],
    },
    options.onProgress,
  );
  result.failures.push(...compareResources(p.files, manifest.resources, false, modelPath));
  result.verified = result.failures.length === 0;
  return result;
}
