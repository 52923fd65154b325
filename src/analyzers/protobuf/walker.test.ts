import { describe, expect, it } from "vitest";
import { LimitError, MalformedError } from "../../core/errors.js";
import { createBufferSource, type ByteSource } from "../../core/source.js";
import { SourceCursor } from "./cursor.js";
import { encodeMessage, encodeTag, encodeVarint } from "./encoder.js";
import { Blob, defineMessage, type Decoded, type MessageSchema } from "./schema.js";
import { DEFAULT_PROTOBUF_LIMITS, walkMessage, type WalkFrame } from "./walker.js";

const Item: MessageSchema = defineMessage("Item", {
  1: { kind: "string", key: "name" },
  2: { kind: "int", key: "dims", repeated: true },
  3: { kind: "blob", key: "payload" },
  4: { kind: "message", key: "child", schema: () => Item, stream: true },
});
const Root: MessageSchema = defineMessage("Root", {
  1: { kind: "int", key: "version" },
  2: { kind: "message", key: "item", repeated: true, schema: () => Item, stream: true },
  3: { kind: "message", key: "meta", schema: () => Meta },
  4: { kind: "string", key: "tags", repeated: true, keep: 2 },
});
const Meta: MessageSchema = defineMessage("Meta", { 1: { kind: "string", key: "a" }, 2: { kind: "string", key: "b" } });

async function walk(buf: Buffer, schema = Root, limits = DEFAULT_PROTOBUF_LIMITS) {
  const items: Array<{ name: string; value: Decoded; depth: number }> = [];
  let root: Decoded = {};
  await walkMessage(new SourceCursor(createBufferSource(buf)), schema, 0, buf.length, {
    leave(frame: WalkFrame, path) {
      if (frame.schema === schema && path.length === 0) root = frame.value;
      else items.push({ name: frame.schema.name, value: frame.value, depth: path.length });
    },
  }, limits);
  return { root, items };
}

describe("walkMessage", () => {
  it("decodes listed fields, streams items, records blobs and skips unknown fields", async () => {
    const buf = encodeMessage((w) =>
      w
        .varint(1, 3)
        .varint(99, 7) // unknown varint
        .string(98, "unknown") // unknown LEN
        .fixed32(97, 1)
        .fixed64(96, 1n)
        .message(2, (i) => i.string(1, "w").packed(2, [2, 3]).bytes(3, Buffer.alloc(100, 1)))
        .message(2, (i) => i.string(1, "b").varint(2, 4).varint(2, 5).message(4, (c) => c.string(1, "nested")))
        .message(3, (m) => m.string(1, "x"))
        .message(3, (m) => m.string(2, "y"))
        .string(4, "t1")
        .string(4, "t2")
        .string(4, "t3"),
    );
    const { root, items } = await walk(buf);
    expect(root).toEqual({ version: 3, meta: { a: "x", b: "y" }, tags: ["t1", "t2"] });
    expect(items.map((i) => [i.name, i.value.name, i.depth])).toEqual([
      ["Item", "w", 1],
      ["Item", "nested", 2],
      ["Item", "b", 1],
    ]);
    expect(items[0]!.value.dims).toEqual([2, 3]);
    expect(items[0]!.value.payload).toBeInstanceOf(Blob);
    expect((items[0]!.value.payload as Blob).length).toBe(100);
    expect(items[2]!.value.dims).toEqual([4, 5]);
  });

  it("keeps the last value of a singular scalar", async () => {
    const { root } = await walk(encodeMessage((w) => w.varint(1, 1).varint(1, 2)));
    expect(root.version).toBe(2);
  });

  it("skips a field whose wire type does not match the schema", async () => {
    const { root } = await walk(encodeMessage((w) => w.string(1, "not a varint").varint(3, 5)));
    expect(root).toEqual({});
  });

  it("skips groups, nested ones included", async () => {
    const buf = Buffer.concat([encodeTag(7, 3), encodeTag(8, 3), encodeTag(1, 0), encodeVarint(1), encodeTag(8, 4), encodeTag(7, 4), encodeTag(1, 0), encodeVarint(9)]);
    const { root } = await walk(buf);
    expect(root).toEqual({ version: 9 });
  });

  it("rejects malformed input with MalformedError", async () => {
    const cases: Buffer[] = [
      Buffer.from([0x12, 0x05, 0x0a]), // length past the end
      Buffer.from([0x08]), // truncated varint
      Buffer.from([0x0e]), // wire type 6
      Buffer.from([0x00]), // field 0
      Buffer.concat([encodeTag(7, 3)]), // unterminated group
      Buffer.concat([encodeTag(7, 4)]), // end-group outside a group
      Buffer.concat([encodeTag(7, 3), encodeTag(8, 4)]), // mismatched group
      Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint
      Buffer.from([0x15, 0x00, 0x00]), // truncated fixed32
    ];
    for (const c of cases) await expect(walk(c)).rejects.toBeInstanceOf(MalformedError);
  });

  it("limits nesting depth", async () => {
    let inner = encodeMessage((w) => w.string(1, "leaf"));
    for (let i = 0; i < 120; i++) {
      const child = inner;
      inner = encodeMessage((w) => w.bytes(4, child));
    }
    const buf = encodeMessage((w) => w.bytes(2, inner));
    await expect(walk(buf)).rejects.toBeInstanceOf(LimitError);
    await expect(walk(buf, Root, { ...DEFAULT_PROTOBUF_LIMITS, maxDepth: 200 })).resolves.toBeDefined();
  });

  it("limits field count, decoded bytes and repeated items", async () => {
    const many = encodeMessage((w) => {
      for (let i = 0; i < 50; i++) w.varint(1, i);
    });
    await expect(walk(many, Root, { ...DEFAULT_PROTOBUF_LIMITS, maxFields: 10 })).rejects.toThrow(/maxFields|protobuf fields/);
    const strings = encodeMessage((w) => w.message(2, (i) => i.string(1, "x".repeat(1000))));
    await expect(walk(strings, Root, { ...DEFAULT_PROTOBUF_LIMITS, maxDecodedBytes: 100 })).rejects.toBeInstanceOf(LimitError);
    const dims = encodeMessage((w) => w.message(2, (i) => i.packed(2, new Array<number>(100).fill(1))));
    await expect(walk(dims, Root, { ...DEFAULT_PROTOBUF_LIMITS, maxItems: 50 })).rejects.toBeInstanceOf(LimitError);
  });

  it("turns strings longer than maxBytes into blobs", async () => {
    const S = defineMessage("S", { 1: { kind: "string", key: "s", maxBytes: 4 } });
    const { root } = await walk(encodeMessage((w) => w.string(1, "abcdefgh")), S);
    expect(root.s).toBeInstanceOf(Blob);
  });

  it("skips big payloads without reading them", async () => {
    // A 64 MiB source of which only headers are ever touched.
    const size = 64 * 1024 * 1024;
    const header = encodeMessage((w) => w.varint(1, 1));
    const itemHead = Buffer.concat([encodeTag(2, 2)]);
    const payloadLen = size - 200;
    const inner = Buffer.concat([encodeTag(1, 2), encodeVarint(1), Buffer.from("a"), encodeTag(3, 2), encodeVarint(payloadLen)]);
    const itemLen = inner.length + payloadLen;
    const prefix = Buffer.concat([header, itemHead, encodeVarint(itemLen), inner]);
    const total = prefix.length + payloadLen;
    let bytesRead = 0;
    const src: ByteSource = {
      size: total,
      counter: { bytesRead: 0 },
      async read(offset, length) {
        const end = Math.min(total, offset + length);
        const out = Buffer.alloc(Math.max(0, end - offset));
        if (offset < prefix.length) prefix.copy(out, 0, offset, Math.min(prefix.length, end));
        bytesRead += out.length;
        return out;
      },
    };
    const seen: string[] = [];
    await walkMessage(new SourceCursor(src), Root, 0, total, { leave: (f) => void seen.push(f.schema.name) });
    expect(seen).toEqual(["Item", "Root"]);
    expect(bytesRead).toBeLessThan(64 * 1024);
  });
});

describe("walkMessage on truncated input", () => {
  it("walks into a message whose length runs past the end, reports its complete children, then throws", async () => {
    const full = encodeMessage((w) =>
      w.message(2, (i) => i.string(1, "outer").message(4, (c) => c.string(1, "complete")).message(4, (c) => c.string(1, "cut-off-here"))),
    );
    const cut = full.subarray(0, full.length - 4);
    const left: string[] = [];
    const err = await walkMessage(new SourceCursor(createBufferSource(cut)), Root, 0, cut.length, {
      leave: (f) => void left.push(`${f.schema.name}:${String(f.value.name ?? "")}`),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedError);
    expect((err as MalformedError).message).toMatch(/truncated/);
    // Only complete messages are handed over: not the cut one, nor the ones that contain it.
    expect(left).toEqual(["Item:complete"]);
  });
});
