import type { ByteSource } from "../../core/source.js";

/** Smallest and largest read made to refill the window. */
export const MIN_READAHEAD = 4 * 1024;
export const MAX_READAHEAD = 1024 * 1024;

/**
 * A read window over a ByteSource for a forward-moving parser.
 *
 * Reads are sized adaptively: while the parser consumes bytes sequentially the read-ahead doubles (up to
 * MAX_READAHEAD); after it skips a payload without reading it (a tensor's raw bytes) the next read starts small
 * again. So walking a file whose bulk is skipped payloads costs a few KiB per payload, not the file size.
 */
export class SourceCursor {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  private readahead = MIN_READAHEAD;

  constructor(readonly source: ByteSource) {}

  get size(): number {
    return this.source.size;
  }

  /** The bytes currently held and the file offset of their first byte (for synchronous decoding). */
  get buffer(): Buffer {
    return this.window;
  }
  get bufferStart(): number {
    return this.windowStart;
  }
  get bufferEnd(): number {
    return this.windowStart + this.window.length;
  }

  /** True when [pos, pos + n) (clipped to the end of the source) is in the window. */
  has(pos: number, n: number): boolean {
    const want = Math.min(pos + n, this.source.size);
    return pos >= this.windowStart && want <= this.bufferEnd;
  }

  /**
   * Makes [pos, pos + n) (clipped to the end of the source) available in the window.
   * Callers check has() first so the common case costs no await.
   */
  async ensure(pos: number, n: number): Promise<void> {
    if (this.has(pos, n)) return;
    const sequential = pos >= this.windowStart && pos <= this.bufferEnd;
    this.readahead = sequential ? Math.min(MAX_READAHEAD, this.readahead * 2) : MIN_READAHEAD;
    const len = Math.min(Math.max(n, this.readahead), Math.max(0, this.source.size - pos));
    this.window = await this.source.read(pos, len);
    this.windowStart = pos;
  }

  /**
   * The bytes [pos, pos + len). Served from the window when they are in it; a large range is read on its own
   * so the window keeps its size. Callers bound `len` before asking.
   */
  async bytes(pos: number, len: number): Promise<Buffer> {
    if (len === 0) return Buffer.alloc(0);
    if (!this.has(pos, len)) {
      if (len > MAX_READAHEAD) return this.source.read(pos, len);
      await this.ensure(pos, len);
    }
    const off = pos - this.windowStart;
    return this.window.subarray(off, off + len);
  }
}
