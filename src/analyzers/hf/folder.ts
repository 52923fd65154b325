import { readFile, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { LimitError } from "../../core/errors.js";
import type { FormatId } from "../../core/format.js";
import { openFileSource } from "../../core/source.js";
import { detectSource } from "../../detect/detect.js";
import type { Issue } from "../analyzer.js";
import { diffusersCustomComponents, findCodeReferences, type CodeReference } from "./code-refs.js";
import { isConfigObject } from "./config-tree.js";

export interface ModelFolderSummary {
  kind: "huggingface" | "unknown";
  /** Files (relative to the folder, "/"-separated) a loader would read, sorted. */
  loaderFiles: string[];
  /** Findings about the folder as a whole; `path` is the on-disk file they belong to (`join(dir, relative)`). */
  issues: Array<Issue & { path: string }>;
}

/** Files whose presence makes a folder a Hugging Face model (transformers, diffusers, sentence-transformers, PEFT). */
const MARKER_FILES = new Set([
  "config.json",
  "model_index.json",
  "tokenizer_config.json",
  "tokenizer.json",
  "generation_config.json",
  "preprocessor_config.json",
  "processor_config.json",
  "modules.json",
  "config_sentence_transformers.json",
  "adapter_config.json",
  "special_tokens_map.json",
]);
const MARKER_PATTERN = /^(?:(?:model|diffusion_pytorch_model|adapter_model)(?:-\d{5}-of-\d{5})?\.safetensors|pytorch_model(?:-\d{5}-of-\d{5})?\.bin|.*\.safetensors\.index\.json|pytorch_model\.bin\.index\.json)$/;

/** Configuration and tokenizer files transformers / diffusers / sentence-transformers read when present. */
const LOADER_SIDE_FILES = [
  "config.json",
  "generation_config.json",
  "tokenizer_config.json",
  "tokenizer.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.json",
  "vocab.txt",
  "merges.txt",
  "tokenizer.model",
  "spiece.model",
  "sentencepiece.bpe.model",
  "chat_template.jinja",
  "chat_template.json",
  "preprocessor_config.json",
  "processor_config.json",
  "video_preprocessor_config.json",
  "model_index.json",
  "scheduler_config.json",
  "modules.json",
  "config_sentence_transformers.json",
  "sentence_bert_config.json",
  "adapter_config.json",
];

/** Configs that can name custom code. */
const CODE_CONFIGS = ["config.json", "tokenizer_config.json", "processor_config.json", "preprocessor_config.json", "video_preprocessor_config.json", "model_index.json", "modules.json"];

/** Weights in the order transformers / diffusers / PEFT pick them (safetensors first, then the pickle). */
const WEIGHT_PREFERENCE: ReadonlyArray<readonly string[]> = [
  ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"],
  ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.safetensors.index.json", "diffusion_pytorch_model.bin", "diffusion_pytorch_model.bin.index.json"],
  ["adapter_model.safetensors", "adapter_model.bin"],
];

/** Formats that are (or carry) a pickle stream. */
const PICKLE_FORMATS: ReadonlySet<FormatId> = new Set(["pickle", "pytorch-legacy", "pytorch-zip", "torchscript", "joblib"]);
/** Zips, including those a scan names by what they hold (knownFormat): torch.load opens any of them. */
const ZIP_FORMATS: ReadonlySet<FormatId> = new Set(["zip", "npz", "keras"]);
/** Extensions never worth sniffing for pickles: text a loader reads as text. */
const TEXT_EXTENSIONS = /\.(?:json|jsonl|txt|md|py|jinja2?|j2|yaml|yml|csv|tsv|gitattributes|gitignore)$/i;
/** Largest config read for the folder summary (the per-file analyzer reports larger ones). */
const MAX_FOLDER_CONFIG_BYTES = 8 * 1024 * 1024;

function posix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

function dirOf(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i < 0 ? "" : rel.slice(0, i);
}

function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf("/") + 1);
}

function inDir(modelDir: string, name: string): string {
  return modelDir === "" ? name : `${modelDir}/${name}`;
}

async function readJson(path: string): Promise<unknown> {
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size > MAX_FOLDER_CONFIG_BYTES) return undefined;
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch {
    return undefined; // unreadable or not JSON: the per-file scan reports it
  }
}

async function sniffFormat(path: string): Promise<FormatId | undefined> {
  let source;
  try {
    source = await openFileSource(path);
  } catch {
    return undefined;
  }
  try {
    return (await detectSource(source, baseOf(posix(path)))).format;
  } catch {
    return undefined;
  } finally {
    await source.close();
  }
}

/** A finding for a config the folder summary could not read to the end (it is one a loader reads: high). */
function folderError(path: string, rel: string, e: unknown): Issue & { path: string } {
  if (e instanceof LimitError) {
    return { path, ruleId: "scanner/limit-exceeded", message: `${rel}: ${e.message}; the custom code it may name was not verified`, evidence: { limit: e.limit, value: e.value, max: e.max } };
  }
  return { path, ruleId: "scanner/unparseable", message: `${rel} could not be analysed for the folder summary (${e instanceof Error ? e.message : String(e)}); the custom code it may name was not verified` };
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function shardsOf(index: unknown): string[] {
  if (!isConfigObject(index) || !isConfigObject(index["weight_map"])) return [];
  const shards = new Set<string>();
  for (const v of Object.values(index["weight_map"])) if (typeof v === "string" && !v.includes("..") && !v.startsWith("/")) shards.add(v);
  return [...shards];
}

/**
 * Summarises a model folder the way a loader sees it: which files transformers (and diffusers,
 * sentence-transformers, PEFT) would read, custom code its configs name (present: the .py file is
 * high; missing: medium, the loader would fetch it), and weights shipped both as safetensors and pickle.
 * `files` are paths relative to `dir`. Per-file content findings are the per-file analyzers' job.
 */
/**
 * `knownFormat` gives the format a scan already found for a file (path relative to `dir`), so the folder pass
 * does not open every file a second time; files it does not know (undefined) are sniffed here.
 */
export async function analyzeModelFolder(dir: string, files: string[], knownFormat?: (rel: string) => FormatId | undefined): Promise<ModelFolderSummary> {
  const rels = files.map(posix);
  const present = new Set(rels);
  const issues: ModelFolderSummary["issues"] = [];
  const loader = new Set<string>();
  const abs = (rel: string): string => join(dir, ...rel.split("/"));

  const modelDirs = new Set<string>();
  for (const rel of rels) {
    const base = baseOf(rel);
    if (MARKER_FILES.has(base) || MARKER_PATTERN.test(base)) modelDirs.add(dirOf(rel));
  }

  // Pickles under any name (training_args.bin, optimizer.pt, *.ckpt…): torch.load-based tools read them.
  const pickles = new Set<string>();
  for (const rel of rels) {
    if (TEXT_EXTENSIONS.test(rel)) continue;
    const format = knownFormat?.(rel) ?? (await sniffFormat(abs(rel)));
    if (format === undefined) continue;
    if (PICKLE_FORMATS.has(format) || (ZIP_FORMATS.has(format) && /\.(?:bin|pt|pth|ckpt|pkl)$/i.test(rel))) pickles.add(rel);
  }
  for (const p of pickles) loader.add(p);

  const codeFiles = new Map<string, { configs: Set<string>; classes: Set<string> }>();
  const noteCode = (file: string, config: string, className: string): void => {
    const entry = codeFiles.get(file) ?? { configs: new Set<string>(), classes: new Set<string>() };
    entry.configs.add(config);
    entry.classes.add(className);
    codeFiles.set(file, entry);
  };

  for (const modelDir of [...modelDirs].sort()) {
    for (const name of LOADER_SIDE_FILES) if (present.has(inDir(modelDir, name))) loader.add(inDir(modelDir, name));
    for (const rel of rels) {
      if (dirOf(rel) === inDir(modelDir, "additional_chat_templates") && rel.endsWith(".jinja")) loader.add(rel);
    }

    // Weights, in the loader's order of preference.
    for (const family of WEIGHT_PREFERENCE) {
      const chosen = family.find((n) => present.has(inDir(modelDir, n)));
      if (chosen === undefined) continue;
      const rel = inDir(modelDir, chosen);
      loader.add(rel);
      if (chosen.endsWith(".index.json")) {
        for (const shard of shardsOf(await readJson(abs(rel)))) if (present.has(inDir(modelDir, shard))) loader.add(inDir(modelDir, shard));
      }
    }

    // Custom code named by the configs.
    for (const name of CODE_CONFIGS) {
      const configRel = inDir(modelDir, name);
      if (!present.has(configRel)) continue;
      const parsed = await readJson(abs(configRel));
      if (parsed === undefined) continue;
      let refs: CodeReference[];
      try {
        refs = findCodeReferences(parsed);
      } catch (e) {
        // One hostile config (absurd nesting) must not end the folder's analysis, nor the scan.
        issues.push(folderError(abs(configRel), configRel, e));
        continue;
      }
      const local = refs.filter((r: CodeReference) => r.repo === undefined);
      const missing = new Map<string, CodeReference[]>();
      for (const ref of local) {
        const rel = inDir(modelDir, ref.file);
        if (present.has(rel)) noteCode(rel, configRel, ref.className);
        else missing.set(ref.file, [...(missing.get(ref.file) ?? []), ref]);
      }
      for (const [file, refs] of missing) {
        issues.push({
          path: abs(configRel),
          ruleId: "hf/custom-code-missing",
          message: `${configRel}: ${refs.map((r) => r.via).join(", ")} name ${file}, which is not in the folder; the loader would fetch it from the model's Hub repository`,
          evidence: { config: configRel, file, classes: refs.map((r) => r.className).join(",") },
        });
      }
      if (name === "model_index.json") {
        for (const c of safely(() => diffusersCustomComponents(parsed), [])) {
          const rel = inDir(modelDir, `${c.component}/${c.library}.py`);
          if (present.has(rel)) noteCode(rel, configRel, c.className);
        }
      }
    }

    // Weights twice: safetensors next to pickle checkpoints.
    const here = rels.filter((r) => dirOf(r) === modelDir);
    const safetensors = here.filter((r) => r.endsWith(".safetensors"));
    const pickled = here.filter((r) => pickles.has(r) && /(?:^|\/)(?:pytorch_model|diffusion_pytorch_model|adapter_model|model)[^/]*\.(?:bin|pt|pth|ckpt)$/.test(r));
    if (safetensors.length > 0 && pickled.length > 0) {
      issues.push({
        path: abs(pickled[0]!),
        ruleId: "hf/mixed-weight-formats",
        message: `${modelDir || "."}: weights are shipped as safetensors (${safetensors.slice(0, 3).map(baseOf).join(", ")}) and as pickle (${pickled.slice(0, 3).map(baseOf).join(", ")}); transformers prefers safetensors, other loaders read the pickle`,
        evidence: { folder: modelDir || ".", safetensors: safetensors.length, pickle: pickled.length },
      });
    }
  }

  for (const [rel, use] of [...codeFiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    loader.add(rel);
    issues.push({
      path: abs(rel),
      ruleId: "hf/custom-code-file",
      message: `${rel} is imported and run by the loader with trust_remote_code=True (named by ${[...use.configs].join(", ")} for ${[...use.classes].join(", ")})`,
      evidence: { file: rel, configs: [...use.configs].join(","), classes: [...use.classes].join(",") },
    });
  }

  return {
    kind: modelDirs.size > 0 ? "huggingface" : "unknown",
    loaderFiles: [...loader].sort(),
    issues,
  };
}
