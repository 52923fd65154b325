#!/usr/bin/env node
// Thin launcher. `npm run build` (also run by `npm ci` through the prepare script) writes two builds of the CLI:
// dist/cli/main.js (tsc, module by module) and dist/bundle/main.cjs (esbuild, one CommonJS file with V8's code
// cache beside it: starts faster, see tools/build/bundle.mjs and ./load-bundle.cjs). The bundle is used unless
// it is missing or older than the tsc build (a `tsc` run alone must not leave the launcher on stale code).
//
// CommonJS (./package.json says so for this folder): an ES-module entry costs a whole process about 7 ms more,
// for Node's ES-module loader, which nothing else in a scan needs.
"use strict";
const { statSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { loadBundle } = require("./load-bundle.cjs");

const bundle = join(__dirname, "..", "dist", "bundle", "main.cjs");
const modules = join(__dirname, "..", "dist", "cli", "main.js");
const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = mtime(bundle);

// A reader that stops early (`modelgate scan --help | head`) closes the pipe: stop quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const internalError = (err) => {
  process.stderr.write(`modelgate: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 2;
};

(bundled >= 0 && bundled >= mtime(modules) ? Promise.resolve(loadBundle(pathToFileURL(bundle)).exports) : import(pathToFileURL(modules).href))
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  }, internalError);
