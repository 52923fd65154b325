import { formatPath, isConfigObject, walkConfig, type ConfigObject } from "./config-tree.js";

/** A Python class a loader imports from a module file, as named by a configuration. */
export interface CodeReference {
  /** Where the reference is: `auto_map.AutoModel`, `custom_pipelines.my-task.impl`, `modules.json[2].type`… */
  via: string;
  /** The full reference as written, e.g. `modeling_x.MyModel` or `org/repo--modeling_x.MyModel`. */
  reference: string;
  className: string;
  /** Python module path (`modeling_x`). */
  module: string;
  /** The file the loader reads, relative to the model folder (`modeling_x.py`); for remote references, inside `repo`. */
  file: string;
  /** Repository the code is fetched from when the reference points outside this model (`org/repo--…`). */
  repo?: string;
  /** Which loader acts on it. */
  loader: "transformers" | "sentence-transformers" | "diffusers";
}

/**
 * Parses `module.Class` or `repo--module.Class` (transformers' dynamic_module_utils format).
 * Returns undefined for values that are not references.
 */
export function parseClassReference(raw: string): { module: string; className: string; repo?: string } | undefined {
  let rest = raw.trim();
  let repo: string | undefined;
  const sep = rest.indexOf("--");
  if (sep > 0) {
    repo = rest.slice(0, sep);
    rest = rest.slice(sep + 2);
  }
  const dot = rest.lastIndexOf(".");
  if (dot <= 0 || dot === rest.length - 1) return undefined;
  const module = rest.slice(0, dot);
  const className = rest.slice(dot + 1);
  if (!/^[A-Za-z_][\w.]*$/.test(module) || !/^[A-Za-z_]\w*$/.test(className)) return undefined;
  if (repo !== undefined && !/^[\w.-]+(\/[\w.-]+)?$/.test(repo)) return undefined;
  return repo === undefined ? { module, className } : { module, className, repo };
}

function moduleFile(module: string): string {
  return `${module.split(".").join("/")}.py`;
}

function push(out: CodeReference[], via: string, raw: unknown, loader: CodeReference["loader"]): void {
  if (typeof raw !== "string") return;
  const parsed = parseClassReference(raw);
  if (!parsed) return;
  const ref: CodeReference = { via, reference: raw, className: parsed.className, module: parsed.module, file: moduleFile(parsed.module), loader };
  if (parsed.repo !== undefined) ref.repo = parsed.repo;
  out.push(ref);
}

function fromAutoMap(autoMap: ConfigObject, via: string, out: CodeReference[]): void {
  for (const [auto, target] of Object.entries(autoMap)) {
    const here = `${via}.${auto}`;
    // Tokenizers list [slow, fast]; either can be null.
    if (Array.isArray(target)) target.forEach((t, i) => push(out, `${here}[${i}]`, t, "transformers"));
    else push(out, here, target, "transformers");
  }
}

function isSentenceTransformersModules(root: unknown): root is ConfigObject[] {
  return (
    Array.isArray(root) &&
    root.length > 0 &&
    root.every((m) => isConfigObject(m) && typeof m["type"] === "string" && ("path" in m || "idx" in m))
  );
}

/**
 * Every custom-code reference in a parsed Hugging Face configuration:
 * - `auto_map` anywhere (config.json, tokenizer_config.json, processor/preprocessor configs; nested sub-configs),
 * - `custom_pipelines.<task>.impl` (config.json),
 * - sentence-transformers `modules.json` entries whose type is not a sentence_transformers class,
 * - a diffusers `model_index.json` whose `_class_name` is `[module, Class]` (a custom pipeline file).
 */
export function findCodeReferences(root: unknown): CodeReference[] {
  const out: CodeReference[] = [];
  if (isSentenceTransformersModules(root)) {
    root.forEach((m, i) => {
      const type = m["type"] as string;
      if (!type.startsWith("sentence_transformers.")) push(out, `[${i}].type`, type, "sentence-transformers");
    });
    return out;
  }
  if (isConfigObject(root) && "_diffusers_version" in root) {
    const cls = root["_class_name"];
    if (Array.isArray(cls) && cls.length === 2 && typeof cls[0] === "string" && typeof cls[1] === "string") {
      push(out, "_class_name", `${cls[0]}.${cls[1]}`, "diffusers");
    }
  }
  walkConfig(root, {
    object(value, path) {
      const autoMap = value["auto_map"];
      const here = path === undefined ? "" : `${formatPath(path)}.`;
      if (isConfigObject(autoMap)) fromAutoMap(autoMap, `${here}auto_map`, out);
      const pipelines = value["custom_pipelines"];
      if (isConfigObject(pipelines)) {
        for (const [task, spec] of Object.entries(pipelines)) {
          if (isConfigObject(spec)) push(out, `${here}custom_pipelines.${task}.impl`, spec["impl"], "transformers");
        }
      }
    },
  });
  return out;
}

/**
 * Diffusers components whose library is not a known package (`"unet": ["my_unet", "MyUNet"]`):
 * with trust_remote_code they are imported from `<component>/<library>.py`. Only meaningful when that file exists.
 */
export function diffusersCustomComponents(root: unknown): Array<{ component: string; library: string; className: string }> {
  if (!isConfigObject(root) || !("_diffusers_version" in root)) return [];
  const out: Array<{ component: string; library: string; className: string }> = [];
  for (const [component, spec] of Object.entries(root)) {
    if (component.startsWith("_") || !Array.isArray(spec) || spec.length !== 2) continue;
    const [library, className] = spec;
    if (typeof library === "string" && typeof className === "string" && /^[A-Za-z_]\w*$/.test(library)) {
      out.push({ component, library, className });
    }
  }
  return out;
}
