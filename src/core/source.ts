import { open, type FileHandle } from "node:fs/promises";

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
  close(): Promise<void>;
}

export async function openFileSource(path: string, counter: ReadCounter = { bytesRead: 0 }): Promise<FileSource> {
  const handle: FileHandle = await open(path, "r");
  const { size } = await handle.stat();
  return {
    size,
    counter,
    async read(offset, length) {
      const [start, end] = clampRange(size, offset, length);
      const want = end - start;
      if (want === 0) return Buffer.alloc(0);
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        // fs reads take an Int32 length: large reads go in chunks of at most 1 GiB.
        const { bytesRead } = await handle.read(buf, got, Math.min(want - got, 1 << 30), start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      counter.bytesRead += got;
      return got === want ? buf : buf.subarray(0, got);
    },
    close: () => handle.close(),
  };
}

/** Reads a whole source into memory; callers check size limits first. */
export async function readAll(source: ByteSource): Promise<Buffer> {
  return source.read(0, source.size);
}
