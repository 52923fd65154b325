import { describe, expect, it } from "vitest";
import { LimitError, MalformedError } from "../../core/errors.js";
import { runStream, type MachineOptions, type StreamResult } from "./machine.js";
import { joblibWrapper, pickle } from "./testing/assembler.js";
import { asText, bigIntOf, valueBytes, type GlobalSite } from "./values.js";

const OPTS: MachineOptions = { maxMemo: 1000, maxNesting: 100 };

function run(buf: Buffer, extra: Partial<MachineOptions> = {}): StreamResult {
  return runStream(buf, 0, { ...OPTS, ...extra });
}

function site(r: StreamResult, module: string, name: string): GlobalSite {
  const s = r.sites.find((x) => x.module === module && x.name === name);
  if (!s) throw new Error(`no site ${module}.${name} in ${r.sites.map((x) => `${x.module}.${x.name}`).join(", ")}`);
  return s;
}

describe("literals and containers", () => {
  it("reads protocol 0 text operands the way CPython does", () => {
    const r = run(
      pickle()
        .mark()
        .int("01")
        .int("00")
        .int("-0x1f")
        .int("010")
        .long("123456789012345678901234567890L")
        .float("1.5e-3")
        .string("a\\x41\\n\\'q", "'")
        .unicode("caf\\u00e9 \\U0001f600")
        .none()
        .tuple()
        .stop()
        .done(),
    );
    expect(r.completed).toBe(true);
    expect(r.result?.kind).toBe("tuple");
    const items = r.result?.kind === "tuple" ? r.result.items : [];
    expect(items.map((v) => v.kind)).toEqual(["bool", "bool", "int", "int", "int", "float", "str", "str", "none"]);
    expect(bigIntOf(items[2])).toBe(-31n);
    expect(bigIntOf(items[3])).toBe(8n);
    expect(bigIntOf(items[4])).toBe(123456789012345678901234567890n);
    expect(asText(items[6])).toBe("aA\n'q");
    expect(asText(items[7])).toBe("café 😀");
  });

  it("decodes LONG1/LONG4 two's complement, including the legacy torch magic number", () => {
    for (const v of [0n, 1n, -1n, 255n, -256n, 0x1950a86a20f9469cfc6cn, -(2n ** 100n)]) {
      const r = run(pickle(2).long1(v).stop().done());
      expect(bigIntOf(r.result)).toBe(v);
      const r4 = run(pickle(2).long4(v).stop().done());
      expect(bigIntOf(r4.result)).toBe(v);
    }
  });

  it("builds dicts, lists, sets and tuples and counts items past what it keeps", () => {
    const a = pickle(4).emptyList().mark();
    for (let i = 0; i < 1000; i++) a.binint2(i);
    const r = run(a.appends().stop().done());
    expect(r.result?.kind === "list" && r.result.count).toBe(1000);
    expect(r.result?.kind === "list" && r.result.items.length).toBeLessThanOrEqual(64);

    const d = run(pickle(4).emptyDict().mark().str("k").binint1(1).str("j").none().setitems().stop().done());
    expect(d.result?.kind === "dict" && d.result.count).toBe(2);
    const s = run(pickle(4).emptySet().mark().binint1(1).binint1(2).additems().stop().done());
    expect(s.result?.kind === "set" && s.result.count).toBe(2);
    const f = run(pickle(4).mark().binint1(1).frozenset().stop().done());
    expect(f.result?.kind).toBe("frozenset");
  });

  it("refuses an odd number of items for DICT and SETITEMS", () => {
    expect(run(pickle().mark().int(1).dict().stop().done()).error).toBeInstanceOf(MalformedError);
    const r = run(pickle(4).emptyDict().mark().str("k").setitems().stop().done());
    expect(r.error?.message).toMatch(/odd number of items/);
  });

  it("lets POP remove a MARK and POP_MARK discard what follows it, as CPython does", () => {
    expect(run(pickle().mark().pop().none().stop().done()).completed).toBe(true);
    expect(run(pickle().none().mark().int(1).int(2).popMark().stop().done()).result?.kind).toBe("none");
  });

  it("reports an empty stack instead of crashing", () => {
    for (const bytes of [pickle().stop().done(), pickle().dup().stop().done(), pickle().reduce().stop().done(), pickle().mark().build().done()]) {
      const r = run(bytes);
      expect(r.completed).toBe(false);
      expect(r.error).toBeInstanceOf(MalformedError);
      expect(r.error?.message).toMatch(/underflow/);
    }
  });

  it("fails on a missing memo key and keeps what it found before", () => {
    const r = run(pickle(4).global("os", "system").str("id").tuple1().reduce().pop().binget(7).stop().done());
    expect(r.error).toBeInstanceOf(MalformedError);
    expect(r.error?.message).toMatch(/memo key 7/);
    expect(site(r, "os", "system").called).toBe(1);
  });

  it("refuses invalid opcodes, protocols above 5 and invalid operands", () => {
    expect(run(Buffer.from([0x80, 0x06, 0x4e, 0x2e])).error?.message).toMatch(/unsupported pickle protocol: 6/);
    const bad = run(pickle(2).none().raw(0xff).done());
    expect(bad.error?.message).toMatch(/invalid load key 0xff/);
    expect(bad.error instanceof MalformedError && bad.error.offset).toBe(3);
    expect(run(pickle().int("12x").stop().done()).error?.message).toMatch(/not an integer/);
    expect(run(pickle().float("1.2.3").stop().done()).error?.message).toMatch(/not a float/);
    expect(run(pickle().raw("S", "unquoted\n").stop().done()).error?.message).toMatch(/must be quoted/);
    expect(run(pickle().string("\\x4", "'").stop().done()).error?.message).toMatch(/invalid escape/);
    expect(run(pickle().put(-1).stop().done()).error).toBeInstanceOf(MalformedError);
  });

  it("refuses GLOBAL names that are not UTF-8 or empty (picklescan's not_a_pickle.bin)", () => {
    expect(run(Buffer.from("cmod\n\xf8\n", "latin1")).error?.message).toMatch(/not valid UTF-8/);
    expect(run(Buffer.from("c\nsystem\n.", "latin1")).error?.message).toMatch(/empty module or name/);
  });

  it("treats FRAME as framing only, even when it claims more bytes than there are", () => {
    const r = run(pickle(4).frame(1_000_000).none().stop().done());
    expect(r.completed).toBe(true);
  });

  it("stops after maxOps opcodes without an error", () => {
    const a = pickle();
    for (let i = 0; i < 100; i++) a.none();
    const r = run(a.done(), { maxOps: 10 });
    expect(r.budgetExhausted).toBe(true);
    expect(r.error).toBeUndefined();
  });
});

describe("imports and how they are used", () => {
  it("records GLOBAL + REDUCE as a call, with offsets", () => {
    const r = run(pickle(2).global("os", "system").str("id").tuple1().reduce().stop().done());
    const s = site(r, "os", "system");
    expect(s).toMatchObject({ opcode: "GLOBAL", offset: 2, called: 1, rebuilt: 0, imports: 1, useOpcode: "REDUCE" });
  });

  it("counts a call whose result is popped away", () => {
    const r = run(pickle(4).stackGlobal("os", "system").str("id").tuple1().reduce().pop().none().stop().done());
    expect(site(r, "os", "system").called).toBe(1);
  });

  it("records NEWOBJ as a rebuild and a global passed as data as a reference", () => {
    const r = run(
      pickle(4)
        .stackGlobal("mypkg", "Model")
        .emptyTuple()
        .newobj()
        .emptyDict()
        .build()
        .stackGlobal("copyreg", "_reconstructor")
        .stackGlobal("mypkg", "Other")
        .stackGlobal("builtins", "object")
        .none()
        .tuple3()
        .reduce()
        .tuple2()
        .stop()
        .done(),
    );
    expect(site(r, "mypkg", "Model")).toMatchObject({ called: 0, rebuilt: 1, useOpcode: "NEWOBJ" });
    expect(site(r, "mypkg", "Other")).toMatchObject({ called: 0, rebuilt: 0 });
    expect(site(r, "copyreg", "_reconstructor").called).toBe(1);
  });

  it("records INST, OBJ and NEWOBJ_EX as calls", () => {
    const inst = run(pickle().mark().str("ls").inst("os", "system").stop().done());
    expect(site(inst, "os", "system")).toMatchObject({ opcode: "INST", called: 1, useOpcode: "INST" });
    const obj = run(pickle(1).mark().global("os", "system").str("ls").obj().stop().done());
    expect(site(obj, "os", "system")).toMatchObject({ called: 1, useOpcode: "OBJ" });
    const ex = run(pickle(4).stackGlobal("mypkg", "C").emptyTuple().emptyDict().newobjEx().stop().done());
    expect(site(ex, "mypkg", "C")).toMatchObject({ called: 1, useOpcode: "NEWOBJ_EX" });
  });

  it("merges repeated imports of one name and counts every call through the memo", () => {
    const a = pickle(4).stackGlobal("os", "system").memoize();
    for (let i = 0; i < 5; i++) a.binget(0).str("id").tuple1().reduce().pop();
    a.global("os", "system").pop();
    const r = run(a.none().stop().done());
    expect(r.sites).toHaveLength(1);
    expect(site(r, "os", "system")).toMatchObject({ imports: 2, called: 5 });
  });

  it("resolves STACK_GLOBAL operands through MEMOIZE/BINGET and PUT/GET (memo confusion decoys)", () => {
    const p4 = run(pickle(4).str("subprocess").memoize().str("call").memoize().pop().pop().binget(0).binget(1).stackGlobal().str("id").tuple1().reduce().stop().done());
    expect(site(p4, "subprocess", "call").called).toBe(1);
    // picklescan malicious-invalid-bytes.pkl: decoys torch/LongStorage in PUT 0/1, the real names in PUT 2/3.
    const p0 = run(
      pickle()
        .unicode("os")
        .put(2)
        .pop()
        .unicode("system")
        .put(3)
        .pop()
        .unicode("torch")
        .put(0)
        .pop()
        .unicode("LongStorage")
        .put(1)
        .pop()
        .get(2)
        .get(3)
        .stackGlobal()
        .mark()
        .unicode("cat flag.txt")
        .tuple()
        .reduce()
        .stop()
        .done(),
    );
    expect(p0.sites.map((s) => `${s.module}.${s.name}`)).toEqual(["os.system"]);
    expect(site(p0, "os", "system").called).toBe(1);
  });

  it("keeps dotted names whole (bdb + Bdb.run)", () => {
    const r = run(pickle(4).stackGlobal("bdb", "Bdb.run").none().tuple1().reduce().stop().done());
    expect(site(r, "bdb", "Bdb.run").called).toBe(1);
  });

  it("accepts STRING operands for STACK_GLOBAL without PROTO (picklescan malicious23.pkl)", () => {
    const r = run(pickle().string("os").string("system").stackGlobal().string("ls").tuple1().reduce().stop().done());
    expect(r.completed).toBe(true);
    expect(site(r, "os", "system").called).toBe(1);
  });
});

describe("payload tricks", () => {
  it("reports an int STACK_GLOBAL operand and stops, as CPython would (type-confusion-exploit.pkl)", () => {
    const r = run(pickle(4).global("os", "system").str("x").tuple1().reduce().pop().binint(42).memoize().str("os").memoize().binget(0).binget(1).stackGlobal().stop().done());
    expect(r.anomalies.map((a) => a.kind)).toEqual(["non-string-global-operand"]);
    expect(r.error?.message).toMatch(/STACK_GLOBAL requires str/);
    expect(site(r, "os", "system").called).toBe(1);
  });

  it("reports operands computed by other imports or calls and carries on", () => {
    const r = run(pickle(4).stackGlobal("mod", "a").stackGlobal("builtins", "str").str("x").tuple1().reduce().stackGlobal().none().tuple1().reduce().stop().done());
    expect(r.completed).toBe(true);
    expect(r.anomalies).toHaveLength(1);
    expect(r.anomalies[0]).toMatchObject({ kind: "non-string-global-operand", opcode: "STACK_GLOBAL" });
    expect(r.anomalies[0]?.message).toMatch(/global mod\.a/);
  });

  it("follows BUILD on a module object to the names it plants (sys_module_override_sploit.pkl)", () => {
    const bytes = pickle(4)
      .str("torch._utils")
      .memoize()
      .str("_rebuild_tensor")
      .memoize()
      .stackGlobal()
      .memoize()
      .pop()
      .str("torch")
      .str("_utils")
      .stackGlobal()
      .memoize()
      .pop()
      .binget(3)
      .emptyDict()
      .binget(1)
      .str("builtins")
      .setitem()
      .build()
      .pop()
      .binget(0)
      .binget(1)
      .stackGlobal()
      .binget(3)
      .emptyDict()
      .binget(1)
      .str("eval")
      .setitem()
      .build()
      .pop()
      .binget(0)
      .binget(1)
      .stackGlobal()
      .stackGlobal()
      .str('exec("""print("pwned")""")')
      .tuple1()
      .reduce()
      .stop()
      .done();
    const r = run(bytes);
    expect(r.completed).toBe(true);
    const kinds = r.anomalies.map((a) => a.kind);
    expect(kinds.filter((k) => k === "module-attribute-overwrite")).toHaveLength(2);
    expect(kinds).toContain("non-string-global-operand");
    expect(r.anomalies[0]?.message).toMatch(/_rebuild_tensor.*torch\._utils/);
    expect(site(r, "builtins", "eval").called).toBe(1);
  });

  it("reports SETITEM/APPEND/ADDITEMS on an imported object", () => {
    for (const tail of [
      (a: ReturnType<typeof pickle>) => a.str("LD_PRELOAD").str("/tmp/x.so").setitem(),
      (a: ReturnType<typeof pickle>) => a.mark().str("k").str("v").setitems(),
      (a: ReturnType<typeof pickle>) => a.str("x").append(),
      (a: ReturnType<typeof pickle>) => a.mark().str("x").appends(),
      (a: ReturnType<typeof pickle>) => a.mark().str("x").additems(),
    ]) {
      const r = run(tail(pickle(4).stackGlobal("os", "environ")).stop().done());
      expect(r.anomalies.map((x) => x.kind)).toEqual(["global-mutation"]);
      expect(r.anomalies[0]?.evidence).toMatchObject({ module: "os", name: "environ" });
    }
  });

  it("reports EXT codes nobody registered, and resolves codes registered by copyreg.add_extension", () => {
    const unresolved = run(pickle(2).ext1(7).none().tuple1().reduce().stop().done());
    expect(unresolved.anomalies.map((a) => a.kind)).toEqual(["unresolved-extension"]);
    expect(unresolved.completed).toBe(true);

    const extensions = new Map<number, { module: string; name: string }>();
    const first = run(pickle(2).global("copyreg", "add_extension").str("os").str("system").binint1(7).tuple3().reduce().stop().done(), { extensions });
    expect(first.completed).toBe(true);
    const second = run(pickle(2).ext1(7).str("id").tuple1().reduce().stop().done(), { extensions });
    expect(second.anomalies).toHaveLength(0);
    expect(site(second, "os", "system")).toMatchObject({ opcode: "EXT1", called: 1 });
    expect(run(pickle(2).ext4(-3).stop().done()).error).toBeInstanceOf(MalformedError);
  });

  it("refuses calls of plain data and non-tuple argument lists", () => {
    expect(run(pickle(2).binint1(1).emptyTuple().reduce().stop().done()).error?.message).toMatch(/not callable/);
    expect(run(pickle(2).global("m", "f").binint1(1).reduce().stop().done()).error?.message).toMatch(/not a tuple/);
  });
});

describe("persistent ids, loaders and constants", () => {
  it("counts PERSID and BINPERSID (torch storages)", () => {
    const r = run(pickle(2).persid("0").pop().mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").binint1(4).tuple().binpersid().stop().done());
    expect(r.persistentIds).toBe(2);
    expect(r.result?.kind).toBe("persistent");
    expect(site(r, "torch", "FloatStorage")).toMatchObject({ called: 0, rebuilt: 0 });
  });

  it("refuses non-ASCII protocol 0 persistent ids", () => {
    expect(run(pickle().raw("P", Buffer.from("\xe9\n", "latin1")).stop().done()).error).toBeInstanceOf(MalformedError);
  });

  it("records the arguments of callables that unpickle bytes", () => {
    const inner = pickle(4).global("os", "system").str("id").tuple1().reduce().stop().done();
    const r = run(pickle(4).stackGlobal("pickle", "loads").bytes(inner).tuple1().reduce().stop().done(), {
      isNestedLoader: (m, n) => m === "pickle" && n === "loads",
    });
    expect(r.loaderCalls).toHaveLength(1);
    expect(r.loaderCalls[0]).toMatchObject({ loader: "pickle.loads" });
    const arg = r.loaderCalls[0]?.args[0];
    expect(arg?.kind === "bytes" && valueBytes(arg)?.equals(inner)).toBe(true);
  });

  it("hands str/bytes constants of 16 bytes or more to onConstant, with their offsets", () => {
    const seen: Array<[string, number, number]> = [];
    run(pickle(4).str("short").bytes(Buffer.alloc(16, 1)).str("x".repeat(20)).unicode("y".repeat(16)).tuple3().pop().tuple1().stop().done(), {
      onConstant: (c) => seen.push([c.kind, c.offset, c.data.length]),
    });
    expect(seen).toEqual([
      ["bytes", 9, 16],
      ["str", 27, 20],
      ["str", 49, 16],
    ]);
  });
});

describe("joblib arrays", () => {
  it("skips the raw bytes of an aligned numeric array (padding byte, padding, data)", () => {
    const payload = Buffer.from("cos\nsystem\n(S'id'\ntR.", "latin1"); // never read as opcodes
    const data = Buffer.concat([payload, Buffer.alloc(24 - payload.length)]);
    const bytes = joblibWrapper([2, 3], "f4", { aligned: true }).raw(3, Buffer.alloc(3, 0xff), data).pop().none().stop().done();
    const r = run(bytes);
    expect(r.error).toBeUndefined();
    expect(r.completed).toBe(true);
    expect(r.joblibArrays).toBe(1);
    expect(r.sites.some((s) => s.module === "os")).toBe(false);
  });

  it("skips an unaligned array (joblib < 1.2 or a stream without tell())", () => {
    const r = run(joblibWrapper([5], "i8").raw(Buffer.alloc(40, 7)).pop().none().stop().done());
    expect(r.completed).toBe(true);
    expect(r.joblibArrays).toBe(1);
  });

  it("reads an object array's inline pickle as part of the load", () => {
    const inline = pickle(2).global("os", "system").str("id").tuple1().reduce().stop().done();
    const r = run(joblibWrapper([1], "O8", { objectFlags: true }).raw(inline).pop().none().stop().done());
    expect(r.completed).toBe(true);
    expect(r.substreams).toHaveLength(1);
    expect(site(r.substreams[0]!, "os", "system").called).toBe(1);
  });

  it("reports arrays that run past the end, and wrappers whose layout cannot be known", () => {
    const short = run(joblibWrapper([1000], "f8").raw(Buffer.alloc(10)).done());
    expect(short.truncated).toBe(true);
    const bad = run(joblibWrapper([2], "zz").raw(Buffer.alloc(2)).done());
    expect(bad.error?.message).toMatch(/joblib array wrapper cannot be read/);
  });

  it("can be turned off", () => {
    const r = run(joblibWrapper([1], "u1").raw(0x4e).pop().stop().done(), { joblib: false });
    expect(r.joblibArrays).toBe(0);
    expect(r.completed).toBe(true);
  });
});

describe("limits", () => {
  it("goes on past maxPickleMemo without the values, and never trusts a call through an untracked one", () => {
    const a = pickle(4).none();
    for (let i = 0; i < 5000; i++) a.memoize();
    const r = run(a.pop().longBinget(4000).emptyTuple().reduce().stop().done(), { maxMemo: 1000 });
    expect(r.error).toBeUndefined();
    expect(r.completed).toBe(true);
    expect(r.anomalies.map((x) => x.kind)).toEqual(["memo-overflow", "computed-call"]);
  });

  it("reports a memo index that would exhaust CPython's memo array as a loader-side denial of service", () => {
    const bytes = Buffer.concat([Buffer.from([0x80, 0x02, 0x4e, 0x72]), Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.from(".")]);
    const r = run(bytes);
    expect(r.completed).toBe(true);
    expect(r.anomalies.map((x) => x.kind)).toEqual(["loader-dos"]);
  });

  it("stops 200k nested MARKs at maxPickleNesting", () => {
    const bytes = Buffer.alloc(200_001, 0x28);
    bytes[200_000] = 0x2e;
    const r = run(bytes, { maxNesting: 10_000 });
    expect(r.error instanceof LimitError && r.error.limit).toBe("maxPickleNesting");
  });

  it("stops 200k nested lists (MARK … LIST) and 200k values on the stack", () => {
    const marks = Buffer.concat([Buffer.alloc(200_000, 0x28), Buffer.alloc(200_000, 0x6c), Buffer.from(".")]);
    expect(run(marks, { maxNesting: 10_000 }).error).toBeInstanceOf(LimitError);
    const lists = Buffer.concat([Buffer.alloc(200_000, 0x5d), Buffer.alloc(199_999, 0x61), Buffer.from(".")]);
    const r = run(lists, { maxNesting: 1000 });
    expect(r.error instanceof LimitError && r.error.limit).toBe("maxPickleNesting");
    // Within the limit, the same nesting is fine: the machine never recurses over values.
    expect(run(lists, { maxNesting: 10_000 }).completed).toBe(true);
  });

  it("checks lengths against the remaining bytes before reading (BINUNICODE, BINBYTES8, LONG4, BINSTRING)", () => {
    const cases = [
      pickle(2).raw(0x58, Buffer.from([0xf0, 0xff, 0xff, 0xff]), "abc").done(),
      pickle(4).raw(0x8e, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x10])).done(),
      pickle(4).raw(0x8d, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).done(),
      pickle(2).raw(0x8b, Buffer.from([0xff, 0xff, 0xff, 0x7f])).done(),
      pickle(1).raw(0x54, Buffer.from([0xff, 0xff, 0xff, 0x7f])).done(),
    ];
    for (const bytes of cases) {
      const r = run(bytes);
      expect(r.error).toBeInstanceOf(MalformedError);
      expect(r.truncated).toBe(true);
    }
    expect(run(pickle(1).raw(0x54, Buffer.from([0xff, 0xff, 0xff, 0xff])).done()).error?.message).toMatch(/negative byte count/);
  });

  it("asks for the deadline every few thousand opcodes and stops when it throws", () => {
    let calls = 0;
    const a = pickle(2);
    for (let i = 0; i < 20_000; i++) a.none().pop();
    const r = run(a.none().stop().done(), {
      checkDeadline: () => {
        if (++calls === 3) throw new LimitError("timeoutMs", 1, 1);
      },
    });
    expect(calls).toBe(3);
    expect(r.error instanceof LimitError && r.error.limit).toBe("timeoutMs");
  });

  it("bounds the distinct globals of a stream", () => {
    const a = pickle(4);
    for (let i = 0; i < 100_001; i++) a.global("m", `n${i}`).pop();
    const r = run(a.none().stop().done());
    expect(r.error instanceof LimitError && r.error.limit).toBe("distinctGlobals");
    expect(r.sites.length).toBe(100_000);
  });
});
