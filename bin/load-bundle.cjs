// Loads the CommonJS bundle of the CLI (dist/bundle/main.cjs, written by tools/build/bundle.mjs) with V8's code
// cache beside it (main.cjs.cache, made at build time by a warm-up scan). Used by bin/modelgate.js and by the
// scan worker threads (dist/bundle/worker.cjs); CommonJS itself, because a worker thread starts about 13 ms
// sooner on a CommonJS entry than on an ES module.
//
// Why: Node 20 has no compile cache for ES modules, and compiling the JavaScript a scan runs — the bundle's top
// level, then every function the first time it is called — was about a third of a small scan's wall time.
// vm.Script with cachedData skips that work. V8 checks the cache against its own version, its flags and the
// source, and rejects one that does not match (a rebuilt bundle, another Node): the bundle is then compiled as
// usual, which is slower, never different. This file never writes a cache; only the build does.
"use strict";
const { readFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname } = require("node:path");
const { fileURLToPath } = require("node:url");
const vm = require("node:vm");

// Code V8 took from the cache has no import() of its own, and CommonJS has no import.meta.resolve: the bundle
// asks these of this file, which sits in the same package, so resolves packages (sigstore, h5wasm's ESM build,
// the CEL engine) as the tsc build would. ES-module resolution is only in an ES module: ./esm-resolve.mjs,
// required (synchronously: Node ≥ 20.19) the first time it is needed.
globalThis[Symbol.for("modelgate.import")] ??= (specifier) => import(specifier);
globalThis[Symbol.for("modelgate.import-meta-resolve")] ??= (specifier) => require("./esm-resolve.mjs").resolve(specifier);

/**
 * Compiles and runs the bundle at `url` as a CommonJS module; returns its exports, the vm.Script (the build
 * calls createCachedData() on it after its warm-up) and whether V8 refused the cache.
 * @param {URL} url
 * @param {{ cache?: boolean }} [options] `cache: false` compiles without reading the cache.
 */
function loadBundle(url, options = {}) {
  const filename = fileURLToPath(url);
  // The bundle is ASCII (esbuild escapes everything else), so latin1 decodes it exactly and fastest.
  const source = readFileSync(filename, "latin1");
  let cachedData;
  if (options.cache !== false) {
    try {
      cachedData = readFileSync(`${filename}.cache`);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(filename), module, filename, dirname(filename));
  return { exports: module.exports, script, cacheRejected: cachedData !== undefined && script.cachedDataRejected === true };
}

module.exports = { loadBundle };
