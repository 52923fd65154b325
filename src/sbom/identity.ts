/**
 * Which model a folder is: organisation, name and revision, from (in order) the caller, a provenance
 * statement beside the model, a Hugging Face cache path (models--ORG--NAME/snapshots/REV), or the folder
 * name. The provenance statement is read for its claims only; `modelgate verify --provenance` checks it.
 */
import { basename, resolve, sep } from "node:path";
import { ModelgateError, isModelgateError } from "../core/errors.js";
import { defaultProvenancePath, parseProvenance } from "../provenance/index.js";
import { parseBundle } from "../sign/format/bundle.js";
import { parseStatementJson } from "../sign/format/statement.js";
import { readBoundedText } from "./read-file.js";
import type { IdentitySource, MetadataIssue } from "./types.js";

/** Provenance files are a DSSE bundle around a statement with one digest per file. */
export const MAX_PROVENANCE_BYTES = 64 * 1024 * 1024;

export interface ModelIdentity {
  name: string;
  org?: string;
  revision?: string;
  source: IdentitySource;
}

/** Hugging Face repository names and organisations (as parseModelSource accepts them). */
const HF_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;

/** "ORG/NAME" or "NAME"; throws INVALID_OPTION naming what is wrong. */
export function parseModelName(value: string): { org?: string; name: string } {
  const parts = value.trim().split("/");
  if (parts.length > 2 || !parts.every((p) => HF_NAME.test(p))) {
    throw new ModelgateError("INVALID_OPTION", `"${value}" is not a model name: use ORG/NAME or NAME (letters, digits, . _ -)`);
  }
  return parts.length === 2 ? { org: parts[0]!, name: parts[1]! } : { name: parts[0]! };
}

export function checkRevision(value: string): string {
  if (!REVISION.test(value)) throw new ModelgateError("INVALID_OPTION", `"${value}" is not a valid revision (a commit, tag or branch)`);
  return value;
}

/** models--ORG--NAME/snapshots/REV (the huggingface_hub cache layout), or undefined. */
export function identityFromCachePath(dir: string): ModelIdentity | undefined {
  const parts = resolve(dir).split(sep).filter((p) => p !== "");
  const n = parts.length;
  if (n < 3 || parts[n - 2] !== "snapshots" || !parts[n - 3]!.startsWith("models--")) return undefined;
  const repo = parts[n - 3]!.slice("models--".length).split("--");
  const revision = parts[n - 1]!;
  if (!REVISION.test(revision)) return undefined;
  if (repo.length === 1 && HF_NAME.test(repo[0]!)) return { name: repo[0]!, revision, source: "huggingface-cache" };
  if (repo.length === 2 && HF_NAME.test(repo[0]!) && HF_NAME.test(repo[1]!)) return { org: repo[0]!, name: repo[1]!, revision, source: "huggingface-cache" };
  return undefined;
}

/** The repository and revision a provenance statement beside the model records, when there is one. */
export async function identityFromProvenance(dir: string, issues: MetadataIssue[]): Promise<ModelIdentity | undefined> {
  const path = defaultProvenancePath(dir);
  let read;
  try {
    read = await readBoundedText(path, MAX_PROVENANCE_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") issues.push({ file: path, message: `cannot read the provenance: ${code ?? (e as Error).message}` });
    return undefined;
  }
  if (read.truncated) {
    issues.push({ file: path, message: `the provenance is larger than ${MAX_PROVENANCE_BYTES} bytes; not read` });
    return undefined;
  }
  try {
    const bundle = parseBundle(read.text, path);
    const p = parseProvenance(parseStatementJson(bundle.payload));
    if (!p.repository) return undefined; // a URL source names no Hugging Face repository
    const id = parseModelName(p.repository);
    return { ...id, ...(p.revision && REVISION.test(p.revision) ? { revision: p.revision } : {}), source: "provenance" };
  } catch (e) {
    if (isModelgateError(e)) {
      issues.push({ file: path, message: `the provenance could not be read: ${e.message}` });
      return undefined;
    }
    throw e;
  }
}

/** The identity by the order of precedence above. Options are validated (INVALID_OPTION). */
export async function resolveIdentity(dir: string, options: { name?: string; revision?: string }, issues: MetadataIssue[]): Promise<ModelIdentity> {
  const revision = options.revision === undefined ? undefined : checkRevision(options.revision);
  if (options.name !== undefined) {
    const id = parseModelName(options.name);
    return { ...id, ...(revision ? { revision } : {}), source: "options" };
  }
  const found = (await identityFromProvenance(dir, issues)) ?? identityFromCachePath(dir);
  if (found) return revision ? { ...found, revision } : found;
  const name = basename(resolve(dir));
  return { name: HF_NAME.test(name) ? name : name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[^A-Za-z0-9]+/, "").slice(0, 96) || "model", ...(revision ? { revision } : {}), source: "folder" };
}

function purlSegment(s: string): string {
  return encodeURIComponent(s);
}

/**
 * pkg:huggingface/ORG/NAME@REV (purl-spec "huggingface" type: the namespace is the organisation, the
 * version the revision; a commit hash is lower-cased).
 */
export function huggingFacePurl(org: string | undefined, name: string, revision: string | undefined): string | undefined {
  if (!org || !revision) return undefined;
  const rev = /^[0-9a-fA-F]{40}$/.test(revision) ? revision.toLowerCase() : revision;
  return `pkg:huggingface/${purlSegment(org)}/${purlSegment(name)}@${purlSegment(rev)}`;
}

/** pkg:huggingface/ID for a base model named "ORG/NAME" (or "NAME"), without a version. */
export function huggingFaceRefPurl(id: string): string | undefined {
  const parts = id.split("/");
  if (parts.length > 2 || !parts.every((p) => HF_NAME.test(p))) return undefined;
  return `pkg:huggingface/${parts.map(purlSegment).join("/")}`;
}
