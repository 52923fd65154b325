/**
 * `modelgate db update`: imports the OSV bulk export (`PyPI/all.zip`, a file or URL) or a directory of OSV
 * records into the database directory, atomically: everything is written to a temporary sibling directory which
 * then replaces the old one. The zip is read with modelgate's own zip reader under size limits (src/walk/zip).
 */
import { createHash } from "node:crypto";
import zlib from "node:zlib";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, relative } from "node:path";
import { LimitError, MalformedError, ModelgateError } from "../../core/errors.js";
import { DEFAULT_LIMITS } from "../../core/limits.js";
import { outboundGetFollowing, parseAllowlist } from "../../net/outbound.js";
import { createBufferSource, openFileSource, readAll, type ByteSource, type FileSource } from "../../core/source.js";
import { OutputGuard } from "../../walk/output-guard.js";
import { crc32OfSource, openZipMember, type ZipMemberData } from "../../walk/zip/zip-member.js";
import { METHOD_DEFLATE } from "../../walk/zip/zip-records.js";
import { readLocalHeader, readZipDirectory } from "../../walk/zip/zip-reader.js";
import { DEFAULT_OSV_LIMITS, listRecordFiles, METADATA_FILE, parseRecordText, readDbMetadata, RECORDS_FILE, type DbMetadata } from "./database.js";
import { normalizeOsvRecord } from "./record.js";

export const OSV_PYPI_EXPORT = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";

/** Zips up to this size are read into memory once. */
const IN_MEMORY_ZIP = 512 * 1024 * 1024;

export interface UpdateLimits {
  /** Largest record (decompressed zip member, or file). */
  maxRecordBytes: number;
  /** Most records (zip members or files). */
  maxRecords: number;
  /** Largest download or zip file. */
  maxArchiveBytes: number;
  /** Decompressed bytes across the whole zip. */
  maxTotalBytes: number;
}

export const DEFAULT_UPDATE_LIMITS: Readonly<UpdateLimits> = Object.freeze({
  maxRecordBytes: DEFAULT_OSV_LIMITS.maxRecordBytes,
  maxRecords: 1_000_000,
  maxArchiveBytes: 1024 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
});

export interface UpdateProgress {
  phase: "download" | "import";
  done: number;
  total: number;
}

export interface UpdateOptions {
  /** Database directory (already resolved). */
  db: string;
  /** Zip file, zip URL (http/https) or directory of records; default the OSV PyPI export. */
  from?: string;
  /** Replaces the download transport (tests); the default checks every hop's address (net/outbound.ts). */
  fetch?: typeof fetch;
  /**
   * Internal addresses (IPs, CIDR ranges, host names) the download and its redirects may reach; default none, or
   * MODELGATE_ALLOW_INTERNAL_HOSTS (comma-separated): a URL or redirect to loopback, a private network or a
   * metadata address is refused.
   */
  allowInternalHosts?: string[];
  now?: Date;
  onProgress?: (p: UpdateProgress) => void;
  limits?: Partial<UpdateLimits>;
}

export interface UpdateResult {
  path: string;
  metadata: DbMetadata;
  withdrawn: number;
  otherEcosystems: number;
}

interface Sink {
  out: WriteStream;
  records: number;
  withdrawn: number;
  other: number;
  skipped: NonNullable<DbMetadata["skipped"]>;
}

async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once("drain", resolve));
}

async function accept(sink: Sink, raw: unknown, file: string): Promise<void> {
  const r = normalizeOsvRecord(raw, file);
  if (r.kind === "withdrawn") sink.withdrawn++;
  else if (r.kind === "other-ecosystem") sink.other++;
  else if (r.kind === "invalid") sink.skipped.push({ file, message: `${r.id ? `${r.id}: ` : ""}${r.message}`, packages: r.packages });
  else {
    sink.records++;
    await writeLine(sink.out, JSON.stringify(raw));
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/**
 * A member's content. OSV records are small deflate members: those are inflated in one call with a hard output
 * cap (zlib's maxOutputLength) instead of openZipMember's streaming inflater, whose 256 KiB buffers per member
 * cost more than the records themselves over 50 000 members. Anything else goes through openZipMember.
 */
async function openRecordMember(archive: ByteSource, m: ZipMemberData, guard: OutputGuard, maxBytes: number): Promise<ByteSource> {
  if (m.method !== METHOD_DEFLATE || m.compressedSize > maxBytes) return openZipMember(archive, m, guard);
  const data = await archive.read(m.dataOffset, m.compressedSize);
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(data, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new LimitError("maxRecordBytes", maxBytes + 1, maxBytes, `record decompresses to more than ${maxBytes} bytes`);
    throw new MalformedError(`corrupt deflate data: ${(e as Error).message}`);
  }
  guard.add(out.length);
  return createBufferSource(out);
}

async function importZip(sink: Sink, zipPath: string, shown: string, limits: UpdateLimits, onProgress?: (p: UpdateProgress) => void): Promise<void> {
  let src: FileSource;
  try {
    src = await openFileSource(zipPath);
  } catch (e) {
    throw new ModelgateError("PATH_UNREADABLE", `${shown}: cannot be read (${(e as Error).message})`, { cause: e });
  }
  try {
    if (src.size > limits.maxArchiveBytes) throw new LimitError("maxArchiveBytes", src.size, limits.maxArchiveBytes, `${shown} is ${src.size} bytes, more than ${limits.maxArchiveBytes}`);
    // The export is tens of MB of small members: reading it once beats four small reads per member.
    const archive: ByteSource = src.size <= IN_MEMORY_ZIP ? createBufferSource(await readAll(src)) : src;
    let dir;
    try {
      dir = await readZipDirectory(archive, { maxMembers: limits.maxRecords, maxDirectoryBytes: 512 * 1024 * 1024 });
    } catch (e) {
      if (e instanceof MalformedError) throw new MalformedError(`${shown} is not a readable zip archive: ${e.message}`);
      throw e;
    }
    if (dir.truncated) throw new LimitError("maxRecords", dir.declaredEntries, limits.maxRecords, `${shown} holds more than ${limits.maxRecords} members`);
    let total = 0;
    const scanLimits = { ...DEFAULT_LIMITS, maxMemberBytes: limits.maxRecordBytes };
    const entries = dir.entries.filter((e) => !e.name.endsWith("/"));
    let done = 0;
    for (const e of entries) {
      done++;
      if (done % 500 === 0) onProgress?.({ phase: "import", done, total: entries.length });
      const member = `${shown}:${e.name}`;
      if (extname(e.name).toLowerCase() !== ".json") continue;
      try {
        const local = await readLocalHeader(archive, e.localHeaderOffset + dir.shift);
        if (!local) throw new MalformedError("no local header where the directory points");
        const guard = new OutputGuard({
          what: `zip member ${JSON.stringify(e.name)}`,
          compressedSize: e.compressedSize,
          limits: scanLimits,
          charge: (n) => {
            total += n;
            if (total > limits.maxTotalBytes) throw new LimitError("maxTotalBytes", total, limits.maxTotalBytes, `${shown} decompresses to more than ${limits.maxTotalBytes} bytes`);
          },
        });
        if (e.uncompressedSize > limits.maxRecordBytes) throw new LimitError("maxRecordBytes", e.uncompressedSize, limits.maxRecordBytes);
        const content = await openRecordMember(archive, { dataOffset: local.dataOffset, compressedSize: e.compressedSize, method: e.method, flags: e.flags, uncompressedSize: e.uncompressedSize }, guard, limits.maxRecordBytes);
        if ((await crc32OfSource(content)) !== e.crc32 >>> 0) throw new MalformedError("CRC-32 mismatch");
        const text = (await readAll(content)).toString("utf8");
        const parsed = parseRecordText(text, ".json");
        if (parsed.error !== undefined) {
          sink.skipped.push({ file: member, message: `${parsed.error}${parsed.line !== undefined ? ` (line ${parsed.line})` : ""}`, packages: [] });
          continue;
        }
        await accept(sink, parsed.value, member);
      } catch (err) {
        if (err instanceof LimitError && err.limit === "maxTotalBytes") throw err;
        if (err instanceof ModelgateError) sink.skipped.push({ file: member, message: err.message, packages: [] });
        else throw err;
      }
    }
    onProgress?.({ phase: "import", done: entries.length, total: entries.length });
  } finally {
    await src.close();
  }
}

async function importDirectory(sink: Sink, dirPath: string, limits: UpdateLimits): Promise<void> {
  const files = await listRecordFiles(dirPath);
  if (files.length > limits.maxRecords) throw new LimitError("maxRecords", files.length, limits.maxRecords, `${dirPath} holds more than ${limits.maxRecords} record files`);
  for (const f of files) {
    const shown = relative(dirPath, f);
    const ext = extname(f).toLowerCase();
    if (ext === ".jsonl") {
      sink.skipped.push({ file: shown, message: "JSON Lines packs are not imported; import the zip or the record files", packages: [] });
      continue;
    }
    const st = await stat(f);
    if (st.size > limits.maxRecordBytes) {
      sink.skipped.push({ file: shown, message: `${st.size} bytes, more than the ${limits.maxRecordBytes}-byte limit`, packages: [] });
      continue;
    }
    const parsed = parseRecordText(await readFile(f, "utf8"), ext);
    if (parsed.error !== undefined) {
      sink.skipped.push({ file: shown, message: `${parsed.error}${parsed.line !== undefined ? ` (line ${parsed.line})` : ""}`, packages: [] });
      continue;
    }
    await accept(sink, parsed.value, shown);
  }
}

/** The default transport: resolves and checks the address of every hop, following at most 5 redirects by hand. */
function checkedFetch(allowInternalHosts: string[] | undefined): typeof fetch {
  const allow = parseAllowlist(allowInternalHosts ?? (process.env.MODELGATE_ALLOW_INTERNAL_HOSTS ?? "").split(","));
  return ((url: string | URL) => outboundGetFollowing(String(url), { allow })) as typeof fetch;
}

async function download(url: string, to: string, limits: UpdateLimits, f: typeof fetch, onProgress?: (p: UpdateProgress) => void): Promise<void> {
  let res: Response;
  try {
    res = await f(url);
  } catch (e) {
    if (e instanceof ModelgateError && e.code !== "NETWORK_ERROR") throw e; // a refused (internal) address, a redirect loop
    throw new ModelgateError("NETWORK_ERROR", `cannot download ${url}: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok || !res.body) throw new ModelgateError("NETWORK_ERROR", `cannot download ${url}: ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get("content-length") ?? 0);
  if (total > limits.maxArchiveBytes) throw new LimitError("maxArchiveBytes", total, limits.maxArchiveBytes, `${url} is ${total} bytes, more than ${limits.maxArchiveBytes}`);
  const out = createWriteStream(to);
  let done = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      done += chunk.length;
      if (done > limits.maxArchiveBytes) throw new LimitError("maxArchiveBytes", done, limits.maxArchiveBytes, `${url} is more than ${limits.maxArchiveBytes} bytes`);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", resolve));
      onProgress?.({ phase: "download", done, total: Math.max(total, done) });
    }
  } catch (e) {
    out.destroy();
    if (e instanceof ModelgateError) throw e;
    throw new ModelgateError("NETWORK_ERROR", `download of ${url} failed: ${(e as Error).message}`, { cause: e });
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Refuses to replace a directory that is not a modelgate database (e.g. --db pointing at a records folder). */
async function checkReplaceable(db: string): Promise<boolean> {
  let st;
  try {
    st = await lstat(db);
  } catch {
    return false;
  }
  if (!st.isDirectory()) throw new ModelgateError("INVALID_OPTION", `${db} exists and is not a directory`);
  const meta = await readDbMetadata(db);
  if (meta?.format === "modelgate-osv/1") return true;
  if ((await readdir(db)).length === 0) return true;
  throw new ModelgateError("INVALID_OPTION", `${db} is not a database written by \`modelgate db update\` (no ${METADATA_FILE}); refusing to replace it: choose another --db`);
}

/** Imports the OSV PyPI data into `options.db` and returns what was written. */
export async function updateDatabase(options: UpdateOptions): Promise<UpdateResult> {
  const limits: UpdateLimits = { ...DEFAULT_UPDATE_LIMITS, ...options.limits };
  const db = options.db;
  const from = options.from ?? OSV_PYPI_EXPORT;
  const exists = await checkReplaceable(db);
  await mkdir(dirname(db), { recursive: true });
  const tmp = await mkdtemp(join(dirname(db), `.${basename(db)}.tmp-`));
  try {
    const sink: Sink = { out: createWriteStream(join(tmp, RECORDS_FILE)), records: 0, withdrawn: 0, other: 0, skipped: [] };
    let sha256: string | undefined;
    if (/^https?:\/\//i.test(from)) {
      const zip = join(tmp, "download.zip");
      await download(from, zip, limits, options.fetch ?? checkedFetch(options.allowInternalHosts), options.onProgress);
      sha256 = await sha256File(zip);
      await importZip(sink, zip, basename(new URL(from).pathname) || "download.zip", limits, options.onProgress);
      await rm(zip);
    } else {
      let st;
      try {
        st = await stat(from);
      } catch {
        throw new ModelgateError("PATH_NOT_FOUND", `${from}: no such file or folder`);
      }
      if (st.isDirectory()) await importDirectory(sink, from, limits);
      else {
        sha256 = await sha256File(from);
        await importZip(sink, from, basename(from), limits, options.onProgress);
      }
    }
    await new Promise<void>((resolve, reject) => sink.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (sink.records === 0) {
      throw new ModelgateError("MALFORMED_INPUT", `${from} holds no usable PyPI OSV records${sink.skipped.length ? ` (${sink.skipped.length} skipped, first: ${sink.skipped[0]!.file}: ${sink.skipped[0]!.message})` : ""}`);
    }
    const metadata: DbMetadata = {
      format: "modelgate-osv/1",
      updatedAt: (options.now ?? new Date()).toISOString(),
      source: from,
      records: sink.records,
      ...(sha256 ? { sha256 } : {}),
      ...(sink.skipped.length ? { skipped: sink.skipped.slice(0, 1000) } : {}),
    };
    await writeFile(join(tmp, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
    if (exists) {
      const old = `${db}.old-${process.pid}-${Date.now()}`;
      await rename(db, old);
      try {
        await rename(tmp, db);
      } catch (e) {
        await rename(old, db);
        throw e;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, db);
    }
    return { path: db, metadata, withdrawn: sink.withdrawn, otherEcosystems: sink.other };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
