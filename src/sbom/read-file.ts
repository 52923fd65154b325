import { open } from "node:fs/promises";
import { jsonNesting } from "../analyzers/safetensors/header.js";
import type { MetadataIssue } from "./types.js";

/** Largest JSON/YAML metadata file read (configs and tokenizer configs are kilobytes). */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;
/** Deepest JSON nesting parsed (checked before JSON.parse, as the safetensors reader does). */
export const MAX_METADATA_NESTING = 128;

/**
 * Reads at most `max` bytes of a file as UTF-8. `truncated` says the file was longer; the caller decides
 * whether a prefix is usable (a model card) or not (JSON).
 */
export async function readBoundedText(path: string, max: number): Promise<{ text: string; size: number; truncated: boolean }> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const want = Math.min(size, max);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    let text = buf.subarray(0, got).toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { text, size, truncated: size > max };
  } finally {
    await handle.close();
  }
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

/** The line JSON.parse's message points to: V8 says "at position N" or "(line L column C)". */
function jsonErrorLine(text: string, message: string): number | undefined {
  const lc = /line (\d+) column \d+/.exec(message);
  if (lc) return Number(lc[1]);
  const pos = /at position (\d+)/.exec(message);
  if (pos) return lineAt(text, Number(pos[1]));
  if (/Unexpected end of JSON input/.test(message)) return lineAt(text, text.length);
  return undefined;
}

/**
 * Reads and parses a JSON metadata file with limits. Returns the value, or undefined with an issue naming
 * the file (and the line, for a syntax error).
 */
export async function readJsonFile(abs: string, display: string, issues: MetadataIssue[]): Promise<unknown> {
  let read;
  try {
    read = await readBoundedText(abs, MAX_METADATA_BYTES);
  } catch (e) {
    issues.push({ file: display, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return undefined;
  }
  if (read.truncated) {
    issues.push({ file: display, message: `${read.size} bytes, more than the ${MAX_METADATA_BYTES} read for metadata; not read` });
    return undefined;
  }
  const depth = jsonNesting(read.text);
  if (depth > MAX_METADATA_NESTING) {
    issues.push({ file: display, message: `JSON nested ${depth} deep, more than ${MAX_METADATA_NESTING}; not read` });
    return undefined;
  }
  try {
    return JSON.parse(read.text) as unknown;
  } catch (e) {
    const message = (e as Error).message;
    const line = jsonErrorLine(read.text, message);
    issues.push({ file: display, ...(line === undefined ? {} : { line }), message: `not valid JSON: ${message}` });
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Longest string kept from metadata (names, ids, short settings). */
export const MAX_FIELD_CHARS = 512;

/** A metadata string, trimmed and shortened; undefined for anything else or an empty string. */
export function shortString(v: unknown, max = MAX_FIELD_CHARS): string | undefined {
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  if (s === "") return undefined;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A string or a list of strings (front matter writes both), shortened, de-duplicated, at most `max` items. */
export function stringList(v: unknown, max = 256): string[] {
  const items = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const out: string[] = [];
  for (const item of items) {
    const s = typeof item === "number" ? String(item) : shortString(item);
    if (s !== undefined && !out.includes(s)) out.push(s);
    if (out.length >= max) break;
  }
  return out;
}
