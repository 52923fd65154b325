import { LimitError } from "../core/errors.js";
import type { ScanLimits } from "../core/limits.js";

/** Checks run every time this many bytes have been produced (the deadline is cheap but not free). */
const DEADLINE_EVERY = 8 * 1024 * 1024;

export interface OutputGuardOptions {
  /** What is being decompressed, for messages: `member "data.pkl"`, `gzip stream`. */
  what: string;
  /** Compressed bytes behind the output: the ratio is output / this. */
  compressedSize: number;
  limits: Readonly<ScanLimits>;
  /** Bytes this output may reach; default `limits.maxMemberBytes`. Infinity for output that is streamed, not held. */
  maxBytes?: number;
  /** Accounts for decompressed bytes under the top-level path (ctx.chargeDecompressed); throws when spent. */
  charge?: (bytes: number) => void;
  /** Throws when the time budget is spent (ctx.checkDeadline). */
  checkDeadline?: () => void;
}

/**
 * Counts what a decompressor produces and throws LimitError as soon as a limit is crossed:
 * the member size, the compression ratio (once `ratioGraceBytes` have been produced) and,
 * through `charge`, the total under the top-level path. Declared sizes are never trusted:
 * only produced bytes count.
 */
export class OutputGuard {
  produced = 0;
  private sinceDeadlineCheck = 0;
  private readonly maxBytes: number;

  constructor(readonly opts: Readonly<OutputGuardOptions>) {
    this.maxBytes = opts.maxBytes ?? opts.limits.maxMemberBytes;
  }

  /** Records `n` more output bytes; throws LimitError when a limit is crossed. */
  add(n: number): void {
    const { limits, what } = this.opts;
    this.produced += n;
    if (this.produced > this.maxBytes) {
      throw new LimitError("maxMemberBytes", this.produced, this.maxBytes, `${what} decompresses to more than ${this.maxBytes} bytes`);
    }
    if (this.produced > limits.ratioGraceBytes) {
      const ratio = this.produced / Math.max(1, this.opts.compressedSize);
      if (ratio > limits.maxCompressionRatio) {
        throw new LimitError(
          "maxCompressionRatio",
          Math.round(ratio),
          limits.maxCompressionRatio,
          `${what} expands more than ${limits.maxCompressionRatio} times (${this.produced} bytes from ${this.opts.compressedSize}): likely a decompression bomb`,
        );
      }
    }
    this.opts.charge?.(n);
    this.sinceDeadlineCheck += n;
    if (this.sinceDeadlineCheck >= DEADLINE_EVERY) {
      this.sinceDeadlineCheck = 0;
      this.opts.checkDeadline?.();
    }
  }
}

/**
 * Limits that concern one member only: the scan of the container can report them for that member
 * and go on with the others. Total size and time limits end the whole container.
 */
export function isMemberLimit(e: unknown): e is LimitError {
  return e instanceof LimitError && (e.limit === "maxMemberBytes" || e.limit === "maxCompressionRatio");
}

/** Collects decompressed chunks under a guard into one Buffer. */
export class BoundedCollector {
  private readonly chunks: Buffer[] = [];
  constructor(readonly guard: OutputGuard) {}

  push(chunk: Buffer): void {
    this.guard.add(chunk.length);
    this.chunks.push(chunk);
  }

  get size(): number {
    return this.guard.produced;
  }

  toBuffer(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }
}
