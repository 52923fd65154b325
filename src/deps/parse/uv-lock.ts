/**
 * uv.lock: `[[package]]` tables with name, version, `source = { registry | git | url | path | directory |
 * editable | virtual = … }` and sdist/wheel hashes. The project itself (editable or virtual ".") is not a
 * dependency and is skipped.
 */
import type { Dependency } from "../types.js";
import { sourceAt } from "./collector.js";
import { redactUrlCredentials } from "./direct-reference.js";
import { type DependencyItem, issueItem } from "./items.js";
import { isValidPackageName, normalizePackageName } from "./name.js";
import { lockEntryItems } from "./lock-entry.js";
import { parseTomlText } from "./syntax-error.js";
import { TomlPositions } from "./toml-positions.js";
import { isTable, ownValue, stringValue } from "./toml-values.js";

const PYPI_INDEXES = new Set(["https://pypi.org/simple", "https://pypi.org/simple/", "https://pypi.python.org/simple"]);

function hashesOf(pkg: unknown): string[] {
  const hashes: string[] = [];
  const sdistHash = stringValue(ownValue(pkg, "sdist"), "hash");
  if (sdistHash !== undefined) hashes.push(sdistHash);
  const wheels = ownValue(pkg, "wheels");
  if (Array.isArray(wheels)) {
    for (const w of wheels) {
      const h = stringValue(w, "hash");
      if (h !== undefined) hashes.push(h);
    }
  }
  return hashes;
}

export function parseUvLockText(text: string, file: string): DependencyItem[] {
  const root = parseTomlText(text, file);
  const positions = TomlPositions.scan(text);
  const items: DependencyItem[] = [];
  const reportedIndexes = new Set<string>();
  const packages = ownValue(root, "package");
  if (packages === undefined) return items;
  if (!Array.isArray(packages)) {
    items.push(issueItem("unparsed-line", "package is not an array of [[package]] tables", sourceAt(file, positions.line(["package"]))));
    return items;
  }
  packages.forEach((pkg, i) => {
    const source = sourceAt(file, positions.line(["package", i]));
    const name = stringValue(pkg, "name");
    if (!isTable(pkg) || name === undefined || !isValidPackageName(name)) {
      items.push(issueItem("unparsed-line", `[[package]] #${i + 1} has no valid name`, source));
      return;
    }
    const src = ownValue(pkg, "source");
    const editable = stringValue(src, "editable");
    const virtual = stringValue(src, "virtual");
    if (editable === "." || virtual === ".") return; // the project being locked
    const version = stringValue(pkg, "version");
    const dep: Dependency = {
      name: normalizePackageName(name),
      rawName: name,
      specifier: version !== undefined ? `==${version}` : "",
      extras: [],
      hashes: hashesOf(pkg),
      locked: true,
      source,
    };
    if (version !== undefined) dep.version = version;
    const registry = stringValue(src, "registry");
    const git = stringValue(src, "git");
    const url = stringValue(src, "url");
    const local = stringValue(src, "path") ?? stringValue(src, "directory") ?? editable ?? virtual;
    if (git !== undefined) dep.url = redactUrlCredentials(`git+${git}`);
    else if (url !== undefined) dep.url = redactUrlCredentials(url);
    else if (local !== undefined) dep.url = local;
    if (editable !== undefined) dep.editable = true;
    items.push(...lockEntryItems(dep, source, registry !== undefined && !PYPI_INDEXES.has(registry) ? registry : undefined, reportedIndexes));
  });
  return items;
}
