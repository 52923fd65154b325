// Loads the CommonJS bundle of the CLI (dist/bundle/main.cjs, written by tools/build/bundle.mjs) with V8's code
// cache beside it (main.cjs.cache, made at build time by a warm-up scan).
//
// Why: Node 20 has no compile cache for ES modules, and compiling the JavaScript a scan runs — the bundle's top
// level, then every function the first time it is called — was about a third of a small scan's wall time.
// vm.Script with cachedData skips that work. V8 checks the cache against its own version, its flags and the
// source, and rejects one that does not match (a rebuilt bundle, another Node): the bundle is then compiled as
// usual, which is slower, never different. This file never writes a cache; only the build does.
import { readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

// The bundle cannot use import.meta.resolve (it is CommonJS): ES-module resolution of a package (h5wasm's ESM
// build, the CEL engine) is asked of this module, which sits in the same package, so resolves the same way.
// Its dynamic imports of packages (sigstore, …) are made here for the same reason, and because code V8 took from
// the cache has no import() of its own.
globalThis[Symbol.for("modelgate.import-meta-resolve")] ??= (specifier) => import.meta.resolve(specifier);
globalThis[Symbol.for("modelgate.import")] ??= (specifier) => import(specifier);

/**
 * Compiles and runs the bundle at `url` as a CommonJS module; returns its exports and the vm.Script (the build
 * calls createCachedData() on it after its warm-up).
 * @param {URL} url
 * @param {{ cache?: boolean }} [options] `cache: false` compiles without reading the cache.
 */
export function loadBundle(url, options = {}) {
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
  script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename));
  return { exports: module.exports, script, cacheRejected: cachedData !== undefined && script.cachedDataRejected === true };
}
