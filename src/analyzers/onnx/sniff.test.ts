import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { encodeMessage } from "../protobuf/encoder.js";
import { looksLikeOnnx } from "./sniff.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIX = join(ROOT, "test/fixtures/onnx");
const HEAD = 64 * 1024;

const sniff = (buf: Buffer, name = "model.bin"): boolean => looksLikeOnnx(buf.subarray(0, HEAD), buf.length, name);

describe("looksLikeOnnx", () => {
  it("recognises every generated fixture by content", () => {
    for (const dir of ["benign", "malicious"]) {
      for (const f of readdirSync(join(FIX, dir)).filter((x) => x.endsWith(".onnx"))) {
        expect(sniff(readFileSync(join(FIX, dir, f)), "data.bin"), f).toBe(true);
      }
    }
    expect(sniff(readFileSync(join(FIX, "benign/external/model.onnx")), "x")).toBe(true);
  });

  it("recognises a model whose head ends inside a huge initializer", () => {
    const buf = encodeMessage((m) =>
      m.varint(1, 8).string(2, "pytorch").string(3, "2.1").message(7, (g) =>
        g.message(5, (t) => t.packed(1, [65536, 4]).varint(2, 1).string(8, "embedding.weight").bytes(9, Buffer.alloc(1 << 20))),
      ),
    );
    expect(sniff(buf)).toBe(true);
    // The same head from a file that is cut short still says ONNX (the analyzer reports the truncation).
    expect(looksLikeOnnx(buf.subarray(0, HEAD), HEAD, "x")).toBe(true);
  });

  it("needs an IR version and ONNX content; the .onnx name only breaks ties", () => {
    const noGraph = encodeMessage((m) => m.varint(1, 8).string(2, "exporter"));
    expect(sniff(noGraph)).toBe(false);
    expect(sniff(noGraph, "model.onnx")).toBe(true);
    const noIr = encodeMessage((m) => m.string(2, "exporter").message(8, (o) => o.string(1, "").varint(2, 13)));
    expect(sniff(noIr, "model.onnx")).toBe(false);
    const badIr = encodeMessage((m) => m.varint(1, 9999).message(8, (o) => o.string(1, "").varint(2, 13)));
    expect(sniff(badIr)).toBe(false);
  });

  it("rejects random bytes, text and JSON", () => {
    let s = 99;
    const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < 3000; i++) {
      const len = 1 + (next() % 300);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = next() & 0xff;
      if (i % 2 === 0) buf[0] = 0x08;
      expect(sniff(buf)).toBe(false);
    }
    for (const t of ["ir_version: 8\ngraph {\n", '{"ir_version": 8}', "\b\u0007hello"]) expect(sniff(Buffer.from(t))).toBe(false);
  });
});
