/**
 * A scan worker thread (started by pool.ts as `new Worker(new URL("./worker.js", import.meta.url))`): scans
 * the files of each batch it is sent, one after the other, and answers each with its result as soon as it is
 * done — so the main thread knows which file a worker that dies was scanning.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PoolFile, ScanBatchMessage, WorkerMessage, WorkerSetup } from "./pool.js";
import { scanDiskFile } from "./scan.js";

const port = parentPort;
if (!port) throw new Error("src/scan/worker.ts runs only as a worker thread");
const setup = workerData as WorkerSetup;
const queue: PoolFile[] = [];
let draining = false;

const send = (m: WorkerMessage): void => port.postMessage(m);

async function drain(): Promise<void> {
  draining = true;
  for (let file = queue.shift(); file; file = queue.shift()) {
    const { index } = file;
    const onBytes = setup.progress
      ? (phase: "scan" | "digest", bytesDone: number, bytesTotal: number) => send({ type: "bytes", index, phase, bytesDone, bytesTotal })
      : undefined;
    send({ type: "result", index, result: await scanDiskFile(file.path, setup.options, onBytes) });
  }
  draining = false;
}

port.on("message", (m: ScanBatchMessage) => {
  queue.push(...m.files);
  if (!draining) void drain();
});
send({ type: "ready" });
