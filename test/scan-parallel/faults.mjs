import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const realOpenSync = fs.openSync;

/** Makes fs.openSync fail for `*unreadable.bin` (and, in a worker, crash or hang on the other fault names). */
export function injectOpenFaults({ inWorker }) {
  fs.openSync = (path, ...rest) => {
    const p = String(path);
    if (p.endsWith("unreadable.bin")) {
      const e = new Error(`EACCES: permission denied, open '${p}'`);
      e.code = "EACCES";
      throw e;
    }
    if (inWorker && p.endsWith("crash-worker.bin")) process.exit(70);
    if (inWorker && p.endsWith("hang-worker.bin")) for (;;);
    return realOpenSync(path, ...rest);
  };
  syncBuiltinESMExports();
}

export function removeOpenFaults() {
  fs.openSync = realOpenSync;
  syncBuiltinESMExports();
}
