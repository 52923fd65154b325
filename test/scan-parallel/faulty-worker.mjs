// A scan worker with faults injected by file name, for test/scan-parallel: opening `*unreadable.bin` fails with
// EACCES (as it would for a file the scanner may not read), `*crash-worker.bin` ends the worker thread, and
// `*hang-worker.bin` spins forever without yielding. Everything else is the real worker (dist/scan/worker.js).
import { injectOpenFaults } from "./faults.mjs";

injectOpenFaults({ inWorker: true });
await import(new URL("../../dist/scan/worker.js", import.meta.url).href);
