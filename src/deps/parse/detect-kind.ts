/**
 * Which dependency format a file is: from its name when the name is telling (pyproject.toml, uv.lock,
 * requirements-dev.txt…), otherwise from its content. Unknown → undefined (the caller says UNSUPPORTED).
 */
import path from "node:path";
import type { DependencyFileKind } from "../types.js";
import { looksLikeCondaEnv } from "./conda-env.js";
import { logicalLines, parseRequirementLine } from "./requirements.js";
import { parseTomlText } from "./syntax-error.js";
import { isTable, ownValue, tableAt } from "./toml-values.js";

/** The kind a file name alone tells, or undefined. `requirements/` folders hold requirements files too. */
export function kindFromName(filePath: string): DependencyFileKind | undefined {
  const normalized = filePath.replace(/\\/g, "/");
  const base = path.posix.basename(normalized).toLowerCase();
  const parent = path.posix.basename(path.posix.dirname(normalized)).toLowerCase();
  if (base === "pyproject.toml") return "pyproject";
  if (base === "poetry.lock") return "poetry-lock";
  if (base === "uv.lock") return "uv-lock";
  if (base === "pipfile.lock") return "pipfile-lock";
  if (/^(environment|conda)([-_.][^/]*)?\.ya?ml$/.test(base)) return "conda-env";
  if (/\.(txt|in)$/.test(base) && (/requirements|constraints/.test(base) || parent === "requirements")) return "requirements";
  return undefined;
}

/** True when a file name is a constraints file (its dependencies get group "constraint"). */
export function isConstraintsFileName(filePath: string): boolean {
  return /^constraints[^/\\]*\.txt$/i.test(path.basename(filePath.replace(/\\/g, "/")));
}

function sniffToml(text: string): DependencyFileKind | undefined {
  let root: unknown;
  try {
    root = parseTomlText(text, "");
  } catch {
    return undefined;
  }
  const packages = ownValue(root, "package");
  if (Array.isArray(packages) && packages.length > 0 && isTable(packages[0])) {
    const meta = tableAt(root, ["metadata"]);
    if (meta && (ownValue(meta, "content-hash") !== undefined || ownValue(meta, "lock-version") !== undefined)) return "poetry-lock";
    if (ownValue(root, "requires-python") !== undefined || ownValue(root, "manifest") !== undefined || ownValue(packages[0], "source") !== undefined) {
      return typeof ownValue(root, "version") === "number" ? "uv-lock" : undefined;
    }
  }
  if (tableAt(root, ["project"]) || tableAt(root, ["tool", "poetry"]) || tableAt(root, ["build-system"]) || tableAt(root, ["dependency-groups"])) {
    return "pyproject";
  }
  return undefined;
}

function sniffJson(text: string): DependencyFileKind | undefined {
  try {
    const root = JSON.parse(text) as unknown;
    if (isTable(root) && isTable(root["_meta"]) && (isTable(root["default"]) || isTable(root["develop"]))) return "pipfile-lock";
  } catch {
    // not JSON
  }
  return undefined;
}

/** Every non-comment line reads as a requirement or a pip option, and at least one is a requirement. */
function sniffRequirements(text: string): boolean {
  const { lines } = logicalLines(text, 2_000);
  if (lines.length === 0) return false;
  let requirements = 0;
  for (const l of lines) {
    const items = parseRequirementLine(l.text, l.line, { file: "" });
    if (items.some((i) => i.type === "issue" && i.code === "unparsed-line")) return false;
    if (items.some((i) => i.type === "dependency")) requirements++;
  }
  return requirements > 0;
}

/** The kind from content, for names that do not tell (a `.txt` is sniffed as requirements only by its lines). */
export function kindFromContent(text: string, filePath: string): DependencyFileKind | undefined {
  const ext = path.extname(filePath).toLowerCase();
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) return sniffJson(text);
  if (ext === ".yml" || ext === ".yaml") return looksLikeCondaEnv(text) ? "conda-env" : undefined;
  const toml = sniffToml(text);
  if (toml) return toml;
  if (ext === ".txt" || ext === ".in" || ext === "") {
    if (sniffRequirements(text)) return "requirements";
  }
  if (ext !== ".toml" && ext !== ".lock" && ext !== ".json" && looksLikeCondaEnv(text) && /^dependencies\s*:/m.test(text)) return "conda-env";
  return undefined;
}
