import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFsBlobStore } from "./fs-blobs.js";

const sha = (s: string): string => createHash("sha256").update(s).digest("hex");

describe("content-addressed folder BlobStore", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mg-blobs-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("stores a temp file under blobs/ab/cdef… and streams it back", async () => {
    const blobs = await createFsBlobStore(join(dir, "blobs"));
    const tmp = join(dir, "upload-1");
    writeFileSync(tmp, "hello");
    const digest = sha("hello");
    expect(await blobs.has(digest)).toBe(false);
    await blobs.putFile(tmp, { sha256: digest, size: 5 });
    expect(existsSync(join(dir, "blobs", digest.slice(0, 2), digest.slice(2)))).toBe(true);
    expect(existsSync(tmp)).toBe(false);
    expect(await blobs.has(digest)).toBe(true);
    expect(await text(await blobs.get(digest))).toBe("hello");
  });

  it("is idempotent, and a second copy of a stored blob is dropped", async () => {
    const blobs = await createFsBlobStore(join(dir, "blobs"));
    for (const name of ["a", "b"]) {
      writeFileSync(join(dir, name), "same");
      await blobs.putFile(join(dir, name), { sha256: sha("same"), size: 4 });
    }
    expect(readdirSync(dir).sort()).toEqual(["blobs"]);
  });

  it("refuses a size that does not match and digests that are not hex", async () => {
    const blobs = await createFsBlobStore(join(dir, "blobs"));
    writeFileSync(join(dir, "t"), "abc");
    await expect(blobs.putFile(join(dir, "t"), { sha256: sha("abc"), size: 4 })).rejects.toMatchObject({ code: "INTERNAL" });
    expect(await blobs.has(sha("abc"))).toBe(false);
    await expect(blobs.get("../../etc/passwd")).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(blobs.get(sha("missing"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("deletes and pings", async () => {
    const blobs = await createFsBlobStore(join(dir, "blobs"));
    writeFileSync(join(dir, "t"), "x");
    await blobs.putFile(join(dir, "t"), { sha256: sha("x"), size: 1 });
    writeFileSync(join(dir, "u"), "y");
    await blobs.putFile(join(dir, "u"), { sha256: sha("y"), size: 1 });
    await blobs.delete(sha("x"));
    expect(await blobs.has(sha("x"))).toBe(false);
    await expect(blobs.get(sha("x"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await blobs.has(sha("y"))).toBe(true); // only that digest
    await expect(blobs.delete(sha("x"))).resolves.toBeUndefined(); // deleting an absent blob is fine
    await expect(blobs.delete("../../etc/passwd")).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(blobs.ping()).resolves.toBeUndefined();
  });
});
