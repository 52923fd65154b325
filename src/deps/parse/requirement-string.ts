import type { Dependency, DependencySource } from "../types.js";
import { redactUrlCredentials } from "./direct-reference.js";
import { type DependencyItem, issueItem } from "./items.js";
import { normalizePackageName } from "./name.js";
import { Pep508Error, parsePep508, pinnedVersion } from "./pep508.js";

const QUOTE_MAX = 120;

/** Input text quoted for an issue message: one line, at most 120 characters. */
export function quoteInput(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(oneLine.length > QUOTE_MAX ? oneLine.slice(0, QUOTE_MAX) + "…" : oneLine);
}

export function envVarHint(text: string): string {
  return /\$\{[A-Za-z0-9_]+\}/.test(text) ? " (environment variables are not expanded)" : "";
}

export function noVersionIssue(dep: Dependency): DependencyItem {
  return issueItem(
    "no-version",
    `${dep.rawName} comes from ${dep.url}: no registry version, so it cannot be checked against advisories`,
    dep.source,
  );
}

export function unparsedIssue(text: string, why: string, source: DependencySource): DependencyItem {
  return issueItem("unparsed-line", `cannot read ${quoteInput(text)}: ${why}${envVarHint(text)}`, source);
}

/**
 * A PEP 508 requirement string (a requirements line's requirement, a pyproject `dependencies` entry, a conda pip
 * entry) → a dependency, plus a "no-version" issue for `name @ url`; an "unparsed-line" issue when it is not PEP 508.
 */
export function requirementStringItems(
  text: string,
  source: DependencySource,
  options: { group?: string | undefined; hashes?: string[] } = {},
): DependencyItem[] {
  let req;
  try {
    req = parsePep508(text);
  } catch (e) {
    if (e instanceof Pep508Error) return [unparsedIssue(text, `${e.message} (column ${e.column + 1})`, source)];
    throw e;
  }
  const dep: Dependency = {
    name: normalizePackageName(req.name),
    rawName: req.name,
    specifier: req.specifier,
    extras: req.extras,
    hashes: options.hashes ?? [],
    locked: false,
    source,
  };
  const version = req.url ? undefined : pinnedVersion(req.clauses);
  if (version !== undefined) dep.version = version;
  if (req.marker !== undefined) dep.marker = req.marker;
  if (options.group !== undefined) dep.group = options.group;
  if (req.url !== undefined) {
    dep.url = redactUrlCredentials(req.url);
    return [{ type: "dependency", dependency: dep }, noVersionIssue(dep)];
  }
  return [{ type: "dependency", dependency: dep }];
}
