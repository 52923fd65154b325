import { LimitError } from "../core/errors.js";
import type { ByteSource, ReadCounter } from "../core/source.js";

/**
 * A ByteSource over decompressed bytes that are never held whole: reads are served from a kept head and tail
 * (what format detection looks at) and otherwise by running the decompressor forward. Reading backwards
 * restarts the decompression from the start, which is allowed only a few times, so only readers that go
 * forward (the tar reader) should be given one; they can tell by `sequential`.
 */
export interface SequentialSource extends ByteSource {
  readonly sequential: true;
}

export function isSequentialSource(source: ByteSource): source is SequentialSource {
  return (source as Partial<SequentialSource>).sequential === true;
}

export interface StreamedSourceOptions {
  /** Exact decompressed size (known from a first pass). */
  size: number;
  /** The first bytes of the output. */
  head: Buffer;
  /** The last bytes of the output. */
  tail: Buffer;
  /** Starts the decompression again from the beginning. */
  open: () => AsyncIterable<Buffer>;
  /** Times the decompression may start over; default 4. */
  maxRestarts?: number;
}

export function createStreamedSource(opts: StreamedSourceOptions): SequentialSource {
  const { size, head, tail } = opts;
  const tailStart = size - tail.length;
  const maxRestarts = opts.maxRestarts ?? 4;
  const counter: ReadCounter = { bytesRead: 0 };
  let restarts = 0;
  let iterator: AsyncIterator<Buffer> | undefined;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  let done = false;

  const next = async (): Promise<boolean> => {
    if (!iterator || done) return false;
    const r = await iterator.next();
    if (r.done) {
      done = true;
      return false;
    }
    chunkStart += chunk.length;
    chunk = r.value;
    return true;
  };

  const restart = async (): Promise<void> => {
    if (iterator) {
      if (restarts >= maxRestarts) {
        throw new LimitError("streamRestarts", restarts + 1, maxRestarts, "a reader went back in a compressed stream too many times");
      }
      restarts++;
      await iterator.return?.();
    }
    iterator = opts.open()[Symbol.asyncIterator]();
    chunk = Buffer.alloc(0);
    chunkStart = 0;
    done = false;
  };

  return {
    size,
    counter,
    sequential: true,
    async read(offset, length) {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new RangeError(`invalid read range offset=${offset} length=${length}`);
      }
      const start = Math.min(offset, size);
      const end = Math.min(size, start + length);
      counter.bytesRead += end - start;
      if (end <= head.length) return head.subarray(start, end);
      if (start >= tailStart && tailStart >= 0) return tail.subarray(start - tailStart, end - tailStart);
      if (!iterator || start < chunkStart) await restart();
      const parts: Buffer[] = [];
      let pos = start;
      while (pos < end) {
        if (pos >= chunkStart + chunk.length) {
          if (!(await next())) break;
          continue;
        }
        const from = pos - chunkStart;
        const take = Math.min(chunk.length - from, end - pos);
        parts.push(chunk.subarray(from, from + take));
        pos += take;
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    },
  };
}
