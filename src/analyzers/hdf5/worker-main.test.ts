/**
 * The worker body run in this thread with a port that answers reads at once, to look at what the pool
 * only sees from outside: the wasm heap and the library errors across many jobs.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HDF5_LIMITS } from "./analyzer.js";
import type { Hdf5Event, Hdf5Job, WorkerHealth, WorkerToMain } from "./protocol.js";
import { CONTROL_LENGTH, CONTROL_STATE, DATA_OFFSET, READ_WINDOW_BYTES, STATE_ERROR, STATE_READY, STATE_WAITING } from "./protocol.js";
import { hdf5WorkerMain } from "./worker-main.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/hdf5");

interface JobResult {
  end: Extract<WorkerToMain, { t: "done" | "failed" }>;
  events: Hdf5Event[];
  reads: number;
}

async function inThreadWorker(): Promise<(bytes: Buffer) => JobResult> {
  const h5 = await import("h5wasm");
  await h5.ready;
  const sab = new SharedArrayBuffer(DATA_OFFSET + READ_WINDOW_BYTES);
  const ctrl = new Int32Array(sab, 0, 4);
  const data = new Uint8Array(sab, DATA_OFFSET, READ_WINDOW_BYTES);
  let listener: ((m: Hdf5Job) => void) | undefined;
  let current: Buffer = Buffer.alloc(0);
  let result: JobResult | undefined;
  let events: Hdf5Event[] = [];
  let reads = 0;
  hdf5WorkerMain(
    h5,
    {
      on: (_event, l) => {
        listener = l;
      },
      postMessage: (m) => {
        if (m.t === "read") {
          // Answered before the worker waits: Atomics.wait then returns at once.
          reads++;
          const b = current.subarray(m.offset, m.offset + m.length);
          data.set(b);
          Atomics.store(ctrl, CONTROL_LENGTH, b.length);
          Atomics.store(ctrl, CONTROL_STATE, STATE_READY);
        } else if (m.t === "event") events.push(m.ev);
        else if (m.t === "done" || m.t === "failed") result = { end: m, events, reads };
      },
    },
    {
      h5wasmUrl: "",
      hostProbePath: fileURLToPath(import.meta.url),
      sab,
      dataOffset: DATA_OFFSET,
      windowBytes: READ_WINDOW_BYTES,
      state: { waiting: STATE_WAITING, ready: STATE_READY, error: STATE_ERROR },
      control: { state: CONTROL_STATE, length: CONTROL_LENGTH },
    },
  );
  let id = 0;
  return (bytes) => {
    current = bytes;
    events = [];
    reads = 0;
    result = undefined;
    listener!({ t: "job", id: ++id, size: bytes.length, limits: HDF5_LIMITS });
    if (!result) throw new Error("job did not finish");
    return result;
  };
}

describe("hdf5 worker body", () => {
  it("refuses a library build that can see the host's files", async () => {
    const h5 = await import("h5wasm");
    await h5.ready;
    const me = fileURLToPath(import.meta.url);
    const fakeFs = { ...h5.FS, analyzePath: (p: string) => ({ exists: p === me }) };
    const boot = { h5wasmUrl: "", hostProbePath: me, sab: new SharedArrayBuffer(64), dataOffset: 16, windowBytes: 48, state: { waiting: 0, ready: 1, error: 2 }, control: { state: 0, length: 1 } };
    expect(() => hdf5WorkerMain({ ...h5, FS: fakeFs }, { on: () => undefined, postMessage: () => undefined }, boot)).toThrow(/host's files/);
  });

  it("repeated jobs on a model with weights keep the wasm heap flat and raise no library error", async () => {
    const run = await inThreadWorker();
    const bytes = readFileSync(join(FIXTURES, "keras2_sequential.h5"));
    const first = run(bytes);
    expect(first.end.t).toBe("done");
    const health = (r: JobResult): WorkerHealth => r.end.health;
    let last = first;
    for (let k = 0; k < 40; k++) last = run(bytes);
    expect(health(last).heapBytes).toBe(health(first).heapBytes);
    expect(health(last).errors).toBe(0);
    expect(health(last).openStreams).toBe(health(first).openStreams);
    expect(last.events.map((e) => e.kind)).toEqual(["keras-attribute", "keras-attribute", "keras-attribute", "keras-attribute"]);
  });

  it("counts the library errors a broken file raises", async () => {
    const run = await inThreadWorker();
    const junk = Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(512, 0x41)]);
    const r = run(junk);
    expect(r.end.t).toBe("failed");
    expect(r.end.health.errors).toBeGreaterThan(0);
  });
});
