import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { CorruptBlobError, verifyingStream } from "./verifying.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

async function run(chunks: Buffer[], digest: string): Promise<{ out: Buffer; error?: unknown; marked: number }> {
  const got: Buffer[] = [];
  let marked = 0;
  const check = verifyingStream(digest, async () => void marked++);
  try {
    await pipeline(Readable.from(chunks), check, async (source: AsyncIterable<Buffer>) => {
      for await (const c of source) got.push(c);
    });
    return { out: Buffer.concat(got), marked };
  } catch (error) {
    return { out: Buffer.concat(got), error, marked };
  }
}

describe("verifyingStream", () => {
  const chunks = [Buffer.from("aaaa"), Buffer.from("bbbb"), Buffer.from("cccc")];
  const whole = Buffer.concat(chunks);

  it("passes every byte through when the digest matches", async () => {
    const r = await run(chunks, sha(whole));
    expect(r.error).toBeUndefined();
    expect(r.out.equals(whole)).toBe(true);
    expect(r.marked).toBe(0);
  });

  it("on a mismatch withholds the last chunk, fails with CorruptBlobError and marks the blob once", async () => {
    const r = await run(chunks, sha(Buffer.from("something else")));
    expect(r.error).toBeInstanceOf(CorruptBlobError);
    expect(r.out.length).toBeLessThan(whole.length);
    expect(r.marked).toBe(1);
    const one = await run([whole], sha(Buffer.from("x")));
    expect(one.out.length).toBe(0); // a one-chunk file: nothing at all goes out
    expect(one.error).toBeInstanceOf(CorruptBlobError);
  });
});
