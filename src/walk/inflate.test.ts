import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { MalformedError } from "../core/errors.js";
import { createBufferSource } from "../core/source.js";
import { gunzipChunks, gzipStoredName, inflateChunks, type GzipInfo, type InflateResult } from "./inflate.js";

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe("inflateChunks", () => {
  it("inflates raw deflate and says how many input bytes the stream took", async () => {
    const data = Buffer.from("abc".repeat(10000));
    const raw = zlib.deflateRawSync(data);
    const result: InflateResult = { consumed: 0 };
    const src = createBufferSource(Buffer.concat([raw, Buffer.from("trailing bytes")]));
    expect((await collect(inflateChunks(src, 0, src.size, "raw", result))).equals(data)).toBe(true);
    expect(result.consumed).toBe(raw.length);
  });

  it("inflates zlib streams", async () => {
    const src = createBufferSource(zlib.deflateSync(Buffer.from("hello")));
    expect((await collect(inflateChunks(src, 0, src.size, "zlib"))).toString()).toBe("hello");
  });

  it("throws MalformedError for corrupt and truncated data", async () => {
    const bad = createBufferSource(Buffer.from([0xff, 0xff, 0xff]));
    await expect(collect(inflateChunks(bad, 0, bad.size, "raw"))).rejects.toBeInstanceOf(MalformedError);
    const raw = zlib.deflateRawSync(Buffer.alloc(100000, 1));
    const cut = createBufferSource(raw.subarray(0, raw.length - 5));
    await expect(collect(inflateChunks(cut, 0, cut.size, "raw"))).rejects.toBeInstanceOf(MalformedError);
  });

  it("stops reading input when the consumer stops", async () => {
    const src = createBufferSource(zlib.deflateRawSync(Buffer.alloc(50 * 1024 * 1024)));
    for await (const chunk of inflateChunks(src, 0, src.size, "raw")) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(src.counter.bytesRead).toBeLessThan(src.size + 1);
  });
});

describe("gunzipChunks", () => {
  it("reads concatenated members, checks trailers and notes trailing data", async () => {
    const gz = Buffer.concat([zlib.gzipSync(Buffer.from("one ")), zlib.gzipSync(Buffer.from("two")), Buffer.from("garbage")]);
    const info: GzipInfo = { members: 0, badTrailers: [] };
    expect((await collect(gunzipChunks(createBufferSource(gz), info))).toString()).toBe("one two");
    expect(info.members).toBe(2);
    expect(info.trailing?.length).toBe(7);
    expect(info.badTrailers).toEqual([]);
  });

  it("notes a bad CRC without losing the data", async () => {
    const gz = zlib.gzipSync(Buffer.from("payload"));
    gz.writeUInt32LE(1, gz.length - 8);
    const info: GzipInfo = { members: 0, badTrailers: [] };
    expect((await collect(gunzipChunks(createBufferSource(gz), info))).toString()).toBe("payload");
    expect(info.badTrailers).toEqual([0]);
  });

  it("reads FNAME and rejects bad headers", async () => {
    const header = Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3]);
    const body = zlib.gzipSync(Buffer.from("x")).subarray(10);
    expect(await gzipStoredName(createBufferSource(Buffer.concat([header, Buffer.from("orig.pkl\0"), body])))).toBe("orig.pkl");
    const reserved = Buffer.from([0x1f, 0x8b, 8, 0x80, 0, 0, 0, 0, 0, 3]);
    await expect(collect(gunzipChunks(createBufferSource(Buffer.concat([reserved, body])), { members: 0, badTrailers: [] }))).rejects.toBeInstanceOf(MalformedError);
  });
});
