import { formatPath, isConfigObject, nearestKey, pathIncludesKey, walkConfig } from "./config-tree.js";

/** A Jinja template found in a configuration. */
export interface TemplateSite {
  /** `chat_template`, `chat_template[tool_use]`, `template`, `custom_chat_template`… */
  where: string;
  source: string;
  /**
   * True when a known loader renders this field: transformers (`chat_template`, string or a list of
   * {name, template}), llama.cpp/vLLM/TGI (the same field, `tokenizer.chat_template` in GGUF metadata),
   * and plain `template` fields that hold Jinja.
   */
  rendered: boolean;
}

/** File names of standalone templates (transformers ≥ 4.52 writes chat_template.jinja). */
export const TEMPLATE_FILE_NAME = /\.(?:jinja2?|j2|tmpl|tpl|template)$/i;

/** An expression `{{ … }}` or a statement `{% … %}` (linear: only the first opener matters). */
export function hasJinjaSyntax(s: string): boolean {
  for (const [open, close] of [["{{", "}}"], ["{%", "%}"]] as const) {
    const at = s.indexOf(open);
    if (at >= 0 && s.indexOf(close, at + 2) >= 0) return true;
  }
  return false;
}

/** Text that is a template by its shape: it opens with a Jinja statement, expression or comment. */
export function startsLikeTemplate(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("{%") || t.startsWith("{{") || t.startsWith("{#");
}

/** Every chat template and template-like field in a parsed configuration. */
export function findTemplates(root: unknown): TemplateSite[] {
  const out: TemplateSite[] = [];
  walkConfig(root, {
    object(value, path) {
      const chat = value["chat_template"];
      const base = path === undefined ? "" : `${formatPath(path)}.`;
      if (typeof chat === "string") out.push({ where: `${base}chat_template`, source: chat, rendered: true });
      else if (Array.isArray(chat)) {
        chat.forEach((entry, i) => {
          if (typeof entry === "string") out.push({ where: `${base}chat_template[${i}]`, source: entry, rendered: true });
          else if (isConfigObject(entry) && typeof entry["template"] === "string") {
            const name = typeof entry["name"] === "string" ? entry["name"] : String(i);
            out.push({ where: `${base}chat_template[${JSON.stringify(name)}]`, source: entry["template"], rendered: true });
          }
        });
      }
    },
    string(value, path) {
      const key = nearestKey(path);
      if (key === undefined || !/template$/i.test(key) || key === "chat_template") return;
      if (pathIncludesKey(path, "chat_template") || !hasJinjaSyntax(value)) return;
      // `tokenizer.chat_template[.name]` is how GGUF metadata names it when dumped to JSON/YAML.
      out.push({ where: formatPath(path), source: value, rendered: key === "template" || key.startsWith("tokenizer.chat_template") });
    },
  });
  return out;
}
