import { describe, expect, it } from "vitest";
import { LimitError } from "../core/errors.js";
import { createStreamedSource, isSequentialSource } from "./streamed-source.js";

const data = Buffer.from(Array.from({ length: 10000 }, (_, i) => i & 0xff));

function source(maxRestarts?: number) {
  let opens = 0;
  const open = async function* () {
    opens++;
    for (let i = 0; i < data.length; i += 777) yield data.subarray(i, i + 777);
  };
  const s = createStreamedSource({ size: data.length, head: data.subarray(0, 1000), tail: data.subarray(9000), open, ...(maxRestarts !== undefined ? { maxRestarts } : {}) });
  return { s, opens: () => opens };
}

describe("createStreamedSource", () => {
  it("serves head and tail from memory and the middle by decompressing forward", async () => {
    const { s, opens } = source();
    expect(isSequentialSource(s)).toBe(true);
    expect((await s.read(10, 20)).equals(data.subarray(10, 30))).toBe(true);
    expect((await s.read(9500, 1000)).equals(data.subarray(9500))).toBe(true);
    expect(opens()).toBe(0);
    expect((await s.read(1500, 3000)).equals(data.subarray(1500, 4500))).toBe(true);
    expect((await s.read(4500, 4600)).equals(data.subarray(4500, 9100))).toBe(true);
    expect(opens()).toBe(1);
  });

  it("restarts for a backward read, a bounded number of times", async () => {
    const { s } = source(1);
    await s.read(5000, 10);
    expect((await s.read(2000, 10)).equals(data.subarray(2000, 2010))).toBe(true);
    await s.read(6000, 10);
    await expect(s.read(2000, 10)).rejects.toBeInstanceOf(LimitError);
  });
});
