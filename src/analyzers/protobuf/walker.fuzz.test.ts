/**
 * Fuzz: random and mutated protobuf bytes through the walker with a recursive schema. Only ModelgateError
 * subclasses may escape; every run ends (seeded, bounded iteration count).
 */
import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { SourceCursor } from "./cursor.js";
import { encodeMessage } from "./encoder.js";
import { parsePrefix } from "./prefix.js";
import { defineMessage, type MessageSchema } from "./schema.js";
import { walkMessage } from "./walker.js";
import { mutateBytes, prng } from "../../../test/helpers/fuzz.js";

const Node: MessageSchema = defineMessage("Node", {
  1: { kind: "string", key: "name" },
  2: { kind: "int", key: "dims", repeated: true, keep: 16 },
  3: { kind: "blob", key: "data" },
  4: { kind: "message", key: "child", repeated: true, schema: () => Node, stream: true },
  5: { kind: "message", key: "meta", schema: () => Node },
  6: { kind: "bytes", key: "raw", maxBytes: 32 },
});

function seedMessage(r: () => number, depth = 0): Buffer {
  return encodeMessage((w) => {
    w.string(1, `n${Math.floor(r() * 1000)}`).packed(2, [1, 2, Math.floor(r() * 1e6)]).bytes(3, Buffer.alloc(Math.floor(r() * 64)));
    if (depth < 4) for (let i = 0; i < 1 + Math.floor(r() * 3); i++) w.bytes(4, seedMessage(r, depth + 1));
    if (r() < 0.3) w.message(5, (m) => m.string(1, "meta"));
    if (r() < 0.2) w.fixed32(9, 7).fixed64(10, 9n).varint(11, -1);
  });
}

async function run(buf: Buffer): Promise<void> {
  try {
    await walkMessage(new SourceCursor(createBufferSource(buf)), Node, 0, buf.length, { enter: () => {}, leave: () => {} });
  } catch (e) {
    if (!(e instanceof ModelgateError)) throw e;
  }
  // The sniffing path must never throw at all.
  parsePrefix(buf, 0, Math.min(buf.length, 4096), buf.length);
}

describe("protobuf walker fuzz", () => {
  it("random bytes", async () => {
    const r = prng(1);
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.alloc(Math.floor(r() * 256));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(r() * 256);
      await run(buf);
    }
  });

  it("mutated and truncated valid messages", async () => {
    const r = prng(2);
    const seeds = Array.from({ length: 20 }, () => seedMessage(r));
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 4000; i++) await run(mutateBytes(seeds[i % seeds.length]!, r));
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(256 * 1024 * 1024);
  });
});
