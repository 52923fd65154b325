#!/usr/bin/env node
// Thin launcher. `npm run build` (also run by `npm ci` through the prepare script) writes two builds of the CLI:
// dist/cli/main.js (tsc, module by module) and dist/bundle/main.cjs (esbuild, one CommonJS file with V8's code
// cache beside it: starts faster, see tools/build/bundle.mjs and ./load-bundle.cjs). The bundle is used unless
// it is missing or older than the tsc build (a `tsc` run alone must not leave the launcher on stale code).
import { statSync } from "node:fs";
import { loadBundle } from "./load-bundle.cjs";

const bundle = new URL("../dist/bundle/main.cjs", import.meta.url);
const modules = new URL("../dist/cli/main.js", import.meta.url);
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = mtime(bundle);
const { main } = bundled >= 0 && bundled >= mtime(modules) ? loadBundle(bundle).exports : await import(modules.href);

// A reader that stops early (`modelgate scan --help | head`) closes the pipe: stop quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`modelgate: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 2;
  },
);
