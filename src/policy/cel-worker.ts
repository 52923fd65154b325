import { Worker } from "node:worker_threads";
import { CEL_BUDGET } from "./cel-budget.js";
import { CEL_LIMITS, celContext, TYPES, VARIABLES } from "./cel.js";
import type { Facts } from "./facts.js";

/**
 * Custom rules run in a worker thread, one rule at a time with a deadline: an expression that takes too long
 * (a comprehension over large facts, a costly regular expression) is terminated with its worker and becomes an
 * error result that fails the model, and the caller's thread — the gate server's request path — never waits
 * on it. The worker is shared, started on first use and unref'd (it keeps no process alive).
 */

export type CelRunResult = { ok: true; value: boolean } | { ok: false; message: string; budget?: boolean };

interface Boot {
  celUrl: string;
  limits: typeof CEL_LIMITS;
  types: readonly [string, Record<string, string>][];
  variables: [string, string][];
}

interface Request {
  id: number;
  expressions: string[];
  context: unknown;
}

/** One rule's value, posted as soon as it is known (the deadline restarts for the next rule). */
type Reply = { id: number; index: number } & CelRunResult;

/** Runs in the worker: must not close over anything (it is sent as source). */
function celWorkerMain(cel: { Environment: new (o: unknown) => { registerType(n: string, d: unknown): void; registerVariable(n: string, t: string): void; parse(e: string): (c: unknown) => unknown } }, port: { on(e: "message", f: (m: Request) => void): void; postMessage(m: unknown): void }, boot: Boot): void {
  const env = new cel.Environment({ limits: boot.limits, homogeneousAggregateLiterals: false });
  for (const [name, fields] of boot.types) env.registerType(name, { fields });
  for (const [name, type] of boot.variables) env.registerVariable(name, type);
  const programs = new Map<string, (c: unknown) => unknown>();
  port.on("message", (m) => {
    m.expressions.forEach((expression, index) => {
      try {
        let program = programs.get(expression);
        if (!program) {
          program = env.parse(expression);
          programs.set(expression, program);
        }
        const value = program(m.context);
        port.postMessage(typeof value === "boolean" ? { id: m.id, index, ok: true, value } : { id: m.id, index, ok: false, message: `the expression gave ${typeof value}, not true or false` });
      } catch (e) {
        port.postMessage({ id: m.id, index, ok: false, message: String(e instanceof Error ? e.message : e).split("\n")[0] });
      }
    });
  });
  port.postMessage({ id: 0, index: 0, ok: true, value: true });
}

const BOOT_SOURCE = (fn: string): string => `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
var __name = (f) => f;
import(workerData.celUrl).then((cel) => (${fn})(cel, parentPort, workerData), (e) => parentPort.postMessage({ id: 0, ok: false, message: String(e && e.message || e) }));
`;

interface Running {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, (r: Reply) => void>;
}

let shared: Running | undefined;
let nextId = 1;
/** One rule at a time: the deadline is the rule's own. */
let queue: Promise<unknown> = Promise.resolve();

function start(): Running {
  const boot: Boot = { celUrl: import.meta.resolve("@marcbachmann/cel-js"), limits: CEL_LIMITS, types: TYPES, variables: Object.entries(VARIABLES) };
  const worker = new Worker(BOOT_SOURCE(celWorkerMain.toString()), { eval: true, workerData: boot, resourceLimits: { maxOldGenerationSizeMb: 256 } });
  worker.unref();
  const pending = new Map<number, (r: Reply) => void>();
  const running: Running = { worker, pending, ready: Promise.resolve() };
  running.ready = new Promise<void>((resolve, reject) => {
    worker.on("message", (m: Reply) => {
      if (m.id === 0) return m.ok ? resolve() : reject(new Error(`the CEL worker could not start: ${m.message}`));
      pending.get(m.id)?.(m);
    });
    const fail = (message: string) => {
      if (shared === running) shared = undefined;
      reject(new Error(message));
      for (const done of pending.values()) done({ id: -1, index: -1, ok: false, message });
      pending.clear();
    };
    worker.on("error", (e) => fail(`the CEL worker failed: ${e.message}`));
    worker.on("exit", (code) => fail(`the CEL worker exited (code ${code})`));
  });
  return running;
}

/** Runs the expressions in order in the shared worker; a rule past its deadline stops the worker, and the rest go on in a new one. */
async function runBatch(expressions: string[], context: unknown, timeoutMs: number): Promise<CelRunResult[]> {
  shared ??= start();
  const running = shared;
  try {
    await running.ready;
  } catch (e) {
    return expressions.map(() => ({ ok: false, message: (e as Error).message }));
  }
  const id = nextId++;
  const out: CelRunResult[] = [];
  const timedOut = await new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout;
    const arm = () => {
      timer = setTimeout(() => {
        running.pending.delete(id);
        if (shared === running) shared = undefined;
        void running.worker.terminate();
        resolve(true);
      }, timeoutMs);
    };
    running.pending.set(id, (r) => {
      clearTimeout(timer);
      if (r.id === -1) {
        // The worker died: this rule and the ones after it could not be evaluated.
        while (out.length < expressions.length) out.push({ ok: false, message: r.ok ? "the CEL worker stopped" : r.message });
        running.pending.delete(id);
        return resolve(false);
      }
      out.push(r.ok ? { ok: true, value: r.value } : { ok: false, message: r.message });
      if (out.length === expressions.length) {
        running.pending.delete(id);
        return resolve(false);
      }
      arm();
    });
    arm();
    running.worker.postMessage({ id, expressions, context } satisfies Request);
  });
  if (!timedOut) return out;
  out.push({ ok: false, budget: true, message: `exceeded the evaluation budget: still running after ${timeoutMs} ms, stopped` });
  const rest = expressions.slice(out.length);
  return rest.length > 0 ? [...out, ...(await runBatch(rest, context, timeoutMs))] : out;
}

/** Evaluates each expression over the facts in the worker, each within `timeoutMs`; results in order. */
export async function runCelRules(expressions: readonly string[], facts: Facts, options: { timeoutMs?: number } = {}): Promise<CelRunResult[]> {
  if (expressions.length === 0) return [];
  const context = celContext(facts);
  const timeoutMs = options.timeoutMs ?? CEL_BUDGET.timeoutMs;
  const job = queue.then(() => runBatch([...expressions], context, timeoutMs));
  queue = job.catch(() => undefined);
  return job;
}

/** Stops the shared worker (tests; a server shutting down). */
export async function stopCelWorker(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (running) await running.worker.terminate();
}
