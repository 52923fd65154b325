import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar } from "yaml";
import { ModelgateError } from "../core/errors.js";

/** Largest policy file read (a policy is a few KiB; this bounds parsing of a wrong file). */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** A parsed YAML policy with what is needed to point at lines. */
export interface PolicySource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
}

export type PathSegment = string | number;

export interface Position {
  line: number;
  col: number;
}

/** `file:line:col: message`, as POLICY_INVALID errors are written. */
export function policyError(file: string, pos: Position | undefined, message: string): ModelgateError {
  return new ModelgateError("POLICY_INVALID", `${file}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${message}`);
}

/**
 * Parses YAML keeping node positions. YAML errors (syntax, duplicate keys, too many aliases) are
 * POLICY_INVALID naming the line. Aliases are expanded with a cap so a "billion laughs" file is refused.
 */
export function parsePolicySource(text: string, file: string): PolicySource {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) throw policyError(file, undefined, `the policy is larger than ${MAX_POLICY_BYTES} bytes`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true, version: "1.2" });
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    throw policyError(file, at ? { line: at.line, col: at.col } : undefined, `YAML syntax error: ${firstLine(first.message)}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw policyError(file, undefined, `YAML error: ${firstLine((e as Error).message)}`);
  }
  if (value === null || value === undefined) throw policyError(file, undefined, "the policy is empty: it needs at least `version: 1`");
  return { file, text, doc, lines, value };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** The node at a path (keys and indexes); `key: true` returns the map key node of the last segment instead. */
export function nodeAt(src: PolicySource, path: readonly PathSegment[], key = false): Node | undefined {
  let node: unknown = src.doc.contents;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String((p.key as Scalar).value) === String(seg));
      if (!pair) return isMap(node) ? (node as Node) : undefined;
      if (key && i === path.length - 1) return pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
    } else {
      return node as Node | undefined;
    }
  }
  return (node ?? undefined) as Node | undefined;
}

/** 1-based line and column of a byte offset in the file's text. */
export function positionOfOffset(src: PolicySource, offset: number): Position {
  const p = src.lines.linePos(offset);
  return { line: p.line, col: p.col };
}

export function positionOf(src: PolicySource, path: readonly PathSegment[], key = false): Position | undefined {
  const node = nodeAt(src, path, key);
  const start = node?.range?.[0];
  return start === undefined ? undefined : positionOfOffset(src, start);
}

/**
 * Where character `index` of a string scalar's value is in the file: exact for plain and quoted one-line
 * scalars and for block scalars (| and >) whose lines are kept; otherwise the scalar's start.
 */
export function positionInScalar(src: PolicySource, path: readonly PathSegment[], index: number): Position | undefined {
  const node = nodeAt(src, path);
  if (!isScalar(node) || typeof node.value !== "string" || !node.range) return positionOf(src, path);
  const value = node.value;
  const start = node.range[0];
  const raw = src.text.slice(start, node.range[1]);
  if (node.type === "PLAIN" || node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE") {
    const quote = node.type === "PLAIN" ? 0 : 1;
    if (!value.includes("\n") && raw.slice(quote, quote + value.length) === value) return positionOfOffset(src, start + quote + index);
    return positionOfOffset(src, start);
  }
  if (node.type === "BLOCK_LITERAL") {
    // The content starts on the line after the indicator; each value line is the source line minus indentation.
    const before = value.slice(0, index);
    const lineInValue = before.split("\n").length - 1;
    const colInLine = index - (before.lastIndexOf("\n") + 1);
    const header = positionOfOffset(src, start);
    const firstContent = src.text.split("\n")[header.line] ?? "";
    const firstValue = value.split("\n")[0] ?? "";
    const indent = firstContent.length - firstContent.trimStart().length - (firstValue.length - firstValue.trimStart().length);
    return { line: header.line + 1 + lineInValue, col: indent + colInLine + 1 };
  }
  return positionOfOffset(src, start);
}
