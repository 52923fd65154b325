/**
 * conda environment files (environment.yml): the `dependencies:` list of conda match specs (group "conda") and
 * its `- pip:` sub-list, read as requirements lines. The YAML is walked as a syntax tree (no alias expansion, no
 * tags constructed), so every entry keeps its line.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import type { Dependency, DependencySource } from "../types.js";
import { sourceAt } from "./collector.js";
import { type DependencyItem, issueItem } from "./items.js";
import { isValidPackageName, normalizePackageName } from "./name.js";
import { quoteInput } from "./requirement-string.js";
import { parseRequirementLine } from "./requirements.js";
import { lineColumnAt, malformedAt } from "./syntax-error.js";

export interface CondaSpec {
  name: string;
  /** One PEP 440-style specifier set per `|` alternative ("" = any). */
  alternatives: { specifier: string; version?: string }[];
}

/** A conda version spec element → PEP 440 clause: `1.21` fuzzy (`=`) → `==1.21.*`, `1.21*` → `==1.21.*`. */
function condaClause(raw: string, fuzzy: boolean): string {
  const v = raw.trim();
  const op = /^(===|==|!=|<=|>=|~=|<|>|=)/.exec(v)?.[1];
  if (op === "=") return condaClause(v.slice(1), true);
  if (op !== undefined) return op + v.slice(op.length).trim().replace(/\.?\*$/, (m) => (m ? ".*" : m));
  if (v === "*" || v === "") return "";
  if (v.endsWith("*")) return `==${v.replace(/\.?\*$/, "")}.*`;
  return fuzzy ? `==${v}.*` : `==${v}`;
}

function condaVersion(spec: string, fuzzy: boolean): { specifier: string; version?: string }[] {
  return spec.split("|").map((alternative) => {
    const clauses = alternative
      .split(",")
      .map((c) => condaClause(c, fuzzy))
      .filter((c) => c.length > 0);
    const specifier = clauses.join(",");
    const exact = clauses.length === 1 ? /^==([^*]+)$/.exec(clauses[0]!)?.[1] : undefined;
    return exact === undefined ? { specifier } : { specifier, version: exact };
  });
}

/**
 * Reads a conda match spec: `[channel[/subdir]::]name[ version[ build]]`, `name=1.2=build`, `name==1.2`,
 * `name>=1.2,<2`, `name[version='>=1.2']`. Build strings are dropped. Throws Error with a reason.
 */
export function parseCondaSpec(text: string): CondaSpec {
  let spec = text.trim();
  const channelAt = spec.lastIndexOf("::");
  if (channelAt >= 0) spec = spec.slice(channelAt + 2);
  let bracketVersion: string | undefined;
  const bracket = /\[([^\]]*)\]\s*$/.exec(spec);
  if (bracket) {
    spec = spec.slice(0, bracket.index).trim();
    const m = /(?:^|,)\s*version\s*=\s*(["']?)([^"',]*(?:,[^"',]*)*)\1/.exec(bracket[1]!);
    if (m) bracketVersion = m[2];
  }
  const nameMatch = /^[A-Za-z0-9_][A-Za-z0-9._-]*/.exec(spec);
  if (!nameMatch) throw new Error("no package name");
  const name = nameMatch[0];
  if (!isValidPackageName(name)) throw new Error(`"${name}" is not a package name`);
  let rest = spec.slice(name.length);
  let alternatives: CondaSpec["alternatives"];
  if (bracketVersion !== undefined) {
    alternatives = condaVersion(bracketVersion, false);
  } else if (/^\s+\S/.test(rest)) {
    // "name 1.21 build": the version is exact unless it ends in "*".
    const [version = ""] = rest.trim().split(/\s+/);
    alternatives = condaVersion(version, false);
  } else if (rest.startsWith("=") && !rest.startsWith("==")) {
    rest = rest.slice(1);
    const version = rest.split("=")[0]!; // "=1.21=py39_0": the build string goes
    alternatives = condaVersion(version, true);
  } else if (rest.startsWith("==")) {
    const version = rest.slice(2).split("=")[0]!;
    alternatives = condaVersion(`==${version}`, false);
  } else if (/^[<>!~]/.test(rest)) {
    alternatives = condaVersion(rest.split(/\s+/)[0]!, false);
  } else if (rest.trim() === "") {
    alternatives = [{ specifier: "" }];
  } else {
    throw new Error(`unexpected ${quoteInput(rest)} after the name`);
  }
  return { name, alternatives };
}

interface Walk {
  file: string;
  lines: LineCounter;
  items: DependencyItem[];
}

function lineOf(w: Walk, node: Node | null | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : w.lines.linePos(offset).line;
}

function pipList(w: Walk, node: unknown, source: DependencySource): void {
  if (!isSeq(node)) {
    w.items.push(issueItem("unparsed-line", "the pip entry is not a list of requirements", source));
    return;
  }
  for (const entry of node.items) {
    const line = lineOf(w, entry as Node);
    if (!isScalar(entry) || typeof entry.value !== "string") {
      w.items.push(issueItem("unparsed-line", "a pip entry that is not a string", sourceAt(w.file, line)));
      continue;
    }
    // One list entry is one logical requirements line; a trailing " # comment" is dropped as pip does.
    const text = entry.value.replace(/(^|\s)#.*$/, "").trim();
    if (text) w.items.push(...parseRequirementLine(text, line ?? 0, { file: w.file }).map((i) => fixLine(i, line)));
  }
}

/** parseRequirementLine needs a number; drop it again when the YAML node had no position. */
function fixLine(item: DependencyItem, line: number | undefined): DependencyItem {
  if (line !== undefined) return item;
  const strip = (s: DependencySource): DependencySource => ({ file: s.file });
  if (item.type === "dependency") return { ...item, dependency: { ...item.dependency, source: strip(item.dependency.source) } };
  return { ...item, source: strip(item.source) };
}

function condaEntry(w: Walk, text: string, source: DependencySource): void {
  let spec: CondaSpec;
  try {
    spec = parseCondaSpec(text);
  } catch (e) {
    w.items.push(issueItem("unparsed-line", `cannot read conda spec ${quoteInput(text)}: ${(e as Error).message}`, source));
    return;
  }
  if (spec.name.toLowerCase() === "python") return;
  for (const alt of spec.alternatives) {
    const dep: Dependency = {
      name: normalizePackageName(spec.name),
      rawName: spec.name,
      specifier: alt.specifier,
      extras: [],
      hashes: [],
      locked: false,
      group: "conda",
      source,
    };
    if (alt.version !== undefined) dep.version = alt.version;
    w.items.push({ type: "dependency", dependency: dep });
  }
}

function dependenciesNode(doc: YAMLMap): Node | undefined {
  for (const pair of doc.items) {
    if (isScalar(pair.key) && pair.key.value === "dependencies") return (pair.value ?? undefined) as Node | undefined;
  }
  return undefined;
}

/** True when the text parses as YAML with a top-level `dependencies:` list (used for content sniffing). */
export function looksLikeCondaEnv(text: string): boolean {
  try {
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0 || !isMap(doc.contents)) return false;
    return isSeq(dependenciesNode(doc.contents));
  } catch {
    return false;
  }
}

export function parseCondaEnvText(text: string, file: string): DependencyItem[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const { line, column } = lineColumnAt(text, error.pos[0]);
    throw malformedAt(file, line, column, `invalid YAML: ${error.message.split("\n")[0]}`);
  }
  const w: Walk = { file, lines, items: [] };
  if (!isMap(doc.contents)) {
    w.items.push(issueItem("unparsed-line", "not a conda environment (the document is not a mapping)", sourceAt(file, 1)));
    return w.items;
  }
  const deps = dependenciesNode(doc.contents);
  if (deps === undefined) return w.items;
  if (!isSeq(deps)) {
    w.items.push(issueItem("unparsed-line", "dependencies is not a list", sourceAt(file, lineOf(w, deps))));
    return w.items;
  }
  for (const entry of deps.items) {
    const source = sourceAt(file, lineOf(w, entry as Node));
    if (isScalar(entry) && (typeof entry.value === "string" || typeof entry.value === "number")) {
      condaEntry(w, String(entry.value), source);
    } else if (isMap(entry)) {
      for (const pair of entry.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (key === "pip") pipList(w, pair.value, source);
        else w.items.push(issueItem("unparsed-line", `unexpected ${quoteInput(String(key))} entry in dependencies`, source));
      }
    } else if (isAlias(entry)) {
      w.items.push(issueItem("unparsed-line", "YAML alias in dependencies: not followed", source));
    } else {
      w.items.push(issueItem("unparsed-line", "unexpected entry in dependencies", source));
    }
  }
  return w.items;
}
