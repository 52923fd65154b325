import { closeSync, fstatSync, openSync, read, readSync } from "node:fs";

/**
 * Random-access bytes. Analyzers read only what they need (a zip directory, a pickle member),
 * never the whole file, so large checkpoints cost little I/O.
 */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Bytes handed out by read() so far (for this source and the slices made from it). */
  readonly counter: ReadCounter;
}

export interface ReadCounter {
  bytesRead: number;
}

function clampRange(size: number, offset: number, length: number): [number, number] {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`invalid read range offset=${offset} length=${length}`);
  }
  const start = Math.min(offset, size);
  const end = Math.min(size, start + length);
  return [start, end];
}

export function createBufferSource(buf: Buffer, counter: ReadCounter = { bytesRead: 0 }): ByteSource {
  return {
    size: buf.length,
    counter,
    async read(offset, length) {
      const [start, end] = clampRange(buf.length, offset, length);
      counter.bytesRead += end - start;
      return buf.subarray(start, end);
    },
  };
}

/** A window of another source (e.g. a stored zip member); reads are not copied twice. */
export function createSliceSource(parent: ByteSource, start: number, size: number): ByteSource {
  const realSize = Math.max(0, Math.min(size, parent.size - start));
  return {
    size: realSize,
    counter: parent.counter,
    async read(offset, length) {
      const [s, e] = clampRange(realSize, offset, length);
      if (e === s) return Buffer.alloc(0);
      return parent.read(start + s, e - s);
    },
  };
}

export interface FileSource extends ByteSource {
  /**
   * The whole file, when it was read at open (`wholeUpTo`); reads are then served from memory and the file
   * is already closed. Callers must not modify it.
   */
  readonly contents: Buffer | undefined;
  close(): Promise<void>;
}

export interface OpenFileOptions {
  /**
   * Files of at most this many bytes are read whole when opened and served from memory (the file is closed at
   * once). Default 64 KiB: what detection reads of any file anyway (its head and tail windows).
   */
  wholeUpTo?: number;
}

/** Read whole by default: detection's head (64 KiB) and tail windows cover such a file anyway. */
const DEFAULT_WHOLE_UP_TO = 64 * 1024 + 22;

/** Reads the first `want` bytes of an open file (fewer only when it ends sooner), in chunks fs accepts (Int32 lengths). */
function readWholeSync(fd: number, want: number): Buffer {
  const buf = Buffer.allocUnsafe(want);
  let got = 0;
  while (got < want) {
    const n = readSync(fd, buf, got, Math.min(want - got, 1 << 30), got);
    if (n === 0) break;
    got += n;
  }
  return got === want ? buf : buf.subarray(0, got);
}

function readAt(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/**
 * Opens a file for random access. Opening, fstat and closing are synchronous (each costs microseconds; a
 * thread-pool round trip per call costs more than reading a small file), and a small file (`wholeUpTo`) is
 * read at once with one synchronous read. Reads of larger files are asynchronous.
 */
export async function openFileSource(path: string, counter: ReadCounter = { bytesRead: 0 }, options: OpenFileOptions = {}): Promise<FileSource> {
  const wholeUpTo = options.wholeUpTo ?? DEFAULT_WHOLE_UP_TO;
  const fd = openSync(path, "r");
  let size: number;
  try {
    const st = fstatSync(fd);
    size = st.size;
    if (st.isFile() && size <= wholeUpTo) {
      const contents = readWholeSync(fd, size);
      closeSync(fd);
      return { ...createBufferSource(contents, counter), contents, close: () => Promise.resolve() };
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let closed = false;
  return {
    size,
    counter,
    contents: undefined,
    async read(offset, length) {
      const [start, end] = clampRange(size, offset, length);
      const want = end - start;
      if (want === 0) return Buffer.alloc(0);
      if (closed) throw new Error(`read of ${path} after close`);
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        // fs reads take an Int32 length: large reads go in chunks of at most 1 GiB.
        const n = await readAt(fd, buf, got, Math.min(want - got, 1 << 30), start + got);
        if (n === 0) break;
        got += n;
      }
      counter.bytesRead += got;
      return got === want ? buf : buf.subarray(0, got);
    },
    close: () => {
      if (!closed) {
        closed = true;
        closeSync(fd);
      }
      return Promise.resolve();
    },
  };
}

/** Reads a whole source into memory; callers check size limits first. */
export async function readAll(source: ByteSource): Promise<Buffer> {
  return source.read(0, source.size);
}
