/**
 * Plain data is summarised, not kept (values.ts: sealing): a container of plain data that its parent does not
 * keep loses its items and its memo slot becomes a number. These tests hold the line an attacker who read that
 * code would probe: nothing callable is ever summarised away, a summarised container reached again through the
 * memo is treated as content that cannot be read, and state rules never vouch for what they did not see.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import { analyzePickleBytes } from "./analyzer.js";
import { runStream } from "./machine.js";
import { createTestContext } from "./testing/context.js";
import { pickle, type PickleAssembler } from "./testing/assembler.js";

async function findings(bytes: Buffer): Promise<Finding[]> {
  const t = createTestContext();
  await analyzePickleBytes(bytes, t.ctx);
  return t.findings;
}

/** "ruleId:severity[:module.name]" of every finding at medium or above. */
async function summary(p: PickleAssembler): Promise<string[]> {
  const list = await findings(p.stop().done());
  return list
    .filter((f) => f.severity !== "low" && f.severity !== "info")
    .map((f) => `${f.ruleId}:${f.severity}${f.evidence?.module !== undefined ? `:${String(f.evidence.module)}.${String(f.evidence.name)}` : ""}`);
}

/** Appends `n` small plain dicts ({"id": i}) to the list on top of the stack, memoizing each (as pickle does). */
function plainDicts(p: PickleAssembler, n: number): PickleAssembler {
  p.mark();
  for (let i = 0; i < n; i++) p.emptyDict().memoize().str("id").binint(i).setitem();
  return p.appends();
}

const TEMPLATE =
  "\ndef _parse_args(self, a, b,  loc=0, scale=1):\n    return (a, b, ), loc, scale\n\ndef _parse_args_rvs(self, a, b,  loc=0, scale=1, size=None):\n    return self._argcheck_rvs(a, b,  loc, scale, size=size)\n\ndef _parse_args_stats(self, a, b,  loc=0, scale=1, moments='mv'):\n    return (a, b, ), loc, scale, moments\n";

/** A scipy distribution rebuilt by copyreg._reconstructor; the caller pushes its state and BUILDs. */
function scipyDist(p: PickleAssembler): PickleAssembler {
  return p.global("copyreg", "_reconstructor").global("scipy.stats._continuous_distns", "beta_gen").global("builtins", "object").none().tuple3().reduce();
}

describe("summarised plain data", () => {
  it("a list of 20,000 plain dicts reads to the end with no finding, its dicts summarised", () => {
    const p = pickle(4).emptyList().memoize();
    for (let b = 0; b < 20; b++) plainDicts(p, 1000);
    const bytes = p.stop().done();
    const r = runStream(bytes, 0, { maxMemo: 100_000, maxNesting: 64 });
    expect(r.completed).toBe(true);
    expect(r.anomalies).toEqual([]);
    const list = r.result!;
    expect(list.kind === "list" && list.count).toBe(20_000);
    // The first CONTAINER_KEEP items are kept as they are; the rest were plain data and are not held.
    expect(list.kind === "list" && list.items.length).toBe(64);
  });

  it("a summarised dict fetched again from the memo says what it was: a dict, its count, plain data", () => {
    const p = pickle(4).emptyList().memoize();
    plainDicts(p, 100);
    // memo 0 is the list; dict i is memo i + 1: dict 80 was past the list's kept items.
    p.pop().global("builtins", "print").longBinget(81).tuple1().reduce();
    return findings(p.stop().done()).then((list) => {
      const call = list.find((f) => f.evidence?.name === "print");
      expect(String(call?.evidence?.arguments)).toContain("dict of 1 (plain data, not kept)");
    });
  });

  it("a callable inside a nested list past position 64 is kept, not summarised", async () => {
    // [0, 1, …, 99, [<callable>]] handed to copyreg._reconstructor's state-less call chain: the list's items are
    // what functools.partial-like readers see; the nested list past 64 must still be there.
    const p = pickle(4).global("builtins", "list").mark();
    for (let i = 0; i < 100; i++) p.binint(i);
    p.mark().global("evil.module", "run").list().list().tuple1().reduce();
    const r = runStream(p.stop().done(), 0, { maxMemo: 1000, maxNesting: 64 });
    const arg = r.result?.kind === "call" && r.result.args.kind === "tuple" ? r.result.args.items[0] : undefined;
    expect(arg?.kind === "list" && arg.items.some((x) => x.kind === "list" && x.items.some((y) => y.kind === "global" && y.name === "run"))).toBe(true);
  });

  it("a callable added later to a summarised list counts as called: whatever holds the list has forgotten it", async () => {
    const p = pickle(4).emptyList().memoize().mark();
    for (let i = 0; i < 100; i++) p.emptyList().memoize();
    p.appends();
    // memo 80 is one of the inner lists past the outer list's kept items: summarised. Reach it again and append.
    p.longBinget(80).global("evil.module", "hook").append().pop();
    expect(await summary(p)).toContain("pickle/unknown-global-call:high:evil.module.hook");
  });

  it("a summarised tuple used as a nested loader's arguments cannot be read: the loader call is not vouched for", async () => {
    const benign = pickle(2).none().stop().done();
    const loader = (p: PickleAssembler): PickleAssembler => p.global("torch.storage", "_load_from_bytes");
    // Inline, the bytes are read and the loader call is vouched for (a plain-pickled tensor does this).
    const inline = await summary(loader(pickle(4)).bytes(benign).tuple1().reduce());
    expect(inline.filter((s) => s.includes("_load_from_bytes"))).toEqual([]);
    // The same tuple, summarised as the 70th item of a list and fetched from the memo: nothing vouches for it.
    const p = pickle(4).emptyList().memoize().mark();
    for (let i = 0; i < 70; i++) p.bytes(benign).tuple1().memoize();
    p.appends().pop();
    loader(p).longBinget(70).reduce();
    expect((await summary(p)).some((s) => s.includes("torch.storage._load_from_bytes"))).toBe(true);
  });
});

describe("state rules vouch only for what they read", () => {
  it("a state dict summarised as plain data (reached through the memo) is not vouched for", async () => {
    const p = pickle(4).emptyList().memoize().mark();
    for (let i = 0; i < 70; i++) p.emptyDict().memoize().str("_parse_arg_template").str("x").setitem();
    p.appends().pop();
    scipyDist(p).longBinget(70).build();
    expect((await summary(p)).some((s) => s.startsWith("pickle/state-code:critical"))).toBe(true);
  });

  it("the attribute after 64 other entries is still checked", async () => {
    const p = scipyDist(pickle(2)).emptyDict().mark();
    for (let i = 0; i < 70; i++) p.str(`k${i}`).none();
    p.str("_parse_arg_template").str("__import__('os').system('id')").setitems().build();
    expect((await summary(p)).some((s) => s.startsWith("pickle/state-code:critical"))).toBe(true);
  });

  it("a key set twice counts with its last value, as in Python", async () => {
    const p = scipyDist(pickle(2)).emptyDict().mark();
    p.str("_parse_arg_template").str(TEMPLATE).str("_parse_arg_template").str("__import__('os').system('id')").setitems().build();
    expect((await summary(p)).some((s) => s.startsWith("pickle/state-code:critical"))).toBe(true);
  });

  it("a state computed at load time (a call result) is not vouched for", async () => {
    const p = scipyDist(pickle(2)).global("builtins", "dict").emptyTuple().reduce().build();
    expect((await summary(p)).some((s) => s.startsWith("pickle/state-code:critical"))).toBe(true);
  });

  it("scipy's own template, read whole, is still a low note", async () => {
    const list = await findings(scipyDist(pickle(2)).emptyDict().str("_parse_arg_template").str(TEMPLATE).setitem().build().stop().done());
    expect(list.map((f) => `${f.ruleId}:${f.severity}`)).toEqual(["pickle/verified-state:low"]);
  });
});
