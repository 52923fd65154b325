/**
 * pyproject.toml: PEP 621 `[project]` dependencies and optional-dependencies, PEP 735 `[dependency-groups]`,
 * PEP 518 `[build-system].requires`, and Poetry's `[tool.poetry.*dependencies]` tables.
 */
import type { Dependency } from "../types.js";
import { sourceAt } from "./collector.js";
import { redactUrlCredentials } from "./direct-reference.js";
import { type DependencyItem, issueItem } from "./items.js";
import { normalizePackageName } from "./name.js";
import { convertPoetryConstraint, PoetryConstraintError } from "./poetry-constraint.js";
import { noVersionIssue, quoteInput, requirementStringItems } from "./requirement-string.js";
import { parseTomlText } from "./syntax-error.js";
import { TomlPositions, type TomlPath } from "./toml-positions.js";
import { isTable, ownValue, stringValue, type Table, tableAt, tableEntries } from "./toml-values.js";

interface Context {
  file: string;
  positions: TomlPositions;
  items: DependencyItem[];
}

function at(ctx: Context, path: TomlPath) {
  return sourceAt(ctx.file, ctx.positions.line(path));
}

/** An array of PEP 508 strings at `path` (project.dependencies, an extra, build-system.requires). */
function requirementArray(ctx: Context, value: unknown, path: string[], group: string | undefined): Set<string> {
  const names = new Set<string>();
  if (!Array.isArray(value)) {
    ctx.items.push(issueItem("unparsed-line", `[${path.slice(0, -1).join(".")}].${path[path.length - 1]} is not an array of requirement strings`, at(ctx, path)));
    return names;
  }
  value.forEach((entry, i) => {
    const source = at(ctx, [...path, i]);
    if (typeof entry !== "string") {
      ctx.items.push(issueItem("unparsed-line", `${path.join(".")}[${i}] is not a requirement string`, source));
      return;
    }
    for (const item of requirementStringItems(entry, source, { group })) {
      if (item.type === "dependency") names.add(item.dependency.name);
      ctx.items.push(item);
    }
  });
  return names;
}

/** PEP 735 groups: strings and `{include-group = "name"}` tables, includes expanded (cycles reported). */
function dependencyGroups(ctx: Context, groups: Table): void {
  const byNormalName = new Map<string, string>();
  // An included group's own problems are reported once, where that group's entry is, not at every include of it.
  const reported = new Set<string>();
  const report = (key: string, item: DependencyItem): void => {
    if (reported.has(key)) return;
    reported.add(key);
    ctx.items.push(item);
  };
  for (const [name] of tableEntries(groups)) byNormalName.set(normalizePackageName(name), name);
  const expand = (group: string, current: string, stack: string[]): void => {
    const entries = groups[current];
    if (!Array.isArray(entries)) {
      report(current, issueItem("unparsed-line", `[dependency-groups].${current} is not an array`, at(ctx, ["dependency-groups", current])));
      return;
    }
    entries.forEach((entry, i) => {
      const source = at(ctx, ["dependency-groups", current, i]);
      const key = `${current}\0${i}`;
      if (typeof entry === "string") {
        for (const item of requirementStringItems(entry, source, { group })) {
          if (item.type === "dependency") ctx.items.push(item);
          else report(`${key}\0${item.type === "issue" ? item.code : item.type}`, item);
        }
        return;
      }
      const include = stringValue(entry, "include-group");
      if (include === undefined) {
        report(key, issueItem("unparsed-line", `[dependency-groups].${current}[${i}] is neither a requirement string nor {include-group = "…"}`, source));
        return;
      }
      const target = byNormalName.get(normalizePackageName(include));
      if (target === undefined) {
        report(key, issueItem("include-missing", `include-group "${include}" in group "${current}": no such group`, source));
      } else if (stack.includes(target)) {
        report(key, issueItem("include-cycle", `include-group "${include}" in group "${current}" forms a cycle; not expanded again`, source));
      } else if (stack.length >= 32) {
        report(key, issueItem("limit-exceeded", `include-group "${include}": groups nest deeper than 32 levels`, source));
      } else {
        expand(group, target, [...stack, target]);
      }
    });
  };
  for (const [name] of tableEntries(groups)) expand(name, name, [name]);
}

/** A Poetry `python = "^3.8"` restriction as a PEP 508 marker. */
function pythonMarker(constraint: string): string {
  const alternatives = convertPoetryConstraint(constraint).map((alt) =>
    alt.clauses
      .map((c) => {
        const parts = c.version.replace(/\.\*$/, "").split(".").length;
        return `${parts >= 3 ? "python_full_version" : "python_version"} ${c.op} "${c.version}"`;
      })
      .join(" and "),
  );
  const nonEmpty = alternatives.filter((a) => a.length > 0);
  if (nonEmpty.length !== alternatives.length || nonEmpty.length === 0) return "";
  return nonEmpty.length === 1 ? nonEmpty[0]! : nonEmpty.map((a) => `(${a})`).join(" or ");
}

function joinMarkers(parts: string[]): string | undefined {
  const present = parts.filter((p) => p.trim().length > 0).map((p) => p.trim());
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return present.map((p) => (/\bor\b/.test(p) ? `(${p})` : p)).join(" and ");
}

/** Where a Poetry dependency comes from when it is not the registry: git, path or url. */
function poetryUrl(spec: Table): string | undefined {
  const git = stringValue(spec, "git");
  if (git !== undefined) {
    const ref = stringValue(spec, "rev") ?? stringValue(spec, "tag") ?? stringValue(spec, "branch");
    const sub = stringValue(spec, "subdirectory");
    const base = git.startsWith("git+") ? git : `git+${git}`;
    return redactUrlCredentials(base + (ref ? `@${ref}` : "") + (sub ? `#subdirectory=${sub}` : ""));
  }
  const p = stringValue(spec, "path");
  if (p !== undefined) return p;
  const url = stringValue(spec, "url");
  return url === undefined ? undefined : redactUrlCredentials(url);
}

/** One `name = …` entry of a Poetry dependency table → one dependency per constraint (and per `||` alternative). */
function poetryDependency(ctx: Context, name: string, value: unknown, path: TomlPath, group: string | undefined, extrasOf: Map<string, string>): void {
  const entries = Array.isArray(value) ? value : [value];
  entries.forEach((entry, i) => {
    const source = at(ctx, Array.isArray(value) ? [...path, i] : path);
    const spec: Table | undefined = typeof entry === "string" ? { version: entry } : isTable(entry) ? entry : undefined;
    if (!spec) {
      ctx.items.push(issueItem("unparsed-line", `${name}: a Poetry dependency must be a version string or a table`, source));
      return;
    }
    let marker: string | undefined;
    try {
      const python = stringValue(spec, "python");
      const platform = stringValue(spec, "platform");
      marker = joinMarkers([
        stringValue(spec, "markers") ?? "",
        python ? pythonMarker(python) : "",
        platform ? `sys_platform == "${platform}"` : "",
      ]);
    } catch (e) {
      if (!(e instanceof PoetryConstraintError)) throw e;
      ctx.items.push(issueItem("unparsed-line", `${name}: python restriction: ${e.message}`, source));
    }
    const extrasValue = ownValue(spec, "extras");
    const extras = Array.isArray(extrasValue) ? extrasValue.filter((x): x is string => typeof x === "string") : [];
    const optional = ownValue(spec, "optional") === true;
    const depGroup = optional && group === undefined ? (extrasOf.get(normalizePackageName(name)) ?? "optional") : group;
    const base: Dependency = {
      name: normalizePackageName(name),
      rawName: name,
      specifier: "",
      extras,
      hashes: [],
      locked: false,
      source,
    };
    if (marker !== undefined) base.marker = marker;
    if (depGroup !== undefined) base.group = depGroup;
    const url = poetryUrl(spec);
    if (url !== undefined) {
      const dep: Dependency = { ...base, url };
      if (ownValue(spec, "develop") === true) dep.editable = true;
      ctx.items.push({ type: "dependency", dependency: dep }, noVersionIssue(dep));
      return;
    }
    const version = ownValue(spec, "version");
    if (version !== undefined && typeof version !== "string") {
      ctx.items.push(issueItem("unparsed-line", `${name}: version must be a string`, source));
      return;
    }
    let alternatives;
    try {
      alternatives = convertPoetryConstraint(version ?? "*");
    } catch (e) {
      if (!(e instanceof PoetryConstraintError)) throw e;
      ctx.items.push(issueItem("unparsed-line", `${name} = ${quoteInput(version ?? "")}: ${e.message}`, source));
      return;
    }
    for (const alt of alternatives) {
      const dep: Dependency = { ...base, extras: [...extras], hashes: [], specifier: alt.specifier };
      if (alt.version !== undefined) dep.version = alt.version;
      ctx.items.push({ type: "dependency", dependency: dep });
    }
  });
}

function poetryTable(ctx: Context, table: Table, path: string[], group: string | undefined, skip: Set<string>, extrasOf: Map<string, string>): void {
  for (const [name, value] of tableEntries(table)) {
    if (name.toLowerCase() === "python") continue;
    if (skip.has(normalizePackageName(name))) continue;
    poetryDependency(ctx, name, value, [...path, name], group, extrasOf);
  }
}

function poetry(ctx: Context, poetryRoot: Table, projectNames: Set<string>): void {
  const extrasOf = new Map<string, string>();
  const extras = tableAt(poetryRoot, ["extras"]);
  if (extras) {
    for (const [extra, members] of tableEntries(extras)) {
      if (!Array.isArray(members)) continue;
      for (const m of members) if (typeof m === "string" && !extrasOf.has(normalizePackageName(m))) extrasOf.set(normalizePackageName(m), extra);
    }
  }
  const main = tableAt(poetryRoot, ["dependencies"]);
  if (main) poetryTable(ctx, main, ["tool", "poetry", "dependencies"], undefined, projectNames, extrasOf);
  const dev = tableAt(poetryRoot, ["dev-dependencies"]);
  if (dev) poetryTable(ctx, dev, ["tool", "poetry", "dev-dependencies"], "dev", new Set(), extrasOf);
  const groups = tableAt(poetryRoot, ["group"]);
  if (groups) {
    for (const [g] of tableEntries(groups)) {
      const deps = tableAt(groups, [g, "dependencies"]);
      if (deps) poetryTable(ctx, deps, ["tool", "poetry", "group", g, "dependencies"], g, new Set(), extrasOf);
    }
  }
  const sources = ownValue(poetryRoot, "source");
  if (Array.isArray(sources)) {
    sources.forEach((s, i) => {
      const url = stringValue(s, "url");
      if (url === undefined) return;
      const name = stringValue(s, "name") ?? "?";
      ctx.items.push(
        issueItem(
          "unsupported-option",
          `package source "${name}" ${redactUrlCredentials(url)}: packages may come from this index instead of PyPI (dependency confusion risk)`,
          at(ctx, ["tool", "poetry", "source", i]),
        ),
      );
    });
  }
}

/** Index URLs declared for uv (`[[tool.uv.index]]`). */
function uvIndexes(ctx: Context, root: Table): void {
  const indexes = ownValue(tableAt(root, ["tool", "uv"]), "index");
  if (!Array.isArray(indexes)) return;
  indexes.forEach((index, i) => {
    const url = stringValue(index, "url");
    if (url === undefined) return;
    ctx.items.push(
      issueItem(
        "unsupported-option",
        `uv index "${stringValue(index, "name") ?? "?"}" ${redactUrlCredentials(url)}: packages may come from this index instead of PyPI (dependency confusion risk)`,
        at(ctx, ["tool", "uv", "index", i]),
      ),
    );
  });
}

/** `[tool.setuptools.dynamic] dependencies = {file = [...]}` → requirements files to include. */
function setuptoolsDynamic(ctx: Context, root: Table, field: "dependencies" | "optional-dependencies"): boolean {
  const dynamic = tableAt(root, ["tool", "setuptools", "dynamic", field]);
  if (!dynamic) return false;
  const includeFiles = (spec: Table, path: TomlPath, group?: string): boolean => {
    const files = ownValue(spec, "file");
    const list = typeof files === "string" ? [files] : Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
    for (const f of list) {
      const item: DependencyItem = { type: "include", mode: "requirement", target: f, source: at(ctx, path) };
      if (group !== undefined) item.group = group;
      ctx.items.push(item);
    }
    return list.length > 0;
  };
  if (field === "dependencies") return includeFiles(dynamic, ["tool", "setuptools", "dynamic", field]);
  let any = false;
  for (const [extra, spec] of tableEntries(dynamic)) {
    if (isTable(spec)) any = includeFiles(spec, ["tool", "setuptools", "dynamic", field, extra], extra) || any;
  }
  return any;
}

export function parsePyprojectText(text: string, file: string): DependencyItem[] {
  const root = parseTomlText(text, file);
  const ctx: Context = { file, positions: TomlPositions.scan(text), items: [] };
  const buildRequires = ownValue(tableAt(root, ["build-system"]), "requires");
  if (buildRequires !== undefined) requirementArray(ctx, buildRequires, ["build-system", "requires"], "build");

  const project = tableAt(root, ["project"]);
  const poetryRoot = tableAt(root, ["tool", "poetry"]);
  let projectNames = new Set<string>();
  if (project) {
    const dynamicValue = ownValue(project, "dynamic");
    const dynamic = Array.isArray(dynamicValue) ? dynamicValue : [];
    const deps = ownValue(project, "dependencies");
    if (deps !== undefined) projectNames = requirementArray(ctx, deps, ["project", "dependencies"], undefined);
    else if (dynamic.includes("dependencies") && !setuptoolsDynamic(ctx, root, "dependencies") && !tableAt(poetryRoot, ["dependencies"])) {
      ctx.items.push(
        issueItem("unsupported-option", `[project] dependencies are dynamic (computed by the build backend at build time); they are not audited`, at(ctx, ["project", "dynamic"])),
      );
    }
    const optional = ownValue(project, "optional-dependencies");
    if (isTable(optional)) {
      for (const [extra, list] of tableEntries(optional)) requirementArray(ctx, list, ["project", "optional-dependencies", extra], extra);
    } else if (optional !== undefined) {
      ctx.items.push(issueItem("unparsed-line", `[project].optional-dependencies is not a table`, at(ctx, ["project", "optional-dependencies"])));
    } else if (dynamic.includes("optional-dependencies")) {
      setuptoolsDynamic(ctx, root, "optional-dependencies");
    }
  }
  const groups = ownValue(root, "dependency-groups");
  if (isTable(groups)) dependencyGroups(ctx, groups);
  if (poetryRoot) poetry(ctx, poetryRoot, projectNames);
  uvIndexes(ctx, root);
  return ctx.items;
}
