import { describe, expect, it } from "vitest";
import { constantBytes, couldEmbedPickle, findEmbeddedPickle } from "./nested.js";
import { pickle } from "./testing/assembler.js";
import { listValue, type Value } from "./values.js";

const INNER = pickle(4).global("builtins", "print").str("MALICIOUS").tuple1().reduce().stop().done();
const MAX = 1 << 30;

const str = (text: string): Value => ({ kind: "str", src: Buffer.from(text, "utf8"), start: 0, length: Buffer.byteLength(text), encoding: "utf8", text: undefined });
const global = (module: string, name: string): Value => ({
  kind: "global",
  site: { module, name, offset: 0, opcode: "GLOBAL", imports: 1, called: 1, rebuilt: 0, useOffset: 0, useOpcode: "REDUCE" },
  module,
  name,
  override: undefined,
});
const call = (module: string, name: string, ...args: Value[]): Value => ({
  kind: "call",
  opcode: "REDUCE",
  callee: global(module, name),
  args: listValue("tuple", args, args.length),
  state: undefined,
  offset: 0,
});

describe("findEmbeddedPickle", () => {
  it("finds raw, base64, urlsafe base64, hex and latin-1 encoded pickles", () => {
    expect(findEmbeddedPickle(INNER, MAX)).toMatchObject({ encoding: "raw" });
    const b64 = findEmbeddedPickle(Buffer.from(INNER.toString("base64")), MAX);
    expect(b64?.encoding).toBe("base64");
    expect(b64?.data.equals(INNER)).toBe(true);
    expect(findEmbeddedPickle(Buffer.from(INNER.toString("base64url")), MAX)?.data.equals(INNER)).toBe(true);
    const hex = findEmbeddedPickle(Buffer.from(INNER.toString("hex").toUpperCase()), MAX);
    expect(hex?.encoding).toBe("hex");
    expect(hex?.data.equals(INNER)).toBe(true);
    const latin1 = findEmbeddedPickle(Buffer.from(INNER.toString("latin1"), "utf8"), MAX);
    expect(latin1?.encoding).toBe("latin1");
    expect(latin1?.data.equals(INNER)).toBe(true);
    expect(findEmbeddedPickle(pickle().global("os", "system").string("id").tuple1().reduce().stop().done(), MAX)?.encoding).toBe("raw");
  });

  it("ignores text, base64 of text, hex digests and short values", () => {
    for (const s of [
      "just a sentence that is long enough",
      Buffer.from("os.system('echo ATTACK')").toString("base64"),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "SGVsbG8gV29ybGQhIFRoaXMgaXMgYmFzZTY0",
      "\x80\x04short",
    ]) {
      expect(findEmbeddedPickle(Buffer.from(s, "latin1"), MAX), s).toBeUndefined();
    }
    expect(findEmbeddedPickle(Buffer.alloc(4096, 0), MAX)).toBeUndefined();
  });
});

describe("constantBytes", () => {
  it("evaluates the well-known pure decoders a payload uses to build its bytes", () => {
    const text = INNER.toString("latin1");
    expect(constantBytes(call("_codecs", "encode", str(text), str("latin1")), MAX)?.equals(INNER)).toBe(true);
    expect(constantBytes(call("base64", "b64decode", str(INNER.toString("base64"))), MAX)?.equals(INNER)).toBe(true);
    expect(constantBytes(call("binascii", "unhexlify", str(INNER.toString("hex"))), MAX)?.equals(INNER)).toBe(true);
    expect(constantBytes(call("builtins", "bytes", call("base64", "b64decode", str(INNER.toString("base64")))), MAX)?.equals(INNER)).toBe(true);
    expect(constantBytes({ kind: "bytes", src: Buffer.concat([Buffer.from("xx"), INNER]), start: 2, length: INNER.length }, MAX)?.equals(INNER)).toBe(true);
  });

  it("gives up on anything else", () => {
    expect(constantBytes(call("mymod", "decode", str("x")), MAX)).toBeUndefined();
    expect(constantBytes(call("_codecs", "encode", str("x"), str("rot13")), MAX)).toBeUndefined();
    expect(constantBytes({ kind: "none" }, MAX)).toBeUndefined();
    expect(constantBytes(undefined, MAX)).toBeUndefined();
  });
});

describe("couldEmbedPickle, the cheap test before findEmbeddedPickle", () => {
  it("passes every constant findEmbeddedPickle finds a pickle in (every encoding, with surrounding whitespace, at an offset in a larger buffer)", () => {
    const found: Buffer[] = [
      INNER,
      Buffer.from(INNER.toString("base64")),
      Buffer.from(INNER.toString("base64url")),
      Buffer.from(`  \n${INNER.toString("base64")}\n`),
      Buffer.from(INNER.toString("hex")),
      Buffer.from(` ${INNER.toString("hex").toUpperCase()}\t`),
      Buffer.from(INNER.toString("latin1"), "utf8"),
    ];
    for (const c of found) {
      expect(findEmbeddedPickle(c, MAX)).toBeDefined();
      const padded = Buffer.concat([Buffer.from("xyz"), c, Buffer.from("tail")]);
      expect(couldEmbedPickle(padded, 3, c.length)).toBe(true);
    }
  });

  it("never rejects what findEmbeddedPickle accepts, over random and pickle-like constants", () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const alphabets = ["abcdef0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= \n", "cos\nsystem\n(S'id'\ntR.", "sample-.json0123456789"];
    for (let i = 0; i < 5000; i++) {
      const len = 16 + rnd(120);
      const alpha = alphabets[rnd(alphabets.length)]!;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = rnd(4) === 0 ? rnd(256) : alpha.charCodeAt(rnd(alpha.length));
      if (rnd(3) === 0) INNER.copy(b, 0, 0, Math.min(len, INNER.length));
      if (findEmbeddedPickle(b, MAX) !== undefined) expect(couldEmbedPickle(b, 0, b.length)).toBe(true);
    }
  });

  it("rejects ordinary names without looking further", () => {
    expect(couldEmbedPickle(Buffer.from("sample-00000001.json"), 0, 20)).toBe(false);
    expect(couldEmbedPickle(Buffer.from("model.layers.0.self_attn.q_proj.weight"), 0, 38)).toBe(false);
  });
});
