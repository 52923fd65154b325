/**
 * Pipfile.lock (pipenv): JSON with `default` and `develop` (group "dev") sections mapping a package name to
 * `{version: "==x", hashes, markers, index}` or a VCS/path entry (`{git, ref, editable}`, `{path}`, `{file}`).
 */
import type { Dependency } from "../types.js";
import { sourceAt } from "./collector.js";
import { redactUrlCredentials } from "./direct-reference.js";
import { type DependencyItem, issueItem } from "./items.js";
import { isValidPackageName, normalizePackageName } from "./name.js";
import { noVersionIssue, quoteInput } from "./requirement-string.js";
import { parseJsonText } from "./syntax-error.js";
import { isTable, ownValue, stringValue, tableEntries } from "./toml-values.js";

/**
 * Lines of the keys two levels down (`"default": {"torch": …}` → "default\0torch"). An iterative scan of the
 * already validated JSON, so deep nesting cannot exhaust the stack.
 */
function secondLevelKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const stack: { object: boolean; key: string | undefined }[] = [];
  let line = 1;
  let expectKey = false;
  let lastKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    else if (c === "{" || c === "[") {
      stack.push({ object: c === "{", key: lastKey });
      lastKey = undefined;
      expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") expectKey = stack[stack.length - 1]?.object ?? false;
    else if (c === ":") expectKey = false;
    else if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\") {
          s += text.slice(j, j + 2);
          j += 2;
        } else s += text[j++];
      }
      const startLine = line;
      i = j;
      if (expectKey) {
        let key = s;
        try {
          key = JSON.parse(`"${s}"`) as string;
        } catch {
          // keep the raw text
        }
        lastKey = key;
        if (stack.length === 2 && stack[1]!.key !== undefined) {
          const k = `${stack[1]!.key}\0${key}`;
          if (!lines.has(k)) lines.set(k, startLine);
        }
      }
    }
  }
  return lines;
}

const SECTIONS: [string, string | undefined][] = [
  ["default", undefined],
  ["develop", "dev"],
];

export function parsePipfileLockText(text: string, file: string): DependencyItem[] {
  const root = parseJsonText(text, file);
  const items: DependencyItem[] = [];
  if (!isTable(root)) {
    items.push(issueItem("unparsed-line", "Pipfile.lock is not a JSON object", sourceAt(file, 1)));
    return items;
  }
  const keyLines = secondLevelKeyLines(text);
  const sources = ownValue(ownValue(root, "_meta"), "sources");
  if (Array.isArray(sources)) {
    for (const s of sources) {
      const url = stringValue(s, "url");
      if (url === undefined || /^https:\/\/pypi\.(org|python\.org)\/simple\/?$/.test(url)) continue;
      items.push(
        issueItem(
          "unsupported-option",
          `package source "${stringValue(s, "name") ?? "?"}" ${redactUrlCredentials(url)}: packages may come from this index instead of PyPI (dependency confusion risk)`,
          sourceAt(file, keyLines.get(`_meta\0sources`)),
        ),
      );
    }
  }
  for (const [section, group] of SECTIONS) {
    const table = ownValue(root, section);
    if (table === undefined) continue;
    if (!isTable(table)) {
      items.push(issueItem("unparsed-line", `"${section}" is not an object`, sourceAt(file, undefined)));
      continue;
    }
    for (const [name, entry] of tableEntries(table)) {
      const source = sourceAt(file, keyLines.get(`${section}\0${name}`));
      if (!isValidPackageName(name) || !isTable(entry)) {
        items.push(issueItem("unparsed-line", `${section}: entry ${quoteInput(name)} is not a package`, source));
        continue;
      }
      const versionSpec = stringValue(entry, "version");
      const hashesValue = ownValue(entry, "hashes");
      const extrasValue = ownValue(entry, "extras");
      const dep: Dependency = {
        name: normalizePackageName(name),
        rawName: name,
        specifier: versionSpec ?? "",
        extras: Array.isArray(extrasValue) ? extrasValue.filter((x): x is string => typeof x === "string") : [],
        hashes: Array.isArray(hashesValue) ? hashesValue.filter((h): h is string => typeof h === "string") : [],
        locked: true,
        source,
      };
      const pinned = versionSpec === undefined ? undefined : /^===?\s*([^\s,;*]+)$/.exec(versionSpec.trim())?.[1];
      if (pinned !== undefined) dep.version = pinned;
      const markers = stringValue(entry, "markers");
      if (markers !== undefined) dep.marker = markers;
      if (group !== undefined) dep.group = group;
      const git = stringValue(entry, "git");
      const local = stringValue(entry, "path") ?? stringValue(entry, "file");
      if (git !== undefined) {
        const ref = stringValue(entry, "ref");
        dep.url = redactUrlCredentials(`${git.startsWith("git+") ? "" : "git+"}${git}${ref ? `@${ref}` : ""}`);
      } else if (local !== undefined) dep.url = redactUrlCredentials(local);
      if (ownValue(entry, "editable") === true) dep.editable = true;
      items.push({ type: "dependency", dependency: dep });
      if (dep.version === undefined) {
        if (dep.url !== undefined) items.push(noVersionIssue(dep));
        else items.push(issueItem("no-version", `${name}: locked without an exact version (${quoteInput(versionSpec ?? "")})`, source));
      }
    }
  }
  return items;
}
