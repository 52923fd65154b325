/** Progress: the events scan() sends for a large file, and the display that is silent off a terminal. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProgress } from "../../src/cli/progress.js";
import type { ScanProgress } from "../../src/config/scan-options.js";
import { BYTE_PROGRESS_MIN_BYTES, scan } from "../../src/scan/scan.js";

const MiB = 1024 * 1024;

describe("progress events of scan()", () => {
  const dir = mkdtempSync(join(tmpdir(), "modelgate-progress-"));
  const big = join(dir, "big.bin");
  const size = BYTE_PROGRESS_MIN_BYTES + 3 * MiB;
  writeFileSync(big, Buffer.alloc(size, 0xab));
  writeFileSync(join(dir, "small.pkl"), Buffer.from([0x80, 0x02, 0x5d, 0x2e]));

  it("reports the bytes of a large file, scan then digest, each phase ending at its size, then the file done", async () => {
    const events: ScanProgress[] = [];
    await scan([big], { onProgress: (p) => events.push(structuredClone(p)) });
    const last = events.at(-1)!;
    expect(last).toEqual({ done: 1, total: 1, path: big });
    const bytes = events.slice(0, -1);
    expect(bytes.length).toBeGreaterThanOrEqual(2);
    for (const e of bytes) {
      expect(e).toMatchObject({ done: 0, total: 1, path: big, file: { bytesTotal: size } });
      expect(e.file!.bytesDone).toBeGreaterThanOrEqual(0);
      expect(e.file!.bytesDone).toBeLessThanOrEqual(size);
    }
    const phases = bytes.map((e) => e.file!.phase);
    expect(phases.indexOf("digest")).toBeGreaterThan(phases.lastIndexOf("scan"));
    for (const phase of ["scan", "digest"] as const) {
      const of = bytes.filter((e) => e.file!.phase === phase).map((e) => e.file!.bytesDone);
      expect(of.length).toBeGreaterThan(0);
      expect(of).toEqual([...of].sort((a, b) => a - b));
      expect(of.at(-1)).toBe(size);
    }
  });

  it("sends no digest phase without a digest, and no byte events for small files", async () => {
    const events: ScanProgress[] = [];
    await scan([dir], { digest: false, onProgress: (p) => events.push(structuredClone(p)) });
    expect(events.filter((e) => !e.file).map((e) => e.path)).toEqual([big, join(dir, "small.pkl")]);
    expect(events.filter((e) => e.file).every((e) => e.path === big && e.file!.phase === "scan")).toBe(true);
    expect(events.filter((e) => !e.file).map((e) => e.done)).toEqual([1, 2]);
  });
});

describe("the progress display", () => {
  let writes: string[];
  let isTTY: boolean | undefined;
  let ci: string | undefined;
  beforeEach(() => {
    writes = [];
    isTTY = process.stderr.isTTY;
    ci = process.env.CI;
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.stderr.isTTY = isTTY as true;
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  const feed = (enabled: boolean): void => {
    const p = createProgress({ enabled });
    const total = 2 * 1024 * MiB;
    p.update({ done: 0, total: 2, path: "/m/a.pkl" });
    p.update({ done: 1, total: 2, path: "/m/a.pkl" });
    p.update({ done: 1, total: 2, path: "/m/big.ckpt", file: { phase: "scan", bytesDone: 64 * MiB, bytesTotal: total } });
    p.update({ done: 1, total: 2, path: "/m/big.ckpt", file: { phase: "scan", bytesDone: total, bytesTotal: total } });
    p.update({ done: 1, total: 2, path: "/m/big.ckpt", file: { phase: "digest", bytesDone: total, bytesTotal: total } });
    p.update({ done: 2, total: 2, path: "/m/big.ckpt" });
    p.done();
  };

  it("draws nothing when standard error is not a terminal", () => {
    process.stderr.isTTY = false as true;
    delete process.env.CI;
    feed(true);
    expect(writes).toEqual([]);
  });

  it("draws nothing when CI is set", () => {
    process.stderr.isTTY = true;
    process.env.CI = "true";
    feed(true);
    expect(writes).toEqual([]);
  });

  it("draws nothing with --quiet (enabled: false)", () => {
    process.stderr.isTTY = true;
    delete process.env.CI;
    feed(false);
    expect(writes).toEqual([]);
  });

  it("on a terminal, shows files, then the bytes and rate of the large file per phase, and clears the line", () => {
    process.stderr.isTTY = true;
    delete process.env.CI;
    feed(true);
    const text = writes.join("");
    expect(text).toContain("scanning 0/2 /m/a.pkl");
    expect(text).toMatch(/scanning \/m\/big\.ckpt \[#*\.*\] +3% 64\.0 MiB\/2\.00 GiB · 1\/2 files · .*\/s/);
    expect(text).toMatch(/scanning \/m\/big\.ckpt \[#+\] 100% 2\.00 GiB\/2\.00 GiB/);
    expect(text).toMatch(/digest \/m\/big\.ckpt \[#+\] 100% 2\.00 GiB\/2\.00 GiB/);
    expect(writes.at(-1)).toBe("\r\u001b[2K");
  });
});
