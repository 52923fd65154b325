/**
 * pip's requirements file format (requirements.txt, constraints.txt, pip-tools' requirements.in), following pip's
 * own reading order: join `\` continuations, drop comments (`#` at line start or after whitespace), split the
 * requirement from its options at the first token starting with `-`, then read the requirement as PEP 508, a URL
 * or a path. Nothing is evaluated or expanded (`${VAR}` stays as written); includes are returned to the caller.
 */
import type { Dependency, DependencySource } from "../types.js";
import { sourceAt } from "./collector.js";
import {
  identifyReference,
  isVcsUrl,
  looksLikePath,
  looksLikeUrl,
  redactUrlCredentials,
} from "./direct-reference.js";
import { type DependencyItem, issueItem } from "./items.js";
import { normalizePackageName } from "./name.js";
import { noVersionIssue, quoteInput, requirementStringItems, unparsedIssue } from "./requirement-string.js";

export interface RequirementLineContext {
  /** File name to report (display path). */
  file: string;
  /** Group for every dependency (e.g. "constraint" inside a `-c` file). */
  group?: string;
}

const COMMENT = /(^|\s)#.*$/;

export interface LogicalLine {
  /** 1-based number of the first physical line. */
  line: number;
  text: string;
}

/**
 * Physical lines → logical lines as pip builds them: a line ending in `\` (and not a comment) continues on the
 * next; comments and blank lines are dropped. Stops after `maxLines` physical lines; `truncated` says so.
 */
export function logicalLines(text: string, maxLines: number): { lines: LogicalLine[]; truncated: boolean } {
  const physical = text.split(/\r\n|\n|\r/);
  let truncated = false;
  if (physical.length > maxLines) {
    physical.length = maxLines;
    truncated = true;
  }
  const lines: LogicalLine[] = [];
  let pending: string[] = [];
  let pendingLine = 0;
  const emit = (line: number, raw: string): void => {
    const stripped = raw.replace(COMMENT, "").trim();
    if (stripped) lines.push({ line, text: stripped });
  };
  physical.forEach((raw, index) => {
    const lineNo = index + 1;
    const isComment = COMMENT.test(raw);
    if (!raw.endsWith("\\") || isComment) {
      if (pending.length > 0) {
        pending.push(isComment ? " " + raw : raw);
        emit(pendingLine, pending.join(""));
        pending = [];
      } else {
        emit(lineNo, raw);
      }
      return;
    }
    if (pending.length === 0) pendingLine = lineNo;
    pending.push(raw.replace(/\\+$/, ""));
  });
  if (pending.length > 0) emit(pendingLine, pending.join(""));
  return { lines, truncated };
}

/** Splits on whitespace, honouring single and double quotes as shlex does for option values. */
function splitOptionTokens(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quote: string | undefined;
  let has = false;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
      else current += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      has = true;
      continue;
    }
    if (c === " " || c === "\t") {
      if (has) tokens.push(current);
      current = "";
      has = false;
      continue;
    }
    current += c;
    has = true;
  }
  if (has) tokens.push(current);
  return tokens;
}

interface OptionSpec {
  /** Takes a value (`-r FILE`, `--hash=…`). */
  value: boolean;
  canonical: string;
}

const OPTIONS = new Map<string, OptionSpec>();
function defineOption(names: string[], value: boolean): void {
  const canonical = names.find((n) => n.startsWith("--")) ?? names[0]!;
  for (const n of names) OPTIONS.set(n, { value, canonical });
}
defineOption(["-r", "--requirement"], true);
defineOption(["-c", "--constraint"], true);
defineOption(["-e", "--editable"], true);
defineOption(["-i", "--index-url"], true);
defineOption(["--extra-index-url"], true);
defineOption(["--no-index"], false);
defineOption(["-f", "--find-links"], true);
defineOption(["--trusted-host"], true);
defineOption(["--pre"], false);
defineOption(["--no-binary"], true);
defineOption(["--only-binary"], true);
defineOption(["--prefer-binary"], false);
defineOption(["--require-hashes"], false);
defineOption(["--use-feature"], true);
defineOption(["-Z", "--always-unzip"], false);
defineOption(["--hash"], true);
defineOption(["-C", "--config-settings"], true);
defineOption(["--global-option"], true);
defineOption(["--install-option"], true);

interface ParsedOption {
  canonical: string;
  value?: string;
}

type OptionParse = { options: ParsedOption[]; error?: string };

/** optparse-style: `--opt=value`, `--opt value`, `-rFILE`, `-r FILE`. */
function parseOptions(tokens: string[]): OptionParse {
  const options: ParsedOption[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.startsWith("-") || token === "-") return { options, error: `unexpected ${quoteInput(token)} among options` };
    let name = token;
    let value: string | undefined;
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      if (eq > 0) {
        name = token.slice(0, eq);
        value = token.slice(eq + 1);
      }
    } else if (token.length > 2) {
      name = token.slice(0, 2);
      value = token.slice(2);
    }
    const spec = OPTIONS.get(name);
    if (!spec) return { options, error: `unknown option ${quoteInput(name)}` };
    if (spec.value && value === undefined) {
      value = tokens[++i];
      if (value === undefined) return { options, error: `option ${name} needs a value` };
    } else if (!spec.value && value !== undefined) {
      return { options, error: `option ${name} takes no value` };
    }
    options.push(value === undefined ? { canonical: spec.canonical } : { canonical: spec.canonical, value });
  }
  return { options };
}

/** pip's break_args_options: the requirement runs up to the first whitespace-separated token starting with "-". */
function splitRequirementAndOptions(text: string): { requirement: string; options: string } {
  const re = /(^|[ \t]+)-/g;
  const m = re.exec(text);
  if (!m) return { requirement: text.trim(), options: "" };
  const start = m.index + m[1]!.length;
  return { requirement: text.slice(0, m.index).trim(), options: text.slice(start).trim() };
}

const GLOBAL_OPTION_NOTES: Record<string, string> = {
  "--index-url": "packages are installed from this index instead of PyPI; audit results assume PyPI names and versions",
  "--extra-index-url":
    "packages may come from this extra index as well as PyPI (dependency confusion risk: an attacker's higher version on either index wins)",
  "--find-links": "packages may come from these local or remote archives rather than PyPI",
  "--trusted-host": "TLS verification is disabled for this host",
  "--no-index": "PyPI is not used; packages come from --find-links",
  "--pre": "pre-release versions may be installed",
  "--no-binary": "source distributions are built (build scripts run at install time)",
  "--only-binary": "only wheels are installed for these packages",
  "--prefer-binary": "wheels are preferred over newer source distributions",
  "--require-hashes": "pip requires a hash for every package (good: installs are pinned to known files)",
  "--use-feature": "a pip feature flag is enabled",
  "--always-unzip": "legacy option, ignored by pip",
};

function optionIssue(ctx: RequirementLineContext, line: number, option: ParsedOption): DependencyItem {
  const shown = option.value === undefined ? option.canonical : `${option.canonical} ${redactUrlCredentials(option.value)}`;
  const note = GLOBAL_OPTION_NOTES[option.canonical] ?? "not followed by modelgate";
  return issueItem("unsupported-option", `${shown}: ${note}`, sourceAt(ctx.file, line));
}

/** Reads one logical line (comments already removed) into dependencies, includes and issues. */
export function parseRequirementLine(text: string, line: number, ctx: RequirementLineContext): DependencyItem[] {
  const source = sourceAt(ctx.file, line);
  const unparsed = (why: string): DependencyItem[] => [unparsedIssue(text, why, source)];
  const { requirement, options: optionText } = splitRequirementAndOptions(text);
  const parsed = parseOptions(splitOptionTokens(optionText));
  if (parsed.error) return unparsed(parsed.error);
  const items: DependencyItem[] = [];

  if (!requirement) {
    for (const option of parsed.options) {
      switch (option.canonical) {
        case "--requirement":
          items.push({ type: "include", mode: "requirement", target: option.value!, source });
          break;
        case "--constraint":
          items.push({ type: "include", mode: "constraint", target: option.value!, source });
          break;
        case "--editable":
          items.push(...directReference(option.value!, source, ctx, true));
          break;
        case "--hash":
        case "--config-settings":
        case "--global-option":
        case "--install-option":
          return unparsed(`${option.canonical} must follow a requirement on the same line`);
        default:
          items.push(optionIssue(ctx, line, option));
      }
    }
    return items;
  }

  const hashes: string[] = [];
  for (const option of parsed.options) {
    if (option.canonical === "--hash") {
      if (!/^[A-Za-z0-9]+:[A-Za-z0-9+/=_-]+$/.test(option.value!)) return unparsed(`malformed --hash ${quoteInput(option.value!)}`);
      hashes.push(option.value!);
    } else if (option.canonical === "--config-settings" || option.canonical === "--global-option" || option.canonical === "--install-option") {
      items.push({
        type: "issue",
        code: "unsupported-option",
        message: `${option.canonical} on ${quoteInput(requirement)}: passed to the package's build backend, not followed`,
        source,
      });
    } else if (option.canonical === "--requirement" || option.canonical === "--constraint" || option.canonical === "--editable") {
      // pip ignores these after a requirement; so do we, but say so.
      items.push(issueItem("unsupported-option", `${option.canonical} ${redactUrlCredentials(option.value ?? "")} after a requirement is ignored by pip; not followed`, source));
    } else {
      // A global option on a requirement line: pip applies it (or ignores it); the requirement still counts.
      items.push(optionIssue(ctx, line, option));
    }
  }

  const head = requirement.split(/[\s;[]/, 1)[0]!;
  const isPep508Url = /^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/.test(requirement);
  if (!isPep508Url && (looksLikeUrl(head) || looksLikePath(head))) {
    const refItems = directReference(requirement, source, ctx, false);
    for (const item of refItems) if (item.type === "dependency") item.dependency.hashes.push(...hashes);
    return [...items, ...refItems];
  }

  return [...items, ...requirementStringItems(requirement, source, { group: ctx.group, hashes })];
}

/**
 * A URL or path (after `-e`, or on its own): `git+https://…@v1#egg=name`, `./pkg[extra]`, `dist/x-1.0-….whl`.
 * pip separates a marker from a URL with "; " and from a path with ";".
 */
function directReference(text: string, source: DependencySource, ctx: RequirementLineContext, editable: boolean): DependencyItem[] {
  const isUrl = looksLikeUrl(text);
  const markerSep = isUrl ? /;\s/ : /;/;
  const m = markerSep.exec(text);
  let ref = (m ? text.slice(0, m.index) : text).trim();
  const marker = m ? text.slice(m.index + 1).trim() : undefined;
  let pathExtras: string[] = [];
  if (!isUrl) {
    const extrasMatch = /\[([^\]]*)\]$/.exec(ref);
    if (extrasMatch) {
      pathExtras = extrasMatch[1]!.split(",").map((e) => e.trim()).filter(Boolean);
      ref = ref.slice(0, extrasMatch.index);
    }
  }
  const shown = redactUrlCredentials(ref);
  const id = identifyReference(ref);
  const flag = editable ? "-e " : "";
  if (!id.name) {
    const what = isUrl
      ? isVcsUrl(ref)
        ? "VCS reference without #egg=<name>"
        : "URL that names no package (no #egg= and not a wheel)"
      : "local path";
    return [
      {
        type: "issue",
        code: isUrl ? "no-version" : "unsupported-option",
        message: `${flag}${shown}: ${what}; its package and dependencies are not read, so they are not audited`,
        source,
      },
    ];
  }
  const dep: Dependency = {
    name: normalizePackageName(id.name),
    rawName: id.name,
    specifier: "",
    extras: id.extras.length > 0 ? id.extras : pathExtras,
    url: shown,
    hashes: [],
    locked: false,
    source,
  };
  if (editable) dep.editable = true;
  if (id.version !== undefined && !editable) dep.version = id.version;
  if (marker) dep.marker = marker;
  if (ctx.group !== undefined) dep.group = ctx.group;
  const items: DependencyItem[] = [{ type: "dependency", dependency: dep }];
  if (dep.version === undefined) items.push(noVersionIssue(dep));
  return items;
}

/** Reads a whole requirements file's text; includes are returned as items for the caller to follow or report. */
export function parseRequirementsText(
  text: string,
  ctx: RequirementLineContext,
  maxLines: number,
): DependencyItem[] {
  const { lines, truncated } = logicalLines(text, maxLines);
  const items: DependencyItem[] = [];
  for (const l of lines) items.push(...parseRequirementLine(l.text, l.line, ctx));
  if (truncated) {
    items.push({
      type: "issue",
      code: "limit-exceeded",
      message: `more than ${maxLines} lines: the rest of the file is not read`,
      source: sourceAt(ctx.file, maxLines),
    });
  }
  return items;
}
