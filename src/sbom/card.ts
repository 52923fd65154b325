/**
 * The Hugging Face model card: README.md's YAML front matter (licence, datasets, base model, task,
 * model-index…) and short excerpts of the markdown sections about intended use, limitations and risks.
 * Only read, never rendered or executed; YAML tags are left unresolved and aliases are capped.
 */
import { parseDocument } from "yaml";
import { MAX_YAML_ALIASES } from "../analyzers/hf/yaml-config.js";
import { isRecord, lineAt, shortString, stringList } from "./read-file.js";
import type { Consideration, ConsiderationKind, MetadataIssue, ModelResult } from "./types.js";

/** Longest model card read; longer cards are read up to here (the front matter and first sections). */
export const MAX_CARD_BYTES = 1024 * 1024;
/** Longest front matter parsed. */
export const MAX_FRONT_MATTER_CHARS = 256 * 1024;
/** Each consideration excerpt is cut to this many characters. */
export const MAX_CONSIDERATION_CHARS = 600;
export const MAX_CONSIDERATIONS = 8;
export const MAX_RESULTS = 200;

export interface CardFacts {
  license?: string;
  licenseName?: string;
  licenseLink?: string;
  baseModels: string[];
  datasets: string[];
  pipelineTag?: string;
  libraryName?: string;
  languages: string[];
  metrics: string[];
  tags: string[];
  results: ModelResult[];
  considerations: Consideration[];
}

function emptyFacts(): CardFacts {
  return { baseModels: [], datasets: [], languages: [], metrics: [], tags: [], results: [], considerations: [] };
}

/** Splits `---\nYAML\n---\nmarkdown`; front matter is undefined when the card has none. */
export function splitFrontMatter(text: string): { frontMatter?: string; body: string; bodyLine: number } {
  const m = /^---[ \t]*\r?\n/.exec(text);
  if (!m) return { body: text, bodyLine: 1 };
  const close = /^(?:---|\.\.\.)[ \t]*$/m;
  const rest = text.slice(m[0].length);
  const end = close.exec(rest);
  if (!end) return { body: text, bodyLine: 1 };
  const frontMatter = rest.slice(0, end.index);
  const bodyStart = m[0].length + end.index + end[0].length;
  return { frontMatter, body: text.slice(bodyStart), bodyLine: lineAt(text, bodyStart) };
}

function resultsOf(modelIndex: unknown): ModelResult[] {
  const out: ModelResult[] = [];
  if (!Array.isArray(modelIndex)) return out;
  for (const entry of modelIndex) {
    if (!isRecord(entry) || !Array.isArray(entry.results)) continue;
    for (const r of entry.results) {
      if (!isRecord(r)) continue;
      const task = isRecord(r.task) ? shortString(r.task.type) ?? shortString(r.task.name) : undefined;
      const ds = isRecord(r.dataset) ? r.dataset : {};
      const dataset = shortString(ds.type) ?? shortString(ds.name);
      const datasetName = shortString(ds.name);
      const split = shortString(ds.split);
      if (!Array.isArray(r.metrics)) continue;
      for (const m of r.metrics) {
        if (!isRecord(m)) continue;
        const metric = shortString(m.type) ?? shortString(m.name);
        const value = typeof m.value === "number" && Number.isFinite(m.value) ? m.value : shortString(m.value, 64);
        if (metric === undefined || value === undefined) continue;
        out.push({
          ...(task ? { task } : {}),
          ...(dataset ? { dataset } : {}),
          ...(datasetName ? { datasetName } : {}),
          ...(split ? { split } : {}),
          metric,
          value,
        });
        if (out.length >= MAX_RESULTS) return out;
      }
    }
  }
  return out;
}

/** What a section heading is about, or undefined for sections we do not quote. */
export function considerationKind(heading: string): ConsiderationKind | undefined {
  const h = heading.toLowerCase();
  if (/out[- ]of[- ]scope|misuse|malicious use/.test(h)) return "out-of-scope";
  if (/\bbias|ethic|fairness|\brisks?\b|harm/.test(h)) return "ethical";
  if (/limitation|caveat|known issues/.test(h)) return "limitation";
  if (/intended use|direct use|downstream use|^uses?$|use cases?|how to use|applications?/.test(h)) return "use-case";
  return undefined;
}

/** Markdown to one line of plain-ish text: comments, images, link targets, emphasis and placeholders dropped. */
function plainText(lines: string[]): string {
  const text = lines
    .join("\n")
    .replace(/<!--[\s\S]*?(?:-->|$)/g, " ")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, " ")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>\n]{1,200}>/g, " ")
    .replace(/\[More Information Needed\]/gi, " ")
    .replace(/[*_`]{1,3}/g, "")
    .replace(/^\s*[-+*]\s+/gm, "")
    .replace(/\s+/g, " ")
    .trim();
  if (text.length <= MAX_CONSIDERATION_CHARS) return text;
  const cut = text.slice(0, MAX_CONSIDERATION_CHARS - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > MAX_CONSIDERATION_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

/**
 * Sections of a markdown body (ATX headings outside code fences); each section's own text runs to the
 * next heading of any level. Returns the ones about use, limits and risks, shortened, at most
 * MAX_CONSIDERATIONS.
 */
export function cardConsiderations(body: string): Consideration[] {
  const out: Consideration[] = [];
  let fence: string | undefined;
  let current: { heading: string; kind: ConsiderationKind; lines: string[] } | undefined;
  const flush = (): void => {
    if (!current || out.length >= MAX_CONSIDERATIONS) return;
    const text = plainText(current.lines);
    if (text.length >= 3) out.push({ kind: current.kind, heading: current.heading, text });
    current = undefined;
  };
  for (const line of body.split(/\r?\n/)) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1]![0];
      else if (f[1]![0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      flush();
      const heading = h[1]!.replace(/[*_`]/g, "").trim().slice(0, 200);
      const kind = considerationKind(heading);
      current = kind ? { heading, kind, lines: [] } : undefined;
      continue;
    }
    if (current && current.lines.length < 200) current.lines.push(line);
  }
  flush();
  return out;
}

/**
 * Reads a model card's text (already bounded). Malformed front matter is an issue with its line; the
 * markdown sections are still read.
 */
export function parseCard(text: string, file: string, issues: MetadataIssue[]): CardFacts {
  const facts = emptyFacts();
  const { frontMatter, body } = splitFrontMatter(text);
  facts.considerations = cardConsiderations(body);
  if (frontMatter === undefined) return facts;
  if (frontMatter.length > MAX_FRONT_MATTER_CHARS) {
    issues.push({ file, line: 2, message: `front matter of ${frontMatter.length} characters is longer than ${MAX_FRONT_MATTER_CHARS}; not read` });
    return facts;
  }
  let data: unknown;
  try {
    const doc = parseDocument(frontMatter, { prettyErrors: false, uniqueKeys: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      // +1: the front matter starts on the line after the opening "---".
      issues.push({ file, line: lineAt(frontMatter, e.pos[0]) + 1, message: `front matter is not valid YAML: ${e.message.split("\n")[0]}` });
      return facts;
    }
    // Unknown tags (e.g. !!python/object/apply) are never resolved; they are worth a word in the SBOM.
    for (const w of doc.warnings.slice(0, 5)) issues.push({ file, line: lineAt(frontMatter, w.pos[0]) + 1, message: `front matter: ${w.message.split("\n")[0]}` });
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    issues.push({ file, line: 2, message: `front matter could not be read: ${(e as Error).message.split("\n")[0]}` });
    return facts;
  }
  if (data === null || data === undefined) return facts;
  if (!isRecord(data)) {
    issues.push({ file, line: 2, message: "front matter is not a mapping of keys to values" });
    return facts;
  }
  const license = Array.isArray(data.license) ? stringList(data.license)[0] : shortString(data.license);
  if (license) facts.license = license;
  const licenseName = shortString(data.license_name);
  if (licenseName) facts.licenseName = licenseName;
  const licenseLink = shortString(data.license_link, 2048);
  if (licenseLink) facts.licenseLink = licenseLink;
  facts.baseModels = stringList(data.base_model);
  facts.datasets = stringList(data.datasets);
  const pipelineTag = shortString(data.pipeline_tag);
  if (pipelineTag) facts.pipelineTag = pipelineTag;
  const libraryName = shortString(data.library_name);
  if (libraryName) facts.libraryName = libraryName;
  facts.languages = stringList(data.language);
  facts.metrics = stringList(data.metrics);
  facts.tags = stringList(data.tags);
  facts.results = resultsOf(data["model-index"]);
  return facts;
}
