import type { ScanProgress } from "../config/scan-options.js";

export interface Progress {
  update: (p: ScanProgress) => void;
  done: () => void;
}

/** A one-line progress display on an interactive stderr; silent in CI and pipes. */
export function createProgress({ enabled }: { enabled: boolean }): Progress {
  const active = enabled && process.stderr.isTTY === true && !process.env.CI;
  let shown = false;
  let last = 0;
  return {
    update(p) {
      if (!active) return;
      const now = Date.now();
      if (now - last < 100 && p.done !== p.total) return;
      last = now;
      const width = Math.max(20, (process.stderr.columns ?? 80) - 30);
      const name = p.path.length > width ? `…${p.path.slice(-(width - 1))}` : p.path;
      process.stderr.write(`\r\u001b[2Kscanning ${p.done}/${p.total} ${name}`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write("\r\u001b[2K");
      shown = false;
    },
  };
}
