/** poetry.lock: one `[[package]]` per resolved package, with its files' hashes and, for non-registry packages, a source. */
import type { Dependency } from "../types.js";
import { sourceAt } from "./collector.js";
import { redactUrlCredentials } from "./direct-reference.js";
import { type DependencyItem, issueItem } from "./items.js";
import { isValidPackageName, normalizePackageName } from "./name.js";
import { lockEntryItems } from "./lock-entry.js";
import { parseTomlText } from "./syntax-error.js";
import { TomlPositions } from "./toml-positions.js";
import { isTable, ownValue, stringValue, tableAt } from "./toml-values.js";

/** Hashes of a package: `files = [{file, hash}]` (lock 2.x) or the legacy `[metadata.files]` table (lock 1.x). */
function fileHashes(files: unknown): string[] {
  if (!Array.isArray(files)) return [];
  return files.map((f) => stringValue(f, "hash")).filter((h): h is string => h !== undefined);
}

function lockGroup(pkg: unknown): string | undefined {
  const groups = ownValue(pkg, "groups");
  if (Array.isArray(groups)) {
    const names = groups.filter((g): g is string => typeof g === "string");
    if (names.length === 0 || names.includes("main")) return undefined;
    return names[0];
  }
  const category = stringValue(pkg, "category");
  return category === undefined || category === "main" ? undefined : category;
}

export function parsePoetryLockText(text: string, file: string): DependencyItem[] {
  const root = parseTomlText(text, file);
  const positions = TomlPositions.scan(text);
  const items: DependencyItem[] = [];
  const reportedIndexes = new Set<string>();
  const packages = ownValue(root, "package");
  const legacyFiles = tableAt(root, ["metadata", "files"]);
  if (packages === undefined) return items;
  if (!Array.isArray(packages)) {
    items.push(issueItem("unparsed-line", "package is not an array of [[package]] tables", sourceAt(file, positions.line(["package"]))));
    return items;
  }
  packages.forEach((pkg, i) => {
    const source = sourceAt(file, positions.line(["package", i]));
    const name = stringValue(pkg, "name");
    const version = stringValue(pkg, "version");
    if (!isTable(pkg) || name === undefined || !isValidPackageName(name)) {
      items.push(issueItem("unparsed-line", `[[package]] #${i + 1} has no valid name`, source));
      return;
    }
    const hashes = fileHashes(ownValue(pkg, "files"));
    if (hashes.length === 0 && legacyFiles) hashes.push(...fileHashes(ownValue(legacyFiles, name)));
    const dep: Dependency = {
      name: normalizePackageName(name),
      rawName: name,
      specifier: version !== undefined ? `==${version}` : "",
      extras: [],
      hashes,
      locked: true,
      source,
    };
    if (version !== undefined) dep.version = version;
    const group = lockGroup(pkg);
    if (group !== undefined) dep.group = group;
    const src = tableAt(pkg, ["source"]);
    const type = stringValue(src, "type");
    const url = stringValue(src, "url");
    if (type !== undefined && url !== undefined && type !== "legacy") {
      const ref = stringValue(src, "resolved_reference") ?? stringValue(src, "reference");
      dep.url = redactUrlCredentials(type === "git" ? `git+${url.replace(/^git\+/, "")}${ref ? `@${ref}` : ""}` : url);
      if (type === "directory" && ownValue(pkg, "develop") === true) dep.editable = true;
    }
    items.push(...lockEntryItems(dep, source, type === "legacy" ? url : undefined, reportedIndexes));
  });
  return items;
}
