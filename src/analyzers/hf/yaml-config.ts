import { isScalar, parseDocument, visit } from "yaml";
import { LimitError } from "../../core/errors.js";

/** Largest YAML text parsed (model configs are kilobytes; YAML parsing is costlier than JSON). */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;
/** Aliases expanded when converting to plain data (billion-laughs guard; the yaml package's default is 100). */
export const MAX_YAML_ALIASES = 100;

export interface ParsedYaml {
  value: unknown;
  /** Tags that make PyYAML's unsafe loaders build Python objects (`!!python/object/apply:os.system`). */
  pythonTags: Array<{ tag: string; value: string }>;
}

/**
 * Tags PyYAML's UnsafeLoader/Loader (and FullLoader before 5.4) turn into calls and imports:
 * python/object, python/object/apply, python/object/new, python/name, python/module.
 */
const PYTHON_CALL_TAG = /^tag:yaml\.org,2002:python\/(?:object(?:\/apply|\/new)?|name|module)(?::|$)/;

/** A cheap look at text: is it YAML with a top-level mapping (`key: value` at column 0)? */
export function looksLikeYamlMapping(text: string): boolean {
  const head = text.slice(0, 64 * 1024);
  return /^(?:---|%YAML)/.test(head) || /^[A-Za-z_"'][^\n:#]{0,200}:(?:[ \t]|$)/m.test(head);
}

/**
 * Parses one YAML document into plain data. Returns undefined when the text is not valid YAML
 * (plain text often is not). Throws LimitError for alias bombs; `prettyErrors` stays off because
 * building error context for megabyte-long lines exhausts memory in the yaml package.
 */
export function parseYamlConfig(text: string): ParsedYaml | undefined {
  let doc;
  try {
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  } catch {
    return undefined; // stack exhaustion on absurd nesting, and similar: not parseable
  }
  if (doc.errors.length > 0) return undefined;
  const pythonTags: ParsedYaml["pythonTags"] = [];
  try {
    visit(doc, {
      Node(_key, node) {
        if (node.tag !== undefined && PYTHON_CALL_TAG.test(node.tag)) {
          const value = isScalar(node) ? String(node.value) : "";
          pythonTags.push({ tag: node.tag, value: value.slice(0, 200) });
        }
      },
    });
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new LimitError("maxYamlAliases", MAX_YAML_ALIASES + 1, MAX_YAML_ALIASES, "YAML alias expansion exceeds the limit (billion-laughs pattern)");
    }
    return undefined;
  }
  return { value, pythonTags };
}
