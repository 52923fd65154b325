import type { ScanProgress } from "../config/scan-options.js";

export interface Progress {
  update: (p: ScanProgress) => void;
  done: () => void;
}

/**
 * A one-line progress display on an interactive stderr; silent in CI and pipes. Across files it shows
 * `scanning 3/10 name`; while one large file is scanned or digested (events with `file`), the byte bar of
 * createByteProgress for that file and phase (bytes done, rate).
 */
export function createProgress({ enabled }: { enabled: boolean }): Progress {
  const active = progressActive(enabled);
  let shown = false;
  let last = 0;
  let bar: { key: string; progress: ByteProgress } | undefined;
  const endBar = (): void => {
    bar?.progress.done();
    bar = undefined;
  };
  return {
    update(p) {
      if (!active) return;
      if (p.file) {
        const key = `${p.file.phase}\u0000${p.path}`;
        if (bar?.key !== key) {
          endBar();
          const label = `${p.file.phase === "digest" ? "digest" : "scanning"} ${shortName(p.path, 24)}`;
          bar = { key, progress: createByteProgress({ enabled, label, minBytes: 0 }) };
        }
        bar.progress.update({ bytesDone: p.file.bytesDone, bytesTotal: p.file.bytesTotal, filesDone: p.done, filesTotal: p.total });
        return;
      }
      if (bar?.key.endsWith(`\u0000${p.path}`)) endBar();
      const now = Date.now();
      if (bar || (now - last < 100 && p.done !== p.total)) return;
      last = now;
      const width = Math.max(20, (process.stderr.columns ?? 80) - 30);
      process.stderr.write(`\r\u001b[2Kscanning ${p.done}/${p.total} ${shortName(p.path, width)}`);
      shown = true;
    },
    done() {
      endBar();
      if (shown) process.stderr.write("\r\u001b[2K");
      shown = false;
    },
  };
}

/** A path cut to its last `width` characters. */
function shortName(path: string, width: number): string {
  return path.length > width ? `…${path.slice(-(width - 1))}` : path;
}

/** Progress may be drawn: it was asked for, standard error is a terminal, and CI is not set. */
export function progressActive(enabled: boolean): boolean {
  return enabled && process.stderr.isTTY === true && !process.env.CI;
}

/** Counts of a long byte-by-byte job (hashing a model); the shape of sign/manifest's HashProgress. */
export interface ByteCount {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface ByteProgress {
  update: (p: ByteCount) => void;
  done: () => void;
}

const fmtBytes = (n: number): string =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;

/**
 * A one-line progress bar (bar, percent, bytes, files, rate) on an interactive stderr, for jobs of at least
 * `minBytes` (small ones finish before a bar helps); silent in CI and pipes.
 */
export function createByteProgress({ enabled, label, minBytes = 64 * 1024 ** 2 }: { enabled: boolean; label: string; minBytes?: number }): ByteProgress {
  const active = progressActive(enabled);
  const started = Date.now();
  let shown = false;
  let last = 0;
  return {
    update(p) {
      if (!active || p.bytesTotal < minBytes) return;
      const now = Date.now();
      if (now - last < 100 && p.bytesDone !== p.bytesTotal) return;
      last = now;
      // A file that grows while it is read can take bytesDone past the total.
      const ratio = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 1;
      const width = Math.max(10, Math.min(30, (process.stderr.columns ?? 80) - 60));
      const filled = Math.round(ratio * width);
      const rate = p.bytesDone / Math.max(0.001, (now - started) / 1000);
      process.stderr.write(
        `\r\u001b[2K${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ` +
          `${fmtBytes(p.bytesDone)}/${fmtBytes(p.bytesTotal)} · ${p.filesDone}/${p.filesTotal} files · ${fmtBytes(rate)}/s`,
      );
      shown = true;
    },
    done() {
      if (shown) process.stderr.write("\r\u001b[2K");
      shown = false;
    },
  };
}
