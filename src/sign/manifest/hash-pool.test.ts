import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { hashUnits, INLINE_MAX_BYTES, type HashUnit } from "./hash-pool.js";

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

async function rejection(p: Promise<unknown>): Promise<ModelgateError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelgateError) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

describe("hashUnits (worker pool)", () => {
  let dir: string;
  let data: Buffer;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-pool-"));
    data = randomBytes(2 * 1024 * 1024 + 7);
    file = join(dir, "data.bin");
    writeFileSync(file, data);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("returns digests in the units' order whatever the number of workers", async () => {
    const units: HashUnit[] = [
      { path: file, start: 0, end: -1, size: data.length },
      { path: file, start: 5, end: 1_000_005, size: 1_000_000 },
      { path: file, start: 2_000_000, end: data.length, size: data.length - 2_000_000 },
      { path: file, start: 0, end: 1, size: 1 },
    ];
    const expected = [sha256(data), sha256(data.subarray(5, 1_000_005)), sha256(data.subarray(2_000_000)), sha256(data.subarray(0, 1))];
    for (const workers of [0, 1, 3, undefined]) {
      const got = await hashUnits(units, { algorithm: "sha256", noFollow: true, ...(workers === undefined ? {} : { workers }) });
      expect(got.map((d) => d.toString("hex"))).toEqual(expected);
    }
    expect(await hashUnits([], { algorithm: "sha256", noFollow: true })).toEqual([]);
  });

  // The same errors from the inline path (small models) and from worker threads.
  describe.each([
    { mode: "inline", workers: 0 },
    { mode: "worker threads", workers: 1 },
  ])("$mode", ({ workers }) => {
    it("a file that vanished is PATH_NOT_FOUND naming it", async () => {
      const e = await rejection(hashUnits([{ path: join(dir, "gone"), start: 0, end: -1, size: 1 }], { algorithm: "sha256", noFollow: true, workers }));
      expect(e.code).toBe("PATH_NOT_FOUND");
      expect(e.message).toContain(join(dir, "gone"));
    });

    it("a shard past the end of the file (the file shrank) is an error, not a short digest", async () => {
      const e = await rejection(hashUnits([{ path: file, start: 0, end: data.length + 10, size: data.length + 10 }], { algorithm: "sha256", noFollow: true, workers }));
      expect(e.code).toBe("PATH_UNREADABLE");
      expect(e.message).toMatch(/changed while/);
    });

    it("with noFollow, a path that is a symbolic link at open time is refused", async () => {
      const link = join(dir, `link-${workers}`);
      symlinkSync(file, link);
      const e = await rejection(hashUnits([{ path: link, start: 0, end: -1, size: 1 }], { algorithm: "sha256", noFollow: true, workers }));
      expect(e.code).toBe("SYMLINK_NOT_ALLOWED");
      const [d] = await hashUnits([{ path: link, start: 0, end: -1, size: 1 }], { algorithm: "sha256", noFollow: false, workers });
      expect(d!.toString("hex")).toBe(sha256(data));
    });

    it("a directory is refused as not a regular file", async () => {
      const e = await rejection(hashUnits([{ path: dir, start: 0, end: -1, size: 1 }], { algorithm: "sha256", noFollow: true, workers }));
      expect(["UNSUPPORTED", "PATH_UNREADABLE"]).toContain(e.code);
      expect(e.message).toContain(dir);
    });

    it("an error thrown by a progress callback stops hashing with that error", async () => {
      const boom = new Error("stop");
      await expect(
        hashUnits([{ path: file, start: 0, end: -1, size: data.length }], {
          algorithm: "sha256",
          noFollow: true,
          workers,
          onUnitDone: () => {
            throw boom;
          },
        }),
      ).rejects.toBe(boom);
    });
  });

  it("hashes a small model inline and a larger one on worker threads, with the same digests and progress", async () => {
    const small = [{ path: file, start: 0, end: INLINE_MAX_BYTES, size: INLINE_MAX_BYTES }];
    const large = [{ path: file, start: 0, end: -1, size: data.length }];
    for (const units of [small, large]) {
      let bytes = 0;
      const done: number[] = [];
      const [d] = await hashUnits(units, { algorithm: "sha256", noFollow: true, onBytes: (_u, n) => (bytes += n), onUnitDone: (u) => done.push(u) });
      expect(d!.toString("hex")).toBe(sha256(data.subarray(0, units[0]!.end < 0 ? data.length : units[0]!.end)));
      expect(bytes).toBe(units[0]!.size);
      expect(done).toEqual([0]);
    }
  });
});
