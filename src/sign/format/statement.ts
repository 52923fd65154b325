/**
 * The in-toto Statement v1 that model_signing signs: one subject (the model, digest = sha256 over the
 * resource digests), predicateType https://model_signing/signature/v1.0, predicate {serialization,
 * resources}. Written byte-for-byte as model_signing writes it (protobuf MessageToJson: 2-space indent,
 * ASCII-escaped, Struct numbers as floats, fields in the order of its test goldens) and read back strictly.
 */
import { ModelgateError } from "../../core/errors.js";
import { serializationOptionsFromPredicate, subjectDigest, type Manifest, type ResourceDigest, type SerializationOptions } from "../manifest/index.js";
import { PyFloat, pythonJsonDumps, type PyJson } from "./python-json.js";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const MODEL_SIGNING_PREDICATE_TYPE = "https://model_signing/signature/v1.0";
/** model_signing before 1.0 (v0.2 signatures): one subject per file. */
export const LEGACY_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";

/** Struct values: numbers become doubles (PyFloat), the rest keeps its shape and key order. */
function toStruct(v: unknown): PyJson {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return new PyFloat(v);
  if (Array.isArray(v)) return v.map(toStruct);
  if (typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toStruct(x)]));
  throw new TypeError(`cannot write ${typeof v} into a protobuf Struct`);
}

/** The statement's JSON text, exactly as model_signing writes it (no final newline). */
export function statementJson(manifest: Manifest): string {
  const statement: PyJson = {
    _type: STATEMENT_TYPE,
    subject: [{ name: manifest.modelName, digest: { sha256: subjectDigest(manifest.resources).toString("hex") } }],
    predicateType: MODEL_SIGNING_PREDICATE_TYPE,
    predicate: {
      serialization: toStruct(manifest.serialization),
      resources: manifest.resources.map((r) => ({ algorithm: r.algorithm, digest: r.digest.toString("hex"), name: r.name })),
    },
  };
  return pythonJsonDumps(statement);
}

/** A verified statement's content. */
export interface SignedManifest {
  predicateType: typeof MODEL_SIGNING_PREDICATE_TYPE;
  modelName: string;
  /** The subject digest as signed (checked to equal the digest over `resources`). */
  subjectDigest: Buffer;
  resources: ResourceDigest[];
  /** How the signer hashed the model. */
  serialization: SerializationOptions;
}

/** A v0.2 statement: one subject per file. */
export interface LegacySignedManifest {
  predicateType: typeof LEGACY_PREDICATE_TYPE;
  files: { name: string; digest: Buffer }[];
}

const HEX = /^[0-9a-f]+$/;

function bad(message: string): never {
  throw new ModelgateError("MALFORMED_BUNDLE", `the signed statement is malformed: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hexDigest(v: unknown, where: string, bytes?: number): Buffer {
  if (typeof v !== "string" || !HEX.test(v) || v.length % 2 !== 0 || (bytes !== undefined && v.length !== bytes * 2)) {
    bad(`${where} must be a lowercase hex digest${bytes ? ` of ${bytes} bytes` : ""}, got ${JSON.stringify(v)}`);
  }
  return Buffer.from(v, "hex");
}

/** Parses the JSON of the statement; only the envelope's payload type and our two predicate types are read. */
export function parseStatementJson(payload: Buffer): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (e) {
    bad(`the payload is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) bad("the payload is not a JSON object");
  if (doc._type !== STATEMENT_TYPE) bad(`_type must be ${STATEMENT_TYPE}, got ${JSON.stringify(doc._type)}`);
  return doc;
}

/**
 * Reads a statement into a manifest. Throws MALFORMED_BUNDLE naming the field; an unknown predicateType is
 * MALFORMED_BUNDLE too ("not a model signature").
 */
export function parseStatement(payload: Buffer): SignedManifest | LegacySignedManifest {
  const doc = parseStatementJson(payload);
  const subjects = doc.subject;
  if (!Array.isArray(subjects) || subjects.length === 0) bad("subject must be a non-empty list");
  if (doc.predicateType === LEGACY_PREDICATE_TYPE) {
    const files = subjects.map((s, i) => {
      if (!isObject(s) || typeof s.name !== "string" || !isObject(s.digest)) bad(`subject[${i}] must have a name and a digest`);
      return { name: s.name, digest: hexDigest(s.digest.sha256, `subject[${i}].digest.sha256`, 32) };
    });
    return { predicateType: LEGACY_PREDICATE_TYPE, files };
  }
  if (doc.predicateType !== MODEL_SIGNING_PREDICATE_TYPE) {
    bad(`unknown predicateType ${JSON.stringify(doc.predicateType)}: not a model signature (expected ${MODEL_SIGNING_PREDICATE_TYPE})`);
  }
  if (subjects.length !== 1) bad(`a model signature has exactly one subject, found ${subjects.length}`);
  const subject = subjects[0] as unknown;
  if (!isObject(subject) || typeof subject.name !== "string" || !isObject(subject.digest)) bad("subject[0] must have a name and a digest");
  const digest = hexDigest(subject.digest.sha256, "subject[0].digest.sha256", 32);
  const predicate = doc.predicate;
  if (!isObject(predicate)) bad("predicate must be an object");
  let serialization: SerializationOptions;
  try {
    serialization = serializationOptionsFromPredicate(predicate.serialization);
  } catch (e) {
    if (e instanceof ModelgateError) bad(e.message);
    throw e;
  }
  if (!Array.isArray(predicate.resources)) bad("predicate.resources must be a list");
  const seen = new Set<string>();
  const resources = predicate.resources.map((r: unknown, i: number): ResourceDigest => {
    if (!isObject(r) || typeof r.name !== "string" || typeof r.algorithm !== "string") bad(`predicate.resources[${i}] must have a name, an algorithm and a digest`);
    if (seen.has(r.name)) bad(`predicate.resources names ${JSON.stringify(r.name)} twice`);
    seen.add(r.name);
    return { name: r.name, algorithm: r.algorithm, digest: hexDigest(r.digest, `predicate.resources[${i}].digest`) };
  });
  return { predicateType: MODEL_SIGNING_PREDICATE_TYPE, modelName: subject.name, subjectDigest: digest, resources, serialization };
}
