import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3rver, type S3rverInstance } from "../../../test/helpers/s3rver.js";
import { blobKey, createS3BlobStore } from "./s3-blobs.js";
import type { BlobStore } from "./types.js";

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: h.digest("hex"), size };
}

/** Recursively lists files under dir (s3rver's storage), to check what it holds. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe("S3 blob store against s3rver", () => {
  let s3: S3rverInstance;
  let tmp: string;
  let store: BlobStore;

  beforeAll(async () => {
    s3 = await startS3rver();
    tmp = mkdtempSync(join(tmpdir(), "modelgate-s3-test-"));
    store = await createS3BlobStore({ ...s3.config, partSize: 5 * 1024 * 1024 }, join(tmp, "uploads"));
  });

  afterAll(async () => {
    await s3?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function tempFile(name: string, data: Buffer): string {
    const p = join(tmp, name);
    writeFileSync(p, data);
    return p;
  }

  it("is an s3 store whose bucket answers ping", async () => {
    expect(store.kind).toBe("s3");
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("stores a file under its digest, then gets, has and deletes it", async () => {
    const data = Buffer.from("safetensors-ish bytes\n".repeat(100));
    const digest = sha256(data);
    const p = tempFile("small", data);
    expect(await store.has(digest)).toBe(false);
    await store.putFile(p, { sha256: digest, size: data.length });
    expect(existsSync(p)).toBe(false); // consumed, like the fs store's move
    expect(await store.has(digest)).toBe(true);
    expect(await readAll(await store.get(digest))).toEqual(data);
    const stored = await listFiles(s3.directory);
    expect(stored.some((f) => f.includes(`blobs/${digest.slice(0, 2)}/${digest}`))).toBe(true);
    await store.delete(digest);
    expect(await store.has(digest)).toBe(false);
    await expect(store.get(digest)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(store.delete(digest)).resolves.toBeUndefined(); // deleting an absent blob is fine
  });

  it("deletes only the named blob, and refuses a key that is not a digest", async () => {
    const a = Buffer.from("blob a"), b = Buffer.from("blob b");
    await store.putFile(tempFile("a", a), { sha256: sha256(a), size: a.length });
    await store.putFile(tempFile("b", b), { sha256: sha256(b), size: b.length });
    await store.delete(sha256(a));
    expect(await store.has(sha256(a))).toBe(false);
    expect(await readAll(await store.get(sha256(b)))).toEqual(b);
    await expect(store.delete("../" + sha256(b))).rejects.toMatchObject({ code: "INVALID_OPTION" });
    expect(await store.has(sha256(b))).toBe(true);
  });

  it("is idempotent: a second put of the same content keeps one object and the same bytes", async () => {
    const data = Buffer.from("the same content twice");
    const digest = sha256(data);
    await store.putFile(tempFile("dup1", data), { sha256: digest, size: data.length });
    await store.putFile(tempFile("dup2", data), { sha256: digest, size: data.length });
    await Promise.all([
      store.putFile(tempFile("dup3", data), { sha256: digest, size: data.length }),
      store.putFile(tempFile("dup4", data), { sha256: digest, size: data.length }),
    ]);
    expect(await readAll(await store.get(digest))).toEqual(data);
    expect(existsSync(join(tmp, "dup2"))).toBe(false);
  });

  it("refuses a temp file whose size is not the declared one, storing nothing", async () => {
    const data = Buffer.from("twelve bytes");
    const digest = sha256(data);
    await expect(store.putFile(tempFile("short", data), { sha256: digest, size: 13 })).rejects.toMatchObject({ code: "INTERNAL" });
    expect(await store.has(digest)).toBe(false);
  });

  it("refuses keys that are not SHA-256 digests (no path tricks in object keys)", async () => {
    expect(() => blobKey("../../etc/passwd")).toThrow(/SHA-256/);
    await expect(store.get("../" + "a".repeat(61))).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(store.has("A".repeat(64))).rejects.toMatchObject({ code: "INVALID_OPTION" });
    expect(blobKey("ab" + "0".repeat(62))).toBe(`blobs/ab/ab${"0".repeat(62)}`);
  });

  it("uploads a 64 MiB file in parts, streamed from the temp file, and reads back the same digest", async () => {
    const size = 64 * 1024 * 1024 + 12345;
    const p = join(tmp, "large");
    const h = createHash("sha256");
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(p);
      out.on("error", reject);
      const chunk = Buffer.alloc(1024 * 1024);
      let written = 0;
      let counter = 0;
      const write = (): void => {
        while (written < size) {
          for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE(counter++ >>> 0, i);
          const n = Math.min(chunk.length, size - written);
          const piece = Buffer.from(chunk.subarray(0, n));
          h.update(piece);
          written += n;
          if (!out.write(piece)) {
            out.once("drain", write);
            return;
          }
        }
        out.end(resolve);
      };
      write();
    });
    const digest = h.digest("hex");
    await store.putFile(p, { sha256: digest, size });
    expect(await store.has(digest)).toBe(true);
    expect(await hashStream(await store.get(digest))).toEqual({ sha256: digest, size });
    // Sent as a multipart upload of 13 parts of ≤ 5 MiB, not as one 64 MiB PUT.
    const parts = s3.requests.filter((r) => r.startsWith("PUT ") && r.includes(digest) && /[?&]partNumber=/.test(r));
    expect(parts).toHaveLength(13);
    expect(s3.requests.filter((r) => r.startsWith("POST ") && r.includes(digest))).toHaveLength(2); // initiate + complete
  });

  it("fails with a clear error when the bucket is missing, and creates it only when asked", async () => {
    const other = { ...s3.config, bucket: "not-created-yet" };
    await expect(createS3BlobStore(other, join(tmp, "u2"))).rejects.toMatchObject({ code: "INVALID_OPTION", message: expect.stringContaining("not-created-yet") });
    const created = await createS3BlobStore({ ...other, createBucket: true }, join(tmp, "u2"));
    await expect(created.ping()).resolves.toBeUndefined();
  });

  it("reports an unreachable endpoint as a network error", async () => {
    await expect(createS3BlobStore({ ...s3.config, endpoint: "http://127.0.0.1:1" }, join(tmp, "u3"))).rejects.toMatchObject({ code: "NETWORK_ERROR" });
  });
});
