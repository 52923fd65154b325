/**
 * Parsing TOML and JSON with errors that point to `<file>:<line>:<col>`, and the offset → line/column
 * arithmetic the parsers share.
 */
import { parse as parseToml, TomlError, type TomlTableWithoutBigInt } from "smol-toml";
import { MalformedError } from "../../core/errors.js";
import { findJsonSyntaxError } from "./json-error.js";

/** 1-based line and column of a UTF-16 offset in text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function malformedAt(file: string, line: number, column: number, what: string): MalformedError {
  return new MalformedError(`${file}:${line}:${column}: ${what}`);
}

/** Deepest inline array/table nesting accepted in TOML (smol-toml recurses). */
const TOML_MAX_DEPTH = 64;

export function parseTomlText(text: string, file: string): TomlTableWithoutBigInt {
  try {
    return parseToml(text, { maxDepth: TOML_MAX_DEPTH });
  } catch (e) {
    if (e instanceof TomlError) {
      const what = (e.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
      throw malformedAt(file, e.line, e.column, `invalid TOML: ${what}`);
    }
    throw new MalformedError(`${file}: invalid TOML: ${(e as Error).message}`);
  }
}

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const problem = findJsonSyntaxError(text);
    const { line, column } = lineColumnAt(text, problem.offset);
    throw malformedAt(file, line, column, `invalid JSON: ${problem.message}`);
  }
}
