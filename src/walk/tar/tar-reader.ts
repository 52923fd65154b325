import { LimitError, MalformedError } from "../../core/errors.js";
import type { ByteSource } from "../../core/source.js";
import { BLOCK, checksumMatches, entryType, isZeroBlock, nts, parseHeader, parsePaxRecords, typeHasData, type TarEntryType } from "./tar-header.js";

/** One member as a reader (Python's tarfile) sees it, after pax / GNU long-name records were applied. */
export interface TarEntry {
  /** Path as the extractor would use it. */
  name: string;
  type: TarEntryType;
  typeflag: string;
  /** Link target for hard and symbolic links. */
  linkName: string;
  mode: number;
  /** Data bytes that belong to this member (0 for types that carry none). */
  size: number;
  headerOffset: number;
  dataOffset: number;
  /**
   * A size declared on a type that carries no data (link, directory, device): Python's tarfile reads the
   * bytes after the header as the next header, other tools skip them, so readers see different members.
   */
  ignoredSize: number;
}

/** How the archive ended. */
export interface TarEnd {
  /** Offset after the last member (where the end marker or the end of input is). */
  offset: number;
  /** An all-zero block ended the archive (rather than the end of the input). */
  endMarker: boolean;
  /** Bytes at which a valid header was found after the end-of-archive marker (a concatenated archive). */
  dataAfterEnd?: number;
  /** Invalid header blocks that were skipped to find the next valid header (GNU tar does this; Python stops). */
  skipped: Array<{ offset: number; blocks: number; reason: string }>;
}

export interface TarReadOptions {
  /** Largest pax extended header or GNU long name/link record read into memory. */
  maxHeaderBytes: number;
  /** Blocks to search for a valid header after a bad one before giving up. */
  maxResyncBlocks?: number;
  /** Called between blocks of a long resync, so the scan's deadline applies. */
  checkDeadline?: () => void;
}

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/**
 * Walks the headers of a tar archive and yields its members. Reads only forward, so it works on a stream
 * (see createStreamedSource) as well as a file; the consumer reads a member's data (dataOffset, size) from the
 * same source before asking for the next member. The generator returns how the archive ended.
 *
 * Follows Python's tarfile (ustar prefix, pax `path`/`linkpath`/`size` with global headers, GNU `L`/`K`
 * records, old GNU sparse extension blocks). Unlike Python, a header with a bad checksum after the first one
 * does not end the walk silently: it is recorded and the next valid header is searched for, as GNU tar does,
 * so members hidden after a damaged block are still scanned. A bad first header is MalformedError.
 */
export async function* readTarEntries(source: ByteSource, opts: TarReadOptions): AsyncGenerator<TarEntry, TarEnd> {
  const maxResync = opts.maxResyncBlocks ?? 1 << 20;
  const globalPax = new Map<string, string>();
  let localPax: Map<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let at = 0;
  let members = 0;
  const skipped: TarEnd["skipped"] = [];

  const readRecord = async (size: number, where: number, what: string): Promise<Buffer> => {
    if (size > opts.maxHeaderBytes) throw new LimitError("maxHeaderBytes", size, opts.maxHeaderBytes, `tar ${what} record of ${size} bytes at ${where}`);
    const data = await source.read(where, size);
    if (data.length < size) throw new MalformedError(`tar ${what} record is truncated`, where);
    return data;
  };

  for (;;) {
    const block = await source.read(at, BLOCK);
    if (block.length === 0) return { offset: at, endMarker: false, skipped };
    if (block.length < BLOCK) {
      if (at === 0) throw new MalformedError("not a tar archive: shorter than one header block");
      throw new MalformedError("tar archive is truncated inside a header block", at);
    }
    if (isZeroBlock(block)) {
      const end: TarEnd = { offset: at, endMarker: true, skipped };
      const after = await findHeaderAfterEnd(source, at + BLOCK);
      if (after !== undefined) end.dataAfterEnd = after;
      return end;
    }
    if (!checksumMatches(block)) {
      if (at === 0 || members === 0) throw new MalformedError("tar header checksum does not match: not a valid tar archive", at);
      const start = at;
      let blocks = 0;
      let found = false;
      while (blocks < maxResync) {
        at += BLOCK;
        blocks++;
        if (blocks % 4096 === 0) opts.checkDeadline?.();
        const b = await source.read(at, BLOCK);
        if (b.length < BLOCK) break;
        if (!isZeroBlock(b) && checksumMatches(b)) {
          found = true;
          break;
        }
      }
      skipped.push({ offset: start, blocks, reason: "header checksum does not match" });
      if (!found) return { offset: start, endMarker: false, skipped };
      continue;
    }
    const h = parseHeader(block, at);
    let dataOffset = at + BLOCK;
    if (h.gnuExtended) {
      // Old GNU sparse: extension blocks of sparse map entries follow while their byte 504 is set.
      for (let n = 0; ; n++) {
        if (n > 1 << 16) throw new MalformedError("tar sparse map has too many extension blocks", at);
        const ext = await source.read(dataOffset, BLOCK);
        if (ext.length < BLOCK) throw new MalformedError("tar sparse extension block is truncated", dataOffset);
        dataOffset += BLOCK;
        if (ext[504] === 0) break;
      }
    }
    const f = h.typeflag;
    if (f === "x" || f === "g" || f === "X") {
      const records = parsePaxRecords(await readRecord(h.size, dataOffset, "pax header"), dataOffset);
      if (f === "g") for (const [k, v] of records) globalPax.set(k, v);
      else localPax = records;
      at = dataOffset + padded(h.size);
      continue;
    }
    if (f === "L" || f === "K") {
      const value = nts(await readRecord(h.size, dataOffset, f === "L" ? "GNU long name" : "GNU long link"));
      if (f === "L") longName = value;
      else longLink = value;
      at = dataOffset + padded(h.size);
      continue;
    }

    const pax = new Map([...globalPax, ...(localPax ?? [])]);
    let name = h.name;
    if (h.prefix && h.magic === "ustar\0") name = `${h.prefix}/${name}`;
    if (longName !== undefined) name = longName;
    if (pax.has("path")) name = pax.get("path")!;
    let linkName = longLink ?? h.linkName;
    if (pax.has("linkpath")) linkName = pax.get("linkpath")!;
    let size = h.size;
    const paxSize = pax.get("size");
    if (paxSize !== undefined) {
      if (!/^\d+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) throw new MalformedError(`pax size ${JSON.stringify(paxSize)} is not a number`, at);
      size = Number(paxSize);
    }
    localPax = undefined;
    longName = undefined;
    longLink = undefined;

    let type = entryType(f);
    // Python's tarfile: an old-style regular entry whose name ends in "/" is a directory.
    if (f === "\0" && name.endsWith("/")) type = "directory";
    const hasData = typeHasData(f) && type !== "directory";
    const entry: TarEntry = {
      name,
      type,
      typeflag: f,
      linkName,
      mode: h.mode,
      size: hasData ? size : 0,
      headerOffset: at,
      dataOffset,
      ignoredSize: hasData ? 0 : size,
    };
    members++;
    yield entry;
    at = dataOffset + (hasData ? padded(size) : 0);
  }
}

/** Looks a little past the end marker for another valid header (a second archive appended to the first). */
async function findHeaderAfterEnd(source: ByteSource, from: number): Promise<number | undefined> {
  const window = await source.read(from, 64 * BLOCK);
  for (let p = 0; p + BLOCK <= window.length; p += BLOCK) {
    const b = window.subarray(p, p + BLOCK);
    if (!isZeroBlock(b) && checksumMatches(b)) return from + p;
  }
  return undefined;
}
