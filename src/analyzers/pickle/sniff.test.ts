import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { looksLikePickle } from "./sniff.js";
import { pickle } from "./testing/assembler.js";
import { prng } from "../../../test/helpers/fuzz.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = resolve(ROOT, "test/fixtures/pickle");
const PICKLESCAN = resolve(ROOT, "../shared/corpus/picklescan/tests");

describe("looksLikePickle", () => {
  it("accepts pickles of every protocol", () => {
    for (const p of [0, 1, 2, 3, 4, 5]) {
      expect(looksLikePickle(readFileSync(resolve(FIXTURES, `builtins_p${p}.pkl`)))).toBe(true);
    }
    expect(looksLikePickle(pickle().none().stop().done())).toBe(true);
  });

  it("accepts a PROTO followed by a length larger than the data (a cut-off or broken pickle)", () => {
    expect(looksLikePickle(pickle(4).raw(0x58, Buffer.from([0xff, 0xff, 0xff, 0x7f]), "tiny").done())).toBe(true);
  });

  it("PROTO 0–5 then FRAME is a pickle whatever follows (a frame cut off, junk after it); PROTO 6 is not", () => {
    for (const proto of [0, 1, 2, 3, 4, 5]) {
      for (const rest of [[], [0x01], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x08, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00]]) {
        expect(looksLikePickle(Buffer.from([0x80, proto, 0x95, ...rest])), `${proto} ${rest.length}`).toBe(true);
      }
    }
    expect(looksLikePickle(Buffer.from([0x80, 6, 0x95, 8, 0, 0, 0, 0, 0, 0, 0, 0x4e, 0x2e]))).toBe(false);
  });

  it("accepts a pickle given only the first bytes of a long file", () => {
    const full = pickle(4).frame(100_000).emptyDict().mark().str("weights").binbytes(Buffer.alloc(100_000)).setitems().stop().done();
    expect(looksLikePickle(full.subarray(0, 4096))).toBe(true);
  });

  it("accepts STACK_GLOBAL from STRING operands without PROTO (malicious23.pkl) and broken pickles that import", () => {
    expect(looksLikePickle(pickle().string("os").string("system").stackGlobal().string("ls").tuple1().reduce().stop().done())).toBe(true);
    expect(looksLikePickle(pickle().global("builtins", "exec").mark().raw(0x58, Buffer.from([0xff, 0xff, 0xff, 0x20])).done())).toBe(true);
  });

  it("refuses a GLOBAL with invalid UTF-8 (picklescan not_a_pickle.bin)", () => {
    expect(looksLikePickle(Buffer.from("cmod\n\xf8\n", "latin1"))).toBe(false);
  });

  it.skipIf(!existsSync(PICKLESCAN))("agrees with picklescan's not_a_pickle.bin and malicious23.pkl", () => {
    expect(looksLikePickle(readFileSync(resolve(PICKLESCAN, "data/not_a_pickle.bin")))).toBe(false);
    expect(looksLikePickle(readFileSync(resolve(PICKLESCAN, "data2/malicious23.pkl")))).toBe(true);
  });

  it("refuses text, source code, JSON and a bare PROTO byte pair followed by junk", () => {
    for (const text of [
      "hello world\n",
      "class TinyNet(Module):\n  __parameters__ = []\n  def forward(self, x):\n    return x\n",
      'import os\nos.system("id")\n',
      '{"a": 1}',
      "name,value\nx,1\n",
      "cat /etc/passwd | sort\n",
      "# comment\n",
      "\x80\x04\xff\xff",
      "",
      "N",
    ]) {
      expect(looksLikePickle(Buffer.from(text, "latin1")), JSON.stringify(text)).toBe(false);
    }
  });

  it("refuses raw float, int and random data", () => {
    const floats = Buffer.alloc(4096);
    for (let i = 0; i < 512; i++) floats.writeDoubleLE(Math.sin(i) * 1000, i * 8);
    expect(looksLikePickle(floats)).toBe(false);
    const f32 = Buffer.alloc(4096);
    for (let i = 0; i < 1024; i++) f32.writeFloatLE(i / 7, i * 4);
    expect(looksLikePickle(f32)).toBe(false);
    const rand = prng(1);
    let accepted = 0;
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.alloc(256);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
      if (looksLikePickle(b)) accepted++;
    }
    expect(accepted).toBeLessThan(5);
  });
});
