/**
 * readModelMetadata(): everything an ML-SBOM says about a model folder, read from where the facts live —
 * the model card, config.json, generation_config.json, tokenizer_config.json, the weight files' headers,
 * the requirements files — plus every file's size and SHA-256. Nothing is executed or deserialised into
 * live objects; every read is bounded. A malformed metadata file becomes an issue naming the file (and
 * line); the rest is kept.
 */
import { stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { ModelgateError } from "../core/errors.js";
import { openFileSource } from "../core/source.js";
import { findDependencyFiles, parseDependencyFile } from "../deps/parse/index.js";
import type { DependencyFile } from "../deps/types.js";
import { detectSource } from "../detect/detect.js";
import { DEFAULT_IGNORE_PATHS, hashModel } from "../sign/manifest/index.js";
import { listModelFiles } from "../sign/manifest/walk.js";
import { MAX_CARD_BYTES, parseCard, type CardFacts } from "./card.js";
import { huggingFacePurl, resolveIdentity } from "./identity.js";
import { isRecord, readBoundedText, readJsonFile, shortString } from "./read-file.js";
import type { ConfigFacts, MetadataIssue, ModelFileEntry, ModelMetadata, ReadModelMetadataOptions, TokenizerFacts } from "./types.js";
import { readWeightFacts } from "./weights.js";

/** Formats that are not model weights (configs, text, unknown bytes). */
const NOT_WEIGHTS: ReadonlySet<string> = new Set(["json", "text", "unknown", "directory"]);
/** Settings of generation_config.json kept. */
export const MAX_GENERATION_SETTINGS = 32;

function positiveInt(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

function firstInt(obj: Record<string, unknown>, keys: readonly string[]): number | undefined {
  for (const k of keys) {
    const n = positiveInt(obj[k]);
    if (n !== undefined) return n;
  }
  return undefined;
}

function configFacts(config: Record<string, unknown>): ConfigFacts {
  // Multimodal configs keep the language model's sizes under text_config.
  const text = isRecord(config.text_config) ? config.text_config : {};
  const pick = (keys: readonly string[]): number | undefined => firstInt(config, keys) ?? firstInt(text, keys);
  const facts: ConfigFacts = {};
  const dtype = shortString(config.torch_dtype) ?? shortString(config.dtype);
  if (dtype) facts.torchDtype = dtype;
  const vocab = pick(["vocab_size", "n_vocab", "padded_vocab_size"]);
  if (vocab) facts.vocabSize = vocab;
  const ctx = pick(["max_position_embeddings", "n_positions", "n_ctx", "seq_length", "max_sequence_length"]);
  if (ctx) facts.contextLength = ctx;
  const hidden = pick(["hidden_size", "n_embd", "d_model", "dim"]);
  if (hidden) facts.hiddenSize = hidden;
  const layers = pick(["num_hidden_layers", "n_layer", "num_layers", "n_layers"]);
  if (layers) facts.layers = layers;
  const tv = shortString(config.transformers_version, 64);
  if (tv) facts.transformersVersion = tv;
  return facts;
}

function generationSettings(gen: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(gen)) {
    if (Object.keys(out).length >= MAX_GENERATION_SETTINGS) break;
    if (k.startsWith("_")) continue;
    if (typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) out[k] = v;
    else {
      const s = shortString(v, 128);
      if (s !== undefined) out[k] = s;
    }
  }
  return out;
}

function tokenizerFacts(tok: Record<string, unknown>): TokenizerFacts {
  const ct = tok.chat_template;
  const chatTemplate =
    (typeof ct === "string" && ct.trim() !== "") || (Array.isArray(ct) && ct.some((t) => isRecord(t) && typeof t.template === "string"));
  const facts: TokenizerFacts = { chatTemplate };
  // Tokenizers without a limit write 1e30 (VERY_LARGE_INTEGER): not a real length.
  const max = positiveInt(tok.model_max_length);
  if (max !== undefined && max < 1e9) facts.modelMaxLength = max;
  const cls = shortString(tok.tokenizer_class, 128);
  if (cls) facts.tokenizerClass = cls;
  return facts;
}

async function detectFormat(abs: string, name: string): Promise<string> {
  const src = await openFileSource(abs);
  try {
    return (await detectSource(src, name)).format;
  } finally {
    await src.close();
  }
}

async function readDependencies(dir: string, issues: MetadataIssue[]): Promise<DependencyFile[]> {
  const root = resolve(dir);
  let found: string[];
  try {
    // Symbolic links to files are followed as the hashing does (a Hugging Face cache snapshot is all links).
    found = await findDependencyFiles(dir, { followFileLinks: true });
  } catch (e) {
    issues.push({ file: ".", message: `could not look for requirements files: ${(e as Error).message}` });
    return [];
  }
  const out: DependencyFile[] = [];
  for (const p of found) {
    const display = relative(root, resolve(p)).split("\\").join("/");
    try {
      const file = await parseDependencyFile(p, { displayPath: display });
      out.push(file);
      // Lines the parser could not follow are worth a warning too (they stay in the file's own issues).
      for (const i of file.issues) issues.push({ file: i.source.file, ...(i.source.line === undefined ? {} : { line: i.source.line }), message: `${i.code}: ${i.message}` });
    } catch (e) {
      issues.push({ file: display, message: (e as Error).message });
    }
  }
  return out;
}

/** Reads the model's metadata. Throws ModelgateError for a path that is not a readable folder. */
export async function readModelMetadata(dir: string, options: ReadModelMetadataOptions = {}): Promise<ModelMetadata> {
  let st;
  try {
    st = await stat(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelgateError(code === "ENOENT" ? "PATH_NOT_FOUND" : "PATH_UNREADABLE", `${dir}: ${code === "ENOENT" ? "no such folder" : (code ?? (e as Error).message)}`);
  }
  if (!st.isDirectory()) throw new ModelgateError("USAGE", `${dir} is not a folder: give the model's folder`);

  const issues: MetadataIssue[] = [];
  const identity = await resolveIdentity(dir, options, issues);

  // Hugging Face cache snapshots are folders of symbolic links into ../../blobs: follow them, as the loaders do.
  const listing = await listModelFiles(dir, { allowSymlinks: true, ignorePaths: [...DEFAULT_IGNORE_PATHS] });
  const manifest = await hashModel(dir, { method: "files", hashType: "sha256", allowSymlinks: true });
  const digests = new Map(manifest.resources.map((r) => [r.name, r.digest.toString("hex")]));

  const files: Array<ModelFileEntry & { abs: string }> = [];
  let newest = 0;
  for (const f of listing.files) {
    const sha256 = digests.get(f.name);
    if (sha256 === undefined) continue; // removed between listing and hashing
    const format = await detectFormat(f.path, f.name).catch(() => "unknown");
    const mtime = await stat(f.path).then((s) => s.mtimeMs, () => 0);
    newest = Math.max(newest, mtime);
    files.push({ path: f.name, size: f.size, sha256, format, abs: f.path });
  }
  const modifiedAt = new Date(Math.floor((newest || st.mtimeMs) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

  const byName = (n: string): (typeof files)[number] | undefined => files.find((f) => f.path === n);
  const cardFile = files.find((f) => !f.path.includes("/") && f.path.toLowerCase() === "readme.md");
  let card: CardFacts = { baseModels: [], datasets: [], languages: [], metrics: [], tags: [], results: [], considerations: [] };
  if (cardFile) {
    try {
      const read = await readBoundedText(cardFile.abs, MAX_CARD_BYTES);
      if (read.truncated) issues.push({ file: cardFile.path, message: `model card of ${read.size} bytes: only the first ${MAX_CARD_BYTES} bytes were read` });
      card = parseCard(read.text, cardFile.path, issues);
    } catch (e) {
      issues.push({ file: cardFile.path, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    }
  }

  const configFile = byName("config.json");
  const config = configFile ? await readJsonFile(configFile.abs, configFile.path, issues) : undefined;
  if (configFile && config !== undefined && !isRecord(config)) issues.push({ file: configFile.path, line: 1, message: "config.json is not a JSON object" });
  const genFile = byName("generation_config.json");
  const gen = genFile ? await readJsonFile(genFile.abs, genFile.path, issues) : undefined;
  const tokFile = byName("tokenizer_config.json");
  const tok = tokFile ? await readJsonFile(tokFile.abs, tokFile.path, issues) : undefined;

  const weights = await readWeightFacts(files, issues);
  const dependencies = await readDependencies(dir, issues);

  const general = weights.facts.gguf?.general ?? {};
  const cfg = isRecord(config) ? config : undefined;
  const modelType = shortString(cfg?.model_type) ?? (typeof general.architecture === "string" ? general.architecture : undefined);
  const architecture = Array.isArray(cfg?.architectures) ? shortString(cfg.architectures[0]) : undefined;
  const license = card.license ?? (typeof general.license === "string" ? general.license : undefined);

  const purl = huggingFacePurl(identity.org, identity.name, identity.revision);
  const meta: ModelMetadata = {
    name: identity.name,
    ...(identity.org ? { org: identity.org } : {}),
    ...(identity.revision ? { revision: identity.revision } : {}),
    ...(purl ? { purl } : {}),
    identitySource: identity.source,
    ...(license ? { license } : {}),
    ...(card.licenseName ? { licenseName: card.licenseName } : {}),
    ...(card.licenseLink ? { licenseLink: card.licenseLink } : {}),
    baseModels: card.baseModels,
    datasets: card.datasets,
    ...(card.pipelineTag ? { pipelineTag: card.pipelineTag } : {}),
    ...(card.libraryName ? { libraryName: card.libraryName } : {}),
    ...(modelType ? { modelType } : {}),
    ...(architecture ? { architecture } : {}),
    languages: card.languages,
    metrics: card.metrics,
    tags: card.tags,
    results: card.results,
    considerations: card.considerations,
    ...(weights.parameters !== undefined ? { parameters: weights.parameters } : {}),
    formats: [...new Set(files.map((f) => f.format).filter((f) => !NOT_WEIGHTS.has(f)))].sort(),
    files: files.map(({ path, size, sha256, format }) => ({ path, size, sha256, format })),
    dependencies,
    card: cardFile ? { present: true, path: cardFile.path } : { present: false },
    ...(cfg ? { config: configFacts(cfg) } : {}),
    ...(isRecord(gen) ? { generation: generationSettings(gen) } : {}),
    ...(isRecord(tok) ? { tokenizer: tokenizerFacts(tok) } : {}),
    weights: weights.facts,
    modifiedAt,
    issues,
  };
  return meta;
}
