/**
 * The provenance statement: an in-toto Statement v1 with a SLSA Provenance v1 predicate describing how a
 * model was obtained ("built" = downloaded): the source and revision (externalParameters), every file's
 * digest (resolvedDependencies), when it was downloaded and recorded (runDetails.metadata), and modelgate's
 * scan verdict as a byproduct.
 */
import { ModelgateError } from "../core/errors.js";
import { SEVERITIES, isSeverity, type Severity } from "../core/severity.js";
import { serializationOptionsFromPredicate, type ResourceDigest, type SerializationOptions } from "../sign/manifest/index.js";
import { STATEMENT_TYPE } from "../sign/format/statement.js";
import type { ModelSource } from "./source.js";

export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
export const MODEL_DOWNLOAD_BUILD_TYPE = "https://modelgate.dev/provenance/model-download/v1";
export const BUILDER_ID = "https://modelgate.dev/builder/cli";
export const SCAN_VERDICT_NAME = "modelgate-scan-verdict";
export const SCAN_VERDICT_MEDIA_TYPE = "application/vnd.modelgate.scan-verdict+json";

/** The scan verdict recorded with the provenance. */
export interface ScanVerdict {
  tool: string;
  toolVersion: string;
  scannedAt: string;
  failOn: Severity;
  /** A finding reached failOn. */
  failed: boolean;
  highestSeverity: Severity | null;
  files: number;
  findings: number;
  bySeverity: Record<Severity, number>;
}

export interface ProvenanceInput {
  modelName: string;
  subjectDigest: string;
  source: ModelSource;
  /** files method, sha256; how to hash the model again to check it */
  serialization: Record<string, unknown>;
  files: ResourceDigest[];
  downloadedAt: string;
  recordedAt: string;
  invocationId: string;
  toolVersion: string;
  verdict: ScanVerdict;
}

export function provenanceStatement(p: ProvenanceInput): Record<string, unknown> {
  const externalParameters: Record<string, unknown> = { source: p.source.source };
  if (p.source.repository) externalParameters.repository = p.source.repository;
  if (p.source.revision) externalParameters.revision = p.source.revision;
  const sourceDep: Record<string, unknown> = { uri: p.source.uri };
  if (Object.keys(p.source.digest).length > 0) sourceDep.digest = p.source.digest;
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: p.modelName, digest: { sha256: p.subjectDigest } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: MODEL_DOWNLOAD_BUILD_TYPE,
        externalParameters,
        internalParameters: { serialization: p.serialization },
        resolvedDependencies: [sourceDep, ...p.files.map((f) => ({ name: f.name, digest: { [f.algorithm]: f.digest.toString("hex") } }))],
      },
      runDetails: {
        builder: { id: BUILDER_ID, version: { modelgate: p.toolVersion } },
        metadata: { invocationId: p.invocationId, startedOn: p.downloadedAt, finishedOn: p.recordedAt },
        byproducts: [{ name: SCAN_VERDICT_NAME, mediaType: SCAN_VERDICT_MEDIA_TYPE, annotations: p.verdict }],
      },
    },
  };
}

/** A provenance statement as read back. */
export interface ParsedProvenance {
  modelName: string;
  subjectDigest: Buffer;
  source: string;
  repository?: string;
  revision?: string;
  serialization: SerializationOptions;
  files: ResourceDigest[];
  downloadedAt: string;
  recordedAt: string;
  verdict: ScanVerdict;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(message: string): never {
  throw new ModelgateError("MALFORMED_BUNDLE", `the provenance statement is malformed: ${message}`);
}

function digestOf(v: unknown, where: string): Buffer {
  if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) bad(`${where} must be a sha256 hex digest`);
  return Buffer.from(v, "hex");
}

function parseVerdict(v: unknown): ScanVerdict {
  if (!isObject(v)) bad("the scan verdict is missing");
  const { failOn, failed, highestSeverity, files, findings, bySeverity } = v;
  if (!isSeverity(failOn) || typeof failed !== "boolean" || (highestSeverity !== null && !isSeverity(highestSeverity))) bad("the scan verdict is incomplete");
  if (typeof files !== "number" || typeof findings !== "number" || !isObject(bySeverity)) bad("the scan verdict counts are missing");
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, typeof bySeverity[s] === "number" ? bySeverity[s] : 0])) as Record<Severity, number>;
  return {
    tool: String(v.tool ?? "modelgate"),
    toolVersion: String(v.toolVersion ?? ""),
    scannedAt: String(v.scannedAt ?? ""),
    failOn,
    failed,
    highestSeverity,
    files,
    findings,
    bySeverity: counts,
  };
}

/** Reads a provenance statement (JSON already parsed); MALFORMED_BUNDLE naming the field otherwise. */
export function parseProvenance(doc: Record<string, unknown>): ParsedProvenance {
  if (doc.predicateType !== SLSA_PROVENANCE_V1) bad(`unknown predicateType ${JSON.stringify(doc.predicateType)} (expected ${SLSA_PROVENANCE_V1})`);
  const subject = Array.isArray(doc.subject) && doc.subject.length === 1 ? (doc.subject[0] as unknown) : undefined;
  if (!isObject(subject) || typeof subject.name !== "string" || !isObject(subject.digest)) bad("it needs exactly one subject with a name and a digest");
  const pred = doc.predicate;
  if (!isObject(pred) || !isObject(pred.buildDefinition) || !isObject(pred.runDetails)) bad("predicate.buildDefinition and predicate.runDetails are required");
  const bd = pred.buildDefinition;
  if (bd.buildType !== MODEL_DOWNLOAD_BUILD_TYPE) bad(`buildType ${JSON.stringify(bd.buildType)} is not ${MODEL_DOWNLOAD_BUILD_TYPE}`);
  const ext = bd.externalParameters;
  if (!isObject(ext) || typeof ext.source !== "string") bad("externalParameters.source is missing");
  const internal = bd.internalParameters;
  let serialization: SerializationOptions;
  try {
    serialization = serializationOptionsFromPredicate(isObject(internal) ? internal.serialization : undefined);
  } catch (e) {
    bad((e as Error).message);
  }
  if (serialization.method !== "files") bad("internalParameters.serialization.method must be files");
  if (!Array.isArray(bd.resolvedDependencies)) bad("resolvedDependencies must be a list");
  const files: ResourceDigest[] = [];
  const seen = new Set<string>();
  bd.resolvedDependencies.forEach((d: unknown, i: number) => {
    if (!isObject(d)) bad(`resolvedDependencies[${i}] must be an object`);
    if (typeof d.name !== "string") return; // the source itself (uri)
    if (!isObject(d.digest)) bad(`resolvedDependencies[${i}] has no digest`);
    if (seen.has(d.name)) bad(`resolvedDependencies names ${JSON.stringify(d.name)} twice`);
    seen.add(d.name);
    files.push({ name: d.name, algorithm: serialization.hashType, digest: digestOf(d.digest[serialization.hashType], `resolvedDependencies[${i}].digest.${serialization.hashType}`) });
  });
  const meta = pred.runDetails.metadata;
  const byproducts = pred.runDetails.byproducts;
  const verdict = Array.isArray(byproducts) ? byproducts.find((b: unknown) => isObject(b) && b.name === SCAN_VERDICT_NAME) : undefined;
  return {
    modelName: subject.name,
    subjectDigest: digestOf(subject.digest.sha256, "subject[0].digest.sha256"),
    source: ext.source,
    ...(typeof ext.repository === "string" ? { repository: ext.repository } : {}),
    ...(typeof ext.revision === "string" ? { revision: ext.revision } : {}),
    serialization,
    files,
    downloadedAt: isObject(meta) && typeof meta.startedOn === "string" ? meta.startedOn : "",
    recordedAt: isObject(meta) && typeof meta.finishedOn === "string" ? meta.finishedOn : "",
    verdict: parseVerdict(isObject(verdict) ? verdict.annotations : undefined),
  };
}
