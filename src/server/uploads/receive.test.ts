import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { receiveToTemp } from "./receive.js";

describe("receiveToTemp", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mg-recv-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the stream to a temp file and hashes it", async () => {
    const chunks = [Buffer.alloc(1000, 1), Buffer.alloc(2000, 2)];
    const r = await receiveToTemp(Readable.from(chunks), dir, { maxBytes: 10_000, expectedSize: 3000 });
    expect(r.size).toBe(3000);
    expect(r.sha256).toBe(createHash("sha256").update(Buffer.concat(chunks)).digest("hex"));
    expect(readFileSync(r.tempPath).equals(Buffer.concat(chunks))).toBe(true);
  });

  it("stops at the limit (LIMIT_EXCEEDED) or past the declared size (MALFORMED_INPUT) and leaves no temp file", async () => {
    await expect(receiveToTemp(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), dir, { maxBytes: 1000 })).rejects.toMatchObject({ code: "LIMIT_EXCEEDED" });
    await expect(receiveToTemp(Readable.from([Buffer.alloc(600)]), dir, { maxBytes: 1000, expectedSize: 500 })).rejects.toMatchObject({ code: "MALFORMED_INPUT" });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("cleans up when the stream fails midway", async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(10));
        this.destroy(new Error("client went away"));
      },
    });
    await expect(receiveToTemp(failing, dir, { maxBytes: 1000 })).rejects.toThrow("client went away");
    expect(readdirSync(dir).filter((f) => existsSync(join(dir, f)))).toEqual([]);
  });
});
