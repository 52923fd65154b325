import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FormatId } from "../../core/format.js";
import { createBufferSource } from "../../core/source.js";
import { detectSource } from "../../detect/detect.js";
import { sniffUnsupported } from "./sniff.js";

// ---- minimal encoders, so every sample below has the real structure of its format ----

function varint(n: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return Buffer.from(out);
}
/** Protobuf field: varint (wire 0) for numbers, length-delimited (wire 2) for buffers/strings. */
function pb(field: number, value: number | bigint | string | Buffer): Buffer {
  if (typeof value === "number" || typeof value === "bigint") return Buffer.concat([varint(field * 8), varint(value)]);
  const payload = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([varint(field * 8 + 2), varint(payload.length), payload]);
}
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

/** A FlatBuffer whose root table has one uint32 field (version = 3), with a 4-byte file identifier. */
function flatbuffer(identifier: string): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(16, 0); // root table offset
  b.write(identifier, 4, "latin1");
  b.writeUInt16LE(6, 8); // vtable size
  b.writeUInt16LE(8, 10); // table size
  b.writeUInt16LE(4, 12); // field 0 at table+4
  b.writeInt32LE(16 - 8, 16); // table → vtable
  b.writeUInt32LE(3, 20); // version
  return b;
}

function msgpackStr(s: string): Buffer {
  return cat(Buffer.from([0xa0 | s.length]), Buffer.from(s));
}

/** flax.serialization.to_bytes({"params": {"Dense_0": {"kernel": ndarray(2x2 float32)}}}). */
function flaxCheckpoint(): Buffer {
  const ndarray = cat(Buffer.from([0x93, 0x92, 0x02, 0x02]), msgpackStr("<f4"), Buffer.from([0xc4, 0x10]), Buffer.alloc(16));
  const ext = cat(Buffer.from([0xc7, ndarray.length, 0x01]), ndarray);
  return cat(Buffer.from([0x81]), msgpackStr("params"), Buffer.from([0x81]), msgpackStr("Dense_0"), Buffer.from([0x81]), msgpackStr("kernel"), ext);
}

/** A PaddlePaddle ProgramDesc with a root block holding one LoD tensor variable and a feed op. */
function paddleProgram(): Buffer {
  const tensorDesc = cat(pb(1, 5), pb(2, -1n), pb(2, 4));
  const varType = cat(pb(1, 7), pb(3, pb(1, tensorDesc)));
  const varDesc = cat(pb(1, "x"), pb(2, varType), pb(3, 0));
  const op = cat(pb(3, "feed"), pb(1, cat(pb(1, "X"), pb(2, "feed"))), pb(2, cat(pb(1, "Out"), pb(2, "x"))));
  const block = cat(pb(1, 0), pb(2, -1n), pb(3, varDesc), pb(4, op));
  return cat(pb(1, block), pb(4, pb(1, 0)));
}

/** One float32 2x2 tensor as paddle.static.save_inference_model writes it to .pdiparams. */
function paddleParams(): Buffer {
  const desc = cat(pb(1, 5), pb(2, 2), pb(2, 2));
  const size = Buffer.alloc(4);
  size.writeInt32LE(desc.length);
  return cat(Buffer.alloc(4), Buffer.alloc(8), Buffer.alloc(4), size, desc, Buffer.alloc(16));
}

/** A Core ML Model with one multi-array input and output. */
function coreMlModel(): Buffer {
  const arrayType = pb(5, cat(pb(1, 1), pb(1, 3), pb(2, 65568)));
  const input = cat(pb(1, "input"), pb(3, arrayType));
  const output = cat(pb(1, "output"), pb(3, arrayType));
  const description = cat(pb(1, input), pb(10, output));
  return cat(pb(1, 4), pb(2, description), pb(500, pb(1, cat(pb(1, "relu"), pb(2, "input"), pb(3, "output")))));
}

function be32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** saveRDS(3.14, compress = FALSE): XDR serialization v3 of a length-1 REALSXP. */
function rdsXdr(): Buffer {
  const value = Buffer.alloc(8);
  value.writeDoubleBE(3.14);
  return cat(Buffer.from("X\n"), be32(3, 0x00040301, 0x00030500, 5), Buffer.from("UTF-8"), be32(0x0e, 1), value);
}

function elf64(): Buffer {
  const b = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b);
  b.writeUInt16LE(3, 16); // ET_DYN
  b.writeUInt16LE(0x3e, 18); // x86-64
  b.writeUInt32LE(1, 20);
  return b;
}

function pe(): Buffer {
  const b = Buffer.alloc(0x98);
  b.write("MZ", 0, "latin1");
  b.writeUInt32LE(0x80, 0x3c);
  b.write("PE\0\0", 0x80, "latin1");
  b.writeUInt16LE(0x8664, 0x84);
  return b;
}

function llamafile(): Buffer {
  const script = Buffer.from("MZqFpD='\n\x00\x00\x00\x00\x00\x00\x00\x00'\n#'\"\necho llamafile\nexit 1\n");
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  return cat(script, Buffer.alloc(1024), eocd);
}

async function detect(buf: Buffer, name = "file"): Promise<FormatId> {
  return (await detectSource(createBufferSource(buf), name)).format;
}

describe("sniffUnsupported", () => {
  const cases: Array<[string, Buffer, FormatId]> = [
    ["TensorFlow Lite", flatbuffer("TFL3"), "tflite"],
    ["ExecuTorch", flatbuffer("ET12"), "executorch"],
    ["Flax msgpack", flaxCheckpoint(), "flax-msgpack"],
    ["Paddle .pdmodel", paddleProgram(), "paddle"],
    ["Paddle .pdiparams", paddleParams(), "paddle"],
    ["Core ML .mlmodel", coreMlModel(), "coreml"],
    ["OpenVINO IR", Buffer.from('<?xml version="1.0"?>\n<!-- converted -->\n<net name="model" version="11">\n<layers>\n</layers>\n</net>\n'), "openvino"],
    ["RDS (XDR)", rdsXdr(), "rds"],
    ["RDS (ASCII)", Buffer.from("A\n3\n263169\n197888\n5\nUTF-8\n14\n1\n3.14\n"), "rds"],
    ["RData", cat(Buffer.from("RDX3\n"), rdsXdr()), "rds"],
    ["llamafile", llamafile(), "llamafile"],
    ["ELF", elf64(), "executable"],
    ["PE", pe(), "executable"],
    ["Mach-O", cat(Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 0x07, 0x00, 0x00, 0x01]), Buffer.alloc(24)), "executable"],
  ];
  for (const [label, bytes, format] of cases) {
    it(`recognises ${label} by content, whatever the name`, async () => {
      expect(sniffUnsupported({ head: bytes, size: bytes.length })?.format).toBe(format);
      expect(await detect(bytes, "model.bin")).toBe(format);
    });
  }

  it("does not claim look-alikes", async () => {
    const onnx = cat(pb(1, 7), pb(2, "pytorch"), pb(3, "2.1.0"), pb(7, cat(pb(1, pb(1, "x")), pb(2, "g"))));
    const javaClass = cat(Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34]), Buffer.alloc(32));
    const otherFlatbuffer = flatbuffer("ABCD");
    const xml = Buffer.from('<?xml version="1.0"?>\n<project><net>1</net></project>\n');
    const prose = Buffer.from("A\nshort note\n");
    // SavedModel{schema 1, meta_graphs: MetaGraphDef{meta_info_def: {meta_graph_version, stripped_op_list, tags, tensorflow_version}}}
    const savedModel = cat(pb(1, 1), pb(2, pb(1, cat(pb(1, "v1"), pb(2, pb(1, pb(1, "Const"))), pb(4, "serve"), pb(5, "2.15.0")))));
    for (const b of [onnx, savedModel, javaClass, otherFlatbuffer, xml, prose, Buffer.from([0x81, 0xa3, 0x31, 0x32, 0x33, 0x01]), Buffer.alloc(32)]) {
      expect(sniffUnsupported({ head: b, size: b.length }), b.subarray(0, 8).toString("hex")).toBeUndefined();
    }
    // Formats detected before this change keep their detection.
    expect(await detect(Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]))).toBe("pickle");
    expect(await detect(Buffer.from('{"a": 1}'))).toBe("json");
    expect(await detect(Buffer.from("hello world\n"))).toBe("text");
  });

  it("PROTO then FRAME is a pickle even where a FlatBuffer identifier would sit (pickle.load reads it as one)", async () => {
    // 80 04 95 00 "TFL3": as a FlatBuffer, a root table 9.7 MB in and the TFLite identifier; as a pickle, PROTO 4
    // and a FRAME. A loader unpickles it, so it is analysed as the pickle, not set aside as an unverified TFLite.
    const b = Buffer.alloc(10 * 2 ** 20);
    b.set([0x80, 0x04, 0x95, 0x00, ...Buffer.from("TFL3")]);
    expect(sniffUnsupported({ head: b.subarray(0, 65536), size: b.length })?.format).toBe("tflite");
    expect(await detect(b)).toBe("pickle");
    expect(await detect(flatbuffer("TFL3"))).toBe("tflite");
  });
});

describe("sniffUnsupported fuzz", () => {
  it("random and mutated heads never throw", () => {
    let seed = 0x1234567;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 4294967296;
    };
    const samples = [flatbuffer("TFL3"), flatbuffer("ET12"), flaxCheckpoint(), paddleProgram(), paddleParams(), coreMlModel(), rdsXdr(), pe(), llamafile()];
    for (let i = 0; i < 4000; i++) {
      let b: Buffer;
      if (i % 2 === 0) {
        b = Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
      } else {
        b = Buffer.from(samples[i % samples.length]!);
        for (let k = 0; k < 3; k++) if (b.length > 0) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        b = b.subarray(0, Math.floor(rnd() * (b.length + 1)));
      }
      expect(() => sniffUnsupported({ head: b, size: b.length + Math.floor(rnd() * 100) })).not.toThrow();
    }
  });
});

const CORPUS = new URL("../../../../shared/corpus/", import.meta.url).pathname;

describe.skipIf(!existsSync(CORPUS))("no labelled corpus file is mistaken for an unverified format", () => {
  it("detection of the corpus is unchanged by these checks", async () => {
    const mine = new Set<FormatId>(["tflite", "executorch", "flax-msgpack", "paddle", "coreml", "openvino", "rds", "llamafile", "executable"]);
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
    for (const path of walk(CORPUS)) {
      const bytes = readFileSync(path);
      expect(sniffUnsupported({ head: bytes.subarray(0, 65536), size: bytes.length })?.format, path).toBeUndefined();
      expect(mine.has(await detect(bytes, path))).toBe(false);
    }
  });
});
