import { describe, expect, it } from "vitest";
import { LimitError, MalformedError } from "../../core/errors.js";
import type { Finding } from "../../core/finding.js";
import type { ScanLimits } from "../../core/limits.js";
import { createBufferSource } from "../../core/source.js";
import { analyzePickleBytes, pickleAnalyzer } from "./analyzer.js";
import { createTestContext } from "./testing/context.js";
import { joblibWrapper, pickle } from "./testing/assembler.js";

interface Outcome {
  findings: Finding[];
  error: unknown;
  format: string | undefined;
}

async function analyze(bytes: Buffer, limits: Partial<ScanLimits> = {}, opts: { baseOffset?: number; label?: string } = {}): Promise<Outcome> {
  const t = createTestContext(limits);
  let error: unknown;
  try {
    await analyzePickleBytes(bytes, t.ctx, { setFormat: true, ...opts });
  } catch (e) {
    error = e;
  }
  return { findings: t.findings, error, format: t.format };
}

const rules = (o: Outcome): string[] => o.findings.map((f) => `${f.ruleId}:${f.severity}`);
const one = (o: Outcome, ruleId: string): Finding => {
  const list = o.findings.filter((f) => f.ruleId === ruleId);
  expect(list, rules(o).join(", ")).toHaveLength(1);
  return list[0]!;
};

const OS_SYSTEM = pickle(4).global("os", "system").str("id").tuple1().reduce().stop().done();

/** The five pickles torch.save(…, _use_new_zipfile_serialization=False) writes, then raw storage bytes. */
function legacyTorch(magic: Buffer, rawTail: Buffer): Buffer {
  return Buffer.concat([
    magic,
    pickle(2).binint2(1001).stop().done(),
    pickle(2).emptyDict().mark().str("protocol_version").binint2(1001).str("little_endian").newTrue().setitems().stop().done(),
    pickle(2)
      .global("collections", "OrderedDict")
      .emptyTuple()
      .reduce()
      .mark()
      .str("w")
      .global("torch._utils", "_rebuild_tensor_v2")
      .mark()
      .mark()
      .str("storage")
      .global("torch", "FloatStorage")
      .str("0")
      .str("cpu")
      .binint1(4)
      .none()
      .tuple()
      .binpersid()
      .binint1(0)
      .binint1(4)
      .tuple1()
      .binint1(1)
      .tuple1()
      .newFalse()
      .global("collections", "OrderedDict")
      .emptyTuple()
      .reduce()
      .tuple()
      .reduce()
      .setitems()
      .stop()
      .done(),
    pickle(2).mark().str("0").list().stop().done(),
    rawTail,
  ]);
}

describe("classified globals", () => {
  it("reports a dangerous callable as critical with module, name, opcode, category and offset", async () => {
    const o = await analyze(OS_SYSTEM);
    expect(o.error).toBeUndefined();
    const f = one(o, "pickle/dangerous-global");
    expect(f.severity).toBe("critical");
    expect(f.location.offset).toBe(2);
    expect(f.evidence).toMatchObject({ module: "os", name: "system", opcode: "GLOBAL", category: "process", stream: 1, usage: "called", useOpcode: "REDUCE" });
    expect(f.message).toMatch(/os\.system .*GLOBAL at offset 2.*REDUCE at offset/);
    expect(f.cwe).toEqual(expect.arrayContaining(["CWE-502", "CWE-94"]));
    expect(f.atlas).toEqual(expect.arrayContaining(["AML.T0010.003", "AML.T0011.000"]));
    expect(f.owasp).toContain("ML06:2023");
  });

  it("reports a dangerous name even when it is only referenced", async () => {
    const o = await analyze(pickle(4).stackGlobal("builtins", "exec").pop().none().stop().done());
    expect(one(o, "pickle/dangerous-global").evidence).toMatchObject({ usage: "referenced" });
  });

  it("grades names on neither list by use: called → high, rebuilt or referenced → medium", async () => {
    const called = await analyze(pickle(4).stackGlobal("mypkg.layers", "Dense").emptyTuple().reduce().stop().done());
    expect(rules(called)).toEqual(["pickle/unknown-global-call:high"]);
    const rebuilt = await analyze(pickle(4).stackGlobal("mypkg.layers", "Dense").emptyTuple().newobj().emptyDict().build().stop().done());
    expect(rules(rebuilt)).toEqual(["pickle/unknown-global-rebuilt:medium"]);
    expect(rebuilt.findings[0]?.message).toMatch(/rebuilt without its constructor by NEWOBJ/);
    const referenced = await analyze(pickle(4).stackGlobal("mypkg.layers", "Dense").stop().done());
    expect(rules(referenced)).toEqual(["pickle/unknown-global-rebuilt:medium"]);
  });

  it("reports nothing for allowlisted names and plain data", async () => {
    const o = await analyze(pickle(2).global("collections", "OrderedDict").emptyTuple().reduce().mark().str("a").binint1(1).setitems().stop().done());
    expect(o.findings).toEqual([]);
    expect(o.error).toBeUndefined();
  });

  it("merges a name used thousands of times into one finding with counts", async () => {
    const a = pickle(4).stackGlobal("os", "system").memoize();
    for (let i = 0; i < 3000; i++) a.binget(0).str("id").tuple1().reduce().pop();
    const o = await analyze(a.none().stop().done());
    expect(o.findings).toHaveLength(1);
    expect(o.findings[0]?.evidence).toMatchObject({ calls: 3000, imports: 1 });
    expect(o.findings[0]?.message).toMatch(/3000 calls/);
  });
});

describe("payload tricks", () => {
  it("reports computed STACK_GLOBAL operands as critical", async () => {
    const o = await analyze(pickle(4).binint(42).memoize().str("os").memoize().binget(0).binget(1).stackGlobal().stop().done());
    expect(one(o, "pickle/non-string-global-operand").severity).toBe("critical");
    expect(o.error).toBeInstanceOf(MalformedError);
  });

  it("reports BUILD on a module and SETITEM on an imported object as critical", async () => {
    const build = await analyze(pickle(4).stackGlobal("torch", "_utils").emptyDict().str("_rebuild_tensor").str("builtins").setitem().build().stop().done());
    expect(one(build, "pickle/module-attribute-overwrite").severity).toBe("critical");
    const mutate = await analyze(pickle(4).stackGlobal("os", "environ").str("LD_PRELOAD").str("/tmp/x.so").setitem().stop().done());
    expect(one(mutate, "pickle/global-mutation").severity).toBe("critical");
  });

  it("reports an EXT code nobody registered as high", async () => {
    const o = await analyze(pickle(2).ext2(300).emptyTuple().reduce().stop().done());
    expect(one(o, "pickle/unresolved-extension").severity).toBe("high");
  });

  it("resolves an EXT code registered by copyreg.add_extension in an earlier stream", async () => {
    const first = pickle(2).global("copyreg", "add_extension").str("os").str("system").binint1(9).tuple3().reduce().stop().done();
    const second = pickle(2).ext1(9).str("id").tuple1().reduce().stop().done();
    const o = await analyze(Buffer.concat([first, second]));
    expect(o.findings.find((f) => f.evidence?.name === "system")?.evidence).toMatchObject({ module: "os", opcode: "EXT1", stream: 2 });
    expect(o.findings.some((f) => f.ruleId === "pickle/unresolved-extension")).toBe(false);
  });
});

describe("streams", () => {
  it("keeps findings made before a failure, then throws MalformedError", async () => {
    const o = await analyze(Buffer.concat([OS_SYSTEM.subarray(0, -1), Buffer.from([0xff])]));
    expect(one(o, "pickle/dangerous-global").severity).toBe("critical");
    expect(o.error).toBeInstanceOf(MalformedError);
  });

  it("throws MalformedError for a first stream that is cut off, even with nothing found", async () => {
    const o = await analyze(pickle(4).emptyDict().mark().str("a").done());
    expect(o.findings).toEqual([]);
    expect(o.error).toBeInstanceOf(MalformedError);
  });

  it("reads every stream until the end of the file (payload in the 2nd stream)", async () => {
    const o = await analyze(Buffer.concat([pickle(4).mark().str("a").list().stop().done(), OS_SYSTEM]));
    const f = one(o, "pickle/dangerous-global");
    expect(f.evidence).toMatchObject({ stream: 2 });
    expect(f.message).toMatch(/pickle stream 2/);
    expect(o.error).toBeUndefined();
  });

  it("notes bytes after the last STOP that are no pickle as low", async () => {
    const o = await analyze(Buffer.concat([pickle(2).none().stop().done(), Buffer.from("\n\n\t\t")]));
    expect(rules(o)).toEqual(["pickle/trailing-data:low"]);
    expect(o.findings[0]?.location.offset).toBe(4);
    expect(o.error).toBeUndefined();
  });

  it("reports what a broken later stream found, then fails as unparseable", async () => {
    const o = await analyze(Buffer.concat([pickle(2).none().stop().done(), OS_SYSTEM.subarray(0, -3)]));
    expect(one(o, "pickle/dangerous-global").severity).toBe("critical");
    expect(o.error).toBeInstanceOf(MalformedError);
    expect((o.error as Error).message).toMatch(/pickle stream 2/);
  });
});

describe("joblib files", () => {
  it("skips raw array bytes and sets the format", async () => {
    const o = await analyze(joblibWrapper([4], "f8", { aligned: true }).raw(0x0f, Buffer.alloc(15, 0xff), Buffer.alloc(32)).pop().none().stop().done());
    expect(o.format).toBe("joblib");
    expect(o.findings).toEqual([]);
    expect(o.error).toBeUndefined();
  });

  it("also reads the file as pickle.load would, where the array bytes are opcodes", async () => {
    const payload = Buffer.from("cos\nsystem\n(S'id'\ntR.", "latin1");
    const o = await analyze(joblibWrapper([payload.length], "u1").raw(payload).pop().none().stop().done());
    const f = one(o, "pickle/dangerous-global");
    expect(f.message).toMatch(/as pickle\.load reads it/);
    expect(o.error).toBeUndefined();
  });
});

describe("legacy PyTorch files", () => {
  const MAGIC = pickle(2).long1(0x1950a86a20f9469cfc6cn).stop().done();

  it("reads the five pickles, then leaves the raw storage bytes alone", async () => {
    const raw = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("cos\nsystem\n(S'id'\ntR.", "latin1")]);
    const o = await analyze(legacyTorch(MAGIC, raw));
    expect(o.error).toBeUndefined();
    expect(o.format).toBe("pytorch-legacy");
    expect(o.findings).toEqual([]);
  });

  it("scans a magic number computed by eval like any stream (pytorch_magic_bypass.pt)", async () => {
    const evalMagic = pickle(2).global("__builtin__", "eval").binunicode("0x1950A86A20F9469CFC6C").tuple1().reduce().stop().done();
    const o = await analyze(legacyTorch(evalMagic, Buffer.from([0xde, 0xad])));
    expect(o.format).toBe("pytorch-legacy");
    expect(o.findings.map((f) => f.evidence?.name)).toContain("eval");
    expect(o.error).toBeUndefined();
  });

  it("finds a payload in the data pickle (stream 4)", async () => {
    const file = Buffer.concat([MAGIC, pickle(2).binint2(1001).stop().done(), pickle(2).emptyDict().stop().done(), OS_SYSTEM, pickle(2).emptyList().stop().done()]);
    const o = await analyze(file);
    expect(one(o, "pickle/dangerous-global").evidence).toMatchObject({ stream: 4 });
  });
});

describe("loaders that unpickle their bytes argument (torch.storage._load_from_bytes)", () => {
  const CLEAN = pickle(2).global("collections", "OrderedDict").emptyTuple().reduce().stop().done();
  /** A plain-pickled tensor's layout: the storage is rebuilt by calling the loader on constant bytes. */
  const loaderCalls = (...args: Array<Buffer | "computed">): Buffer => {
    const p = pickle(2).emptyList();
    for (const arg of args) {
      p.global("torch.storage", "_load_from_bytes");
      if (arg === "computed") p.global("base64", "b64decode").str("bm90IGEgcGlja2xl").tuple1().reduce();
      else p.bytes(arg);
      p.tuple1().reduce().append();
    }
    return p.stop().done();
  };

  it("is a low note when every call unpickles constant bytes verified clean", async () => {
    const o = await analyze(loaderCalls(CLEAN, CLEAN));
    expect(rules(o)).toEqual(["pickle/verified-nested-loader:low"]);
    expect(one(o, "pickle/verified-nested-loader").message).toMatch(/torch\.storage\._load_from_bytes .*2 calls.*verified/);
  });

  it("stays critical when one call unpickles dangerous bytes", async () => {
    const o = await analyze(loaderCalls(CLEAN, OS_SYSTEM));
    expect(one(o, "pickle/dangerous-global").severity).toBe("critical");
    expect(one(o, "pickle/nested-pickle").severity).toBe("critical");
    expect(rules(o)).not.toContain("pickle/verified-nested-loader:low");
  });

  it("stays critical when a call's bytes are computed rather than constant", async () => {
    const o = await analyze(loaderCalls(CLEAN, "computed"));
    expect(one(o, "pickle/dangerous-global").severity).toBe("critical");
  });

  it("keeps general-purpose loaders critical even on clean bytes (no model file needs pickle.loads)", async () => {
    const o = await analyze(pickle(2).global("pickle", "loads").bytes(CLEAN).tuple1().reduce().stop().done());
    expect(one(o, "pickle/dangerous-global").severity).toBe("critical");
  });

  it("stays critical when the nested-pickle limit stops the check", async () => {
    const o = await analyze(loaderCalls(CLEAN, CLEAN), { maxNestedPickles: 1 });
    expect(one(o, "pickle/dangerous-global").severity).toBe("critical");
  });
});

describe("nested pickles", () => {
  const holder = (inner: Buffer | string): Buffer => pickle(4).emptyDict().str("payload").bytes(Buffer.from(inner)).setitem().stop().done();

  it("reports a pickle in a bytes constant that imports a dangerous name as critical", async () => {
    const o = await analyze(holder(OS_SYSTEM));
    const f = one(o, "pickle/nested-pickle");
    expect(f.severity).toBe("critical");
    expect(f.message).toMatch(/nested pickle.*bytes constant at offset 12.*calls os\.system/);
    expect(f.evidence).toMatchObject({ encoding: "raw", module: "os", name: "system", category: "process" });
    expect(f.atlas).toContain("AML.T0018.002");
  });

  it("finds base64 and hex encodings in str constants", async () => {
    for (const enc of ["base64", "hex"] as const) {
      const o = await analyze(pickle(4).emptyDict().str("blob").str(OS_SYSTEM.toString(enc)).setitem().stop().done());
      expect(one(o, "pickle/nested-pickle").evidence).toMatchObject({ encoding: enc });
    }
  });

  it("grades nested pickles by what they do, and ignores plain data and base64 text", async () => {
    const unknownCall = await analyze(holder(pickle(4).stackGlobal("mypkg", "hook").emptyTuple().reduce().stop().done()));
    expect(one(unknownCall, "pickle/nested-pickle").severity).toBe("high");
    const unknownRef = await analyze(holder(pickle(4).stackGlobal("mypkg", "Thing").stop().done()));
    expect(one(unknownRef, "pickle/nested-pickle").severity).toBe("medium");
    const data = await analyze(holder(pickle(4).emptyDict().str("malicious").str("data").setitem().stop().done()));
    expect(data.findings).toEqual([]);
    const text = await analyze(pickle(4).str(Buffer.from("a perfectly ordinary sentence").toString("base64")).stop().done());
    expect(text.findings).toEqual([]);
  });

  it("follows pickles inside pickles inside pickles", async () => {
    const o = await analyze(holder(holder(holder(OS_SYSTEM))));
    expect(o.findings.filter((f) => f.ruleId === "pickle/nested-pickle").map((f) => f.evidence?.depth)).toEqual([3]);
    expect(o.findings[0]?.message).toMatch(/bytes constant inside a bytes constant inside a bytes constant/);
  });

  it("analyses the bytes handed to pickle.loads, built with _codecs.encode (malicious13a)", async () => {
    const o = await analyze(
      pickle()
        .global("pickle", "loads")
        .mark()
        .global("_codecs", "encode")
        .mark()
        .unicode(OS_SYSTEM.toString("latin1").replace(/\\/g, "\\u005c").replace(/\n/g, "\\u000a"))
        .unicode("latin1")
        .tuple()
        .reduce()
        .tuple()
        .reduce()
        .stop()
        .done(),
    );
    expect(one(o, "pickle/dangerous-global").evidence).toMatchObject({ module: "pickle", name: "loads" });
    const nested = one(o, "pickle/nested-pickle");
    expect(nested.severity).toBe("critical");
    expect(nested.message).toMatch(/handed to pickle\.loads/);
  });

  it("stops at maxNestedPickles with one limit finding", async () => {
    const a = pickle(4).emptyList().mark();
    for (let i = 0; i < 5; i++) a.bytes(OS_SYSTEM);
    const o = await analyze(a.appends().stop().done(), { maxNestedPickles: 2 });
    expect(o.findings.filter((f) => f.ruleId === "pickle/nested-pickle")).toHaveLength(2);
    expect(one(o, "scanner/limit-exceeded").evidence).toMatchObject({ limit: "maxNestedPickles", max: 2 });
  });
});

describe("limits and options", () => {
  it("keeps analysing past the memo limit: the findings before and after it are reported", async () => {
    const a = pickle(4).global("os", "system").pop().none();
    for (let i = 0; i < 3000; i++) a.memoize();
    const o = await analyze(a.pop().global("subprocess", "getoutput").pop().none().stop().done(), { maxPickleMemo: 1000 });
    expect(o.error).toBeUndefined();
    expect(o.findings.filter((f) => f.ruleId === "pickle/dangerous-global").map((f) => f.evidence?.name)).toEqual(["system", "getoutput"]);
    expect(one(o, "pickle/memo-overflow").severity).toBe("low");
  });

  it("puts offsets in the enclosing file and labels messages for embedded pickles", async () => {
    const o = await analyze(OS_SYSTEM, {}, { baseOffset: 128, label: "object array data" });
    const f = one(o, "pickle/dangerous-global");
    expect(f.location.offset).toBe(130);
    expect(f.message.startsWith("object array data: ")).toBe(true);
  });

  it("refuses files larger than maxMemberBytes before reading them", async () => {
    const t = createTestContext({ maxMemberBytes: 10 });
    const file = { path: "big.pkl", name: "big.pkl", depth: 0, source: createBufferSource(OS_SYSTEM) };
    await expect(pickleAnalyzer.analyze(file, t.ctx)).rejects.toBeInstanceOf(LimitError);
    expect(file.source.counter.bytesRead).toBe(0);
  });
});
