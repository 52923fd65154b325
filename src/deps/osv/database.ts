/**
 * The offline OSV database: a directory of OSV records (JSON, YAML, or JSON Lines as `modelgate db update`
 * writes them), indexed by PEP 503 package name. Broken records are listed in `issues` with the file (and line
 * for syntax errors) while everything else loads; withdrawn records and other ecosystems are skipped.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ModelgateError } from "../../core/errors.js";
import { lineColumnAt } from "../parse/syntax-error.js";
import { normalizePackageName } from "../parse/name.js";
import { normalizeOsvRecord, OSV_ECOSYSTEM, type OsvEntry } from "./record.js";

export const METADATA_FILE = "metadata.json";
export const RECORDS_FILE = "records.jsonl";

export interface DbIssue {
  file: string;
  line?: number;
  code: "db-record-invalid" | "db-limit-exceeded" | "db-read-error";
  message: string;
  /** PyPI packages the broken record names (normalised), when known; empty when it could not be told. */
  packages: string[];
}

/** metadata.json beside an imported database. */
export interface DbMetadata {
  format: "modelgate-osv/1";
  updatedAt: string;
  source: string;
  records: number;
  /** sha256 of the imported zip (absent for a directory import). */
  sha256?: string;
  /** Records the import could not use (they are reported again by every audit). */
  skipped?: { file: string; message: string; packages: string[] }[];
}

export interface OsvDatabase {
  kind: "offline" | "online";
  path?: string;
  /**
   * How new the data is: the newest `modified` among its records, or when it was fetched (metadata.json) if that is
   * earlier or no record has a usable time. A 2024 snapshot imported today is as old as its newest record.
   */
  updatedAt?: string;
  ageFrom?: "metadata" | "records";
  /** When it was imported (metadata.json), if it was. */
  importedAt?: string;
  source?: string;
  sha256?: string;
  /** Records in use (PyPI, not withdrawn, valid). */
  records: number;
  withdrawn: number;
  issues: DbIssue[];
  /**
   * Advisories for a PEP 503 normalised package name. Records are fully checked on first lookup of their
   * package: `issues` grows then (read it after matching).
   */
  lookup(pkg: string): readonly OsvEntry[];
  /** Checks every record now (all broken records in `issues`). */
  validateAll(): void;
}

export interface OsvLoadLimits {
  /** Largest record file (or JSON Lines line) read. */
  maxRecordBytes: number;
  /** Records loaded at most; more is an issue (the audit is then incomplete). */
  maxRecords: number;
  /** Largest JSON Lines file. */
  maxPackBytes: number;
}

export const DEFAULT_OSV_LIMITS: Readonly<OsvLoadLimits> = Object.freeze({
  maxRecordBytes: 8 * 1024 * 1024,
  maxRecords: 2_000_000,
  maxPackBytes: 2 * 1024 * 1024 * 1024 - 1,
});

const RECORD_EXT = new Set([".json", ".yaml", ".yml", ".jsonl"]);

interface PendingRecord {
  /** The parsed record, or its JSON text (JSON Lines: re-parsed on lookup, so 50 000 parsed records are not kept). */
  raw: unknown;
  text?: string;
  file: string;
  line: number | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The index behind a database. Records are checked only for what indexing needs (an id, an `affected` list
 * naming packages) when added; the full normalisation (ranges, versions, severity) happens on first lookup of
 * one of their packages, so an audit of 500 packages does not pay for 50 000 records. Problems found then are
 * added to `issues` (which therefore grows during an audit: read it after matching, or call validateAll()).
 */
export class OsvIndex {
  readonly issues: DbIssue[] = [];
  records = 0;
  withdrawn = 0;
  /** The newest `modified` time of a record, ignoring times that cannot be parsed or lie in the future. */
  newestModified: string | undefined;
  private newestModifiedMs = -Infinity;
  private readonly pending = new Map<string, PendingRecord[]>();
  private readonly byPackage = new Map<string, OsvEntry[]>();
  private readonly normalized = new Map<PendingRecord, OsvEntry[] | undefined>();
  private readonly seen = new Map<string, OsvEntry>();

  constructor(private readonly limits: OsvLoadLimits = DEFAULT_OSV_LIMITS) {}

  add(raw: unknown, file: string, line?: number, text?: string): void {
    const where = { file, ...(line !== undefined ? { line } : {}) };
    if (!isObj(raw) || typeof raw.id !== "string" || raw.id.trim() === "") {
      this.issue({ ...where, code: "db-record-invalid", message: isObj(raw) ? "missing or empty `id`" : "not an OSV record (expected an object)", packages: [] });
      return;
    }
    if (raw.withdrawn !== undefined && raw.withdrawn !== null && raw.withdrawn !== "") {
      this.withdrawn++;
      return;
    }
    const affected = raw.affected;
    if (!Array.isArray(affected) || affected.length === 0) {
      this.issue({ ...where, code: "db-record-invalid", message: `${raw.id}: missing \`affected\` list`, packages: [] });
      return;
    }
    const names = new Set<string>();
    for (const a of affected) {
      const pkg = isObj(a) ? a.package : undefined;
      if (!isObj(pkg) || typeof pkg.name !== "string" || typeof pkg.ecosystem !== "string") {
        this.issue({ ...where, code: "db-record-invalid", message: `${raw.id}: an \`affected\` entry has no package name and ecosystem`, packages: [] });
        return;
      }
      if (pkg.ecosystem === OSV_ECOSYSTEM) names.add(normalizePackageName(pkg.name));
    }
    if (names.size === 0) return; // another ecosystem
    if (this.records >= this.limits.maxRecords) {
      if (this.records === this.limits.maxRecords) {
        this.issue({ file, code: "db-limit-exceeded", message: `more than ${this.limits.maxRecords} records: the rest were not loaded`, packages: [] });
        this.records++;
      }
      return;
    }
    this.records++;
    if (typeof raw.modified === "string") {
      const t = Date.parse(raw.modified);
      // A record dated after now (a day's clock slack) would make any database look fresh: it does not count.
      if (Number.isFinite(t) && t > this.newestModifiedMs && t <= Date.now() + 86_400_000) {
        this.newestModifiedMs = t;
        this.newestModified = raw.modified;
      }
    }
    const p: PendingRecord = text !== undefined ? { raw: undefined, text, file, line } : { raw, file, line };
    for (const n of names) {
      let list = this.pending.get(n);
      if (!list) this.pending.set(n, (list = []));
      list.push(p);
    }
  }

  private normalize(p: PendingRecord): OsvEntry[] | undefined {
    if (this.normalized.has(p)) return this.normalized.get(p);
    const r = normalizeOsvRecord(p.text !== undefined ? (JSON.parse(p.text) as unknown) : p.raw, p.file);
    let out: OsvEntry[] | undefined;
    if (r.kind === "ok") out = r.entries;
    else if (r.kind === "invalid") {
      this.issue({ file: p.file, ...(p.line !== undefined ? { line: p.line } : {}), code: "db-record-invalid", message: `${r.id ? `${r.id}: ` : ""}${r.message}`, packages: r.packages });
    }
    this.normalized.set(p, out);
    return out;
  }

  issue(i: DbIssue): void {
    if (this.issues.length < 1000) this.issues.push(i);
    else if (this.issues.length === 1000) this.issues.push({ file: i.file, code: "db-limit-exceeded", message: "more than 1000 database issues: the rest are not listed", packages: [] });
  }

  lookup = (pkg: string): readonly OsvEntry[] => {
    const waiting = this.pending.get(pkg);
    if (waiting) {
      this.pending.delete(pkg);
      let list = this.byPackage.get(pkg);
      if (!list) this.byPackage.set(pkg, (list = []));
      for (const p of waiting) {
        for (const e of this.normalize(p) ?? []) {
          if (e.package !== pkg) continue;
          const key = e.id;
          const prev = this.seen.get(`${pkg}\u0000${key}`);
          if (prev) {
            // The same advisory twice (two copies of a file): keep the newer one.
            if ((e.modified ?? "") <= (prev.modified ?? "")) continue;
            list[list.indexOf(prev)] = e;
          } else {
            list.push(e);
          }
          this.seen.set(`${pkg}\u0000${key}`, e);
        }
      }
    }
    return this.byPackage.get(pkg) ?? [];
  };

  /** Normalises every record (for `db status` and imports): all broken records end up in `issues`. */
  validateAll = (): void => {
    for (const pkg of [...this.pending.keys()]) this.lookup(pkg);
  };
}

/** Line of a JSON.parse error, from its message (V8 says "position N", newer ones "line L column C"). */
function jsonErrorLine(text: string, message: string): number | undefined {
  const lc = /line (\d+) column \d+/.exec(message);
  if (lc) return Number(lc[1]);
  const pos = /position (\d+)/.exec(message);
  if (pos) return lineColumnAt(text, Number(pos[1])).line;
  return lineColumnAt(text, validPrefixLength(text)).line;
}

/**
 * Where JSON.parse gave up, for V8 versions whose messages carry no position (Node 20: `Unexpected token ','`):
 * the longest prefix that is still the start of a JSON document (JSON.parse then fails only for lack of input).
 * Being a valid prefix is monotone in the length, so a binary search finds it.
 */
function validPrefixLength(text: string): number {
  const ok = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (e) {
      const m = (e as Error).message;
      const at = /at position (\d+)/.exec(m);
      // Out of input: "Unexpected end", or an unfinished token reported at the very end (`Unterminated string … at position n`).
      return /Unexpected end of JSON input/.test(m) || (at !== null && Number(at[1]) >= n);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function parseRecordText(text: string, ext: string): { value?: unknown; error?: string; line?: number } {
  if (ext === ".json") {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (e) {
      const message = (e as Error).message;
      const line = jsonErrorLine(text, message);
      return { error: `invalid JSON: ${message}`, ...(line !== undefined ? { line } : {}) };
    }
  }
  try {
    // failsafe: every scalar stays a string (unquoted 1.10 must not become the number 1.1).
    return { value: parseYaml(text, { schema: "failsafe", maxAliasCount: 100, uniqueKeys: true }) as unknown };
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const line = e.linePos?.[0]?.line;
      return { error: `invalid YAML: ${e.message.split("\n")[0]}`, ...(line !== undefined ? { line } : {}) };
    }
    return { error: `invalid YAML: ${(e as Error).message}` };
  }
}

/** Record files under a database directory (JSON, YAML, JSON Lines), sorted; metadata.json and dot-files left out. */
export async function listRecordFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const items = await readdir(dir, { withFileTypes: true });
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of items) {
      if (d.name.startsWith(".")) continue; // temporary and hidden files
      const p = join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile() && RECORD_EXT.has(extname(d.name).toLowerCase()) && !(dir === root && d.name === METADATA_FILE)) out.push(p);
    }
  };
  await walk(root);
  return out;
}

function loadPack(index: OsvIndex, text: string, shown: string, limits: OsvLoadLimits): void {
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === "") continue;
    if (line.length > limits.maxRecordBytes) {
      index.issue({ file: shown, line: lineNo, code: "db-limit-exceeded", message: `record of ${line.length} bytes is larger than ${limits.maxRecordBytes}`, packages: [] });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      index.issue({ file: shown, line: lineNo, code: "db-record-invalid", message: `invalid JSON: ${(e as Error).message}`, packages: [] });
      continue;
    }
    index.add(value, shown, lineNo, line);
  }
}

export async function readDbMetadata(dir: string): Promise<DbMetadata | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, METADATA_FILE), "utf8");
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as DbMetadata;
    return typeof m === "object" && m !== null && typeof m.updatedAt === "string" ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Loads a database directory. Throws DATABASE_UNAVAILABLE when it is not a readable directory. */
export async function loadOsvDatabase(dir: string, limits: OsvLoadLimits = DEFAULT_OSV_LIMITS): Promise<OsvDatabase> {
  try {
    const st = await lstat(dir);
    if (!st.isDirectory()) throw new Error("not a directory");
  } catch (e) {
    throw new ModelgateError("DATABASE_UNAVAILABLE", `no vulnerability database at ${dir}: run \`modelgate db update\` or pass --db DIR / --online`, { cause: e });
  }
  const index = new OsvIndex(limits);
  const files = await listRecordFiles(dir);
  const BATCH = 64;
  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH);
    const texts = await Promise.all(
      batch.map(async (f) => {
        const ext = extname(f).toLowerCase();
        try {
          const st = await lstat(f);
          const max = ext === ".jsonl" ? limits.maxPackBytes : limits.maxRecordBytes;
          if (st.size > max) return { f, ext, error: `file of ${st.size} bytes is larger than the ${max}-byte limit`, limit: true };
          return { f, ext, text: await readFile(f, "utf8") };
        } catch (e) {
          return { f, ext, error: `cannot read: ${(e as Error).message}`, limit: false };
        }
      }),
    );
    for (const t of texts) {
      const shown = relative(process.cwd(), t.f) || t.f;
      if (t.text === undefined) {
        index.issue({ file: shown, code: t.limit ? "db-limit-exceeded" : "db-read-error", message: t.error!, packages: [] });
        continue;
      }
      if (t.ext === ".jsonl") {
        loadPack(index, t.text, shown, limits);
        continue;
      }
      const parsed = parseRecordText(t.text, t.ext);
      if (parsed.error !== undefined) {
        index.issue({ file: shown, ...(parsed.line !== undefined ? { line: parsed.line } : {}), code: "db-record-invalid", message: parsed.error, packages: [] });
        continue;
      }
      index.add(parsed.value, shown);
    }
  }
  const meta = await readDbMetadata(dir);
  for (const s of meta?.skipped ?? []) index.issue({ file: s.file, code: "db-record-invalid", message: `${s.message} (skipped at import)`, packages: s.packages ?? [] });
  const db: OsvDatabase = {
    kind: "offline",
    path: dir,
    records: index.records,
    withdrawn: index.withdrawn,
    issues: index.issues,
    lookup: index.lookup,
    validateAll: index.validateAll,
  };
  // The data is as old as its newest record, and no newer than when it was fetched.
  const imported = meta ? Date.parse(meta.updatedAt) : NaN;
  if (index.newestModified !== undefined && !(Date.parse(index.newestModified) > imported)) {
    db.updatedAt = index.newestModified;
    db.ageFrom = "records";
  } else if (meta) {
    db.updatedAt = meta.updatedAt;
    db.ageFrom = "metadata";
  }
  if (meta) {
    db.importedAt = meta.updatedAt;
    db.source = meta.source;
    if (meta.sha256) db.sha256 = meta.sha256;
  }
  return db;
}
