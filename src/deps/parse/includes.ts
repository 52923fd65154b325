/**
 * Following `-r` / `-c` includes of requirements files on disk: relative to the including file, with cycle,
 * depth and file-count limits. A target that cannot be read is an issue, never a silent gap.
 */
import { realpath } from "node:fs/promises";
import path from "node:path";
import { ModelgateError } from "../../core/errors.js";
import type { DependencyCollector } from "./collector.js";
import { looksLikeUrl } from "./direct-reference.js";
import type { DependencyItem } from "./items.js";
import { quoteInput } from "./requirement-string.js";
import { parseRequirementsText } from "./requirements.js";
import { readDependencyText } from "./read-file.js";

export interface IncludeFrame {
  /** Path to open on disk. */
  fsPath: string;
  /** Path shown in sources and messages. */
  display: string;
  depth: number;
  group?: string;
  /** Real paths of the files that include this one (and itself), for cycle detection. */
  chain: string[];
}

export interface IncludeState {
  collector: DependencyCollector;
  /** `realpath|mode` of files already read: a file included twice is read once. */
  seen: Set<string>;
  filesRead: number;
}

/** Items of a text given without its folder: includes become "include-missing" issues. */
export function collectWithoutIncludes(items: DependencyItem[], collector: DependencyCollector): void {
  for (const item of items) {
    if (item.type === "dependency") collector.addDependency(item.dependency);
    else if (item.type === "issue") collector.issue(item.code, item.message, item.source);
    else {
      collector.issue(
        "include-missing",
        `${item.mode === "constraint" ? "-c" : "-r"} ${quoteInput(item.target)}: not followed (only this file's text was given); its dependencies are not audited`,
        item.source,
      );
    }
  }
}

/** Display path of an include: the target joined to the including file's folder, with forward slashes. */
export function includeDisplayPath(includerDisplay: string, target: string): string {
  const dir = path.posix.dirname(includerDisplay.replace(/\\/g, "/"));
  return path.posix.normalize(path.posix.join(dir, target.replace(/\\/g, "/")));
}

/** Adds items to the collector, reading and parsing each include in place (depth first, in file order). */
export async function collectWithIncludes(items: DependencyItem[], frame: IncludeFrame, state: IncludeState): Promise<void> {
  const { collector } = state;
  for (const item of items) {
    if (item.type === "dependency") {
      collector.addDependency(item.dependency);
      continue;
    }
    if (item.type === "issue") {
      collector.issue(item.code, item.message, item.source);
      continue;
    }
    const flag = item.mode === "constraint" ? "-c" : "-r";
    const shownTarget = `${flag} ${quoteInput(item.target)}`;
    const missing = (why: string): void =>
      collector.issue("include-missing", `${shownTarget}: ${why}; its dependencies are not audited`, item.source);
    if (looksLikeUrl(item.target)) {
      missing("remote requirements files are not fetched");
      continue;
    }
    if (path.isAbsolute(item.target) || path.win32.isAbsolute(item.target)) {
      missing("absolute include paths are not followed");
      continue;
    }
    if (frame.depth + 1 > state.collector.limits.maxIncludeDepth) {
      collector.issue(
        "limit-exceeded",
        `${shownTarget}: includes nest deeper than ${collector.limits.maxIncludeDepth} levels; not followed`,
        item.source,
      );
      continue;
    }
    const fsPath = path.resolve(path.dirname(frame.fsPath), item.target);
    const display = includeDisplayPath(frame.display, item.target);
    let real: string;
    try {
      real = await realpath(fsPath);
    } catch {
      missing(`${display} not found`);
      continue;
    }
    if (frame.chain.includes(real)) {
      collector.issue("include-cycle", `${shownTarget}: ${display} includes itself (cycle); not read again`, item.source);
      continue;
    }
    const group = item.mode === "constraint" ? "constraint" : (item.group ?? frame.group);
    const key = `${real}|${group ?? ""}`;
    if (state.seen.has(key)) continue;
    state.seen.add(key);
    if (state.filesRead >= collector.limits.maxIncludedFiles) {
      collector.issue("limit-exceeded", `${shownTarget}: more than ${collector.limits.maxIncludedFiles} included files; not followed`, item.source);
      continue;
    }
    state.filesRead++;
    let text: string;
    try {
      text = await readDependencyText(fsPath, display, collector.limits.maxBytes);
    } catch (e) {
      if (!(e instanceof ModelgateError)) throw e;
      if (e.code === "LIMIT_EXCEEDED") collector.issue("limit-exceeded", `${shownTarget}: ${e.message}`, item.source);
      else missing(e.message);
      continue;
    }
    const childItems = parseRequirementsText(text, { file: display, group }, collector.limits.maxLines);
    const child: IncludeFrame = { fsPath, display, depth: frame.depth + 1, chain: [...frame.chain, real] };
    if (group !== undefined) child.group = group;
    await collectWithIncludes(childItems, child, state);
  }
}

/** The starting frame for a file on disk. */
export async function rootFrame(fsPath: string, display: string, group?: string): Promise<IncludeFrame> {
  let real = path.resolve(fsPath);
  try {
    real = await realpath(fsPath);
  } catch {
    // The caller has read the file already; keep the resolved path.
  }
  const frame: IncludeFrame = { fsPath, display, depth: 0, chain: [real] };
  if (group !== undefined) frame.group = group;
  return frame;
}

