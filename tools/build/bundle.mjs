// Bundles the CLI for start-up time: `npm run build` runs it after tsc (dist/ stays the library build).
//
// Why: a plain `modelgate scan` used to resolve and link ~110 ES modules and load CommonJS packages (commander,
// yaml) file by file, then compile every function it ran, before reading a byte of the model. Node 20 caches no
// compiled ES module code, so the CLI is one CommonJS bundle, run through vm.Script with V8's code cache
// (bin/load-bundle.cjs). What a command does not need still costs nothing at run time: every module reached by a
// dynamic import (a command, a format's analyzer, the policy loader, yaml, jinja) is wrapped by esbuild and runs
// only when imported, and V8 compiles none of its functions until they are called.
//
// Output in dist/bundle/:
//   main.cjs         the CLI (what bin/modelgate.js loads); it also exports runScanWorker for the stub below
//   main.cjs.cache   V8's code cache, made here by scanning a few small generated model files in this process
//   worker.cjs       the scan worker thread's entry (pool.ts starts `./worker.cjs` beside its bundle, where the
//                    tsc build has ./worker.js): loads the same main.cjs and cache, then runs src/scan/worker.ts
//   metafile.json    which source went into the bundle (for inspection)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { createRequire } from "node:module";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SRC = join(ROOT, "src");
const DIST = join(ROOT, "dist");
const OUT = join(DIST, "bundle");
const MAIN = join(OUT, "main.cjs");
const { loadBundle } = createRequire(import.meta.url)("../../bin/load-bundle.cjs");

/**
 * Packages compiled into the bundle: pure JavaScript on the start-up path of scan/hash/verify, costly to load
 * file by file. Every other package stays external and is required or imported from node_modules as before:
 * native code (better-sqlite3), wasm with files beside it (h5wasm, 7z-wasm), packages that start workers from
 * their own files (pino) or require optional peers (pg, @cyclonedx), and server/signing packages no plain scan
 * loads.
 */
const BUNDLED_PACKAGES = new Set(["commander", "yaml", "@huggingface/jinja", "fzstd"]);

/**
 * Modules whose `import.meta.url` must be the bundle's own: pool.ts finds the worker stub beside it. Every
 * other module sees the URL of its dist/ twin, so paths it builds relative to itself (package.json, schemas/,
 * web/, createRequire) resolve exactly as in the tsc build.
 */
const OWN_URL = new Set([join(SRC, "scan", "pool.ts")]);

// Defined by the banner of main.cjs. __modelgateTrace records which modules ran (src/cli/startup.test.ts sets
// the global it calls; without it the call does nothing).
const BANNER = [
  "const __modelgateBundleUrl = require(\"node:url\").pathToFileURL(__filename).href;",
  "const __modelgateImportMetaResolve = (specifier) => {",
  "  const resolve = globalThis[Symbol.for(\"modelgate.import-meta-resolve\")];",
  "  if (typeof resolve !== \"function\") throw new Error(\"modelgate: main.cjs must be loaded by bin/load-bundle.cjs\");",
  "  return resolve(specifier);",
  "};",
  "const __modelgateImport = (specifier) => globalThis[Symbol.for(\"modelgate.import\")](specifier);",
  "const __modelgateTrace = (id) => globalThis[Symbol.for(\"modelgate.trace\")]?.(id);",
].join("\n");

function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** @type {esbuild.Plugin} */
const externals = {
  name: "modelgate-externals",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { external: true };
      // Inside a bundled package, its own imports follow it into the bundle.
      if (args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
      return BUNDLED_PACKAGES.has(packageName(args.path)) ? undefined : { external: true };
    });
  },
};

/** `import.meta` does not exist in CommonJS: its two uses are rewritten, and every module traces its start. */
/** @type {esbuild.Plugin} */
const commonJsMeta = {
  name: "modelgate-commonjs-meta",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      if (!args.path.startsWith(SRC + sep)) return { contents, loader: "ts" };
      if (OWN_URL.has(args.path)) {
        // The bundle's worker entry is CommonJS (see bin/load-bundle.cjs).
        const worker = 'new URL("./worker.js", import.meta.url)';
        if (!contents.includes(worker)) throw new Error(`bundle: ${relative(ROOT, args.path)} no longer has ${worker}; update tools/build/bundle.mjs`);
        contents = contents.replace(worker, 'new URL("./worker.cjs", import.meta.url)');
      }
      if (contents.includes("import.meta.url")) {
        const twin = join(DIST, relative(SRC, args.path)).replace(/\.ts$/, ".js");
        const url = OWN_URL.has(args.path) ? "__modelgateBundleUrl" : `new URL(${JSON.stringify(relative(OUT, twin).split(sep).join("/"))}, __modelgateBundleUrl).href`;
        contents = contents.replaceAll("import.meta.url", url);
      }
      contents = contents.replaceAll("import.meta.resolve(", "__modelgateImportMetaResolve(");
      // A dynamic import of a package left outside the bundle: asked of bin/load-bundle.cjs (vm.Script code has
      // no import() of its own once it comes from the code cache).
      contents = contents.replace(/\bimport\((["'])([^"'./][^"']*)\1\)/g, (call, _quote, specifier) =>
        specifier.startsWith("node:") || !BUNDLED_PACKAGES.has(packageName(specifier)) ? `__modelgateImport(${JSON.stringify(specifier)})` : call,
      );
      if (contents.includes("import.meta")) throw new Error(`${relative(ROOT, args.path)}: import.meta has no CommonJS rewrite in tools/build/bundle.mjs`);
      const id = relative(ROOT, args.path).split(sep).join("/");
      return { contents: `${contents}\n;__modelgateTrace(${JSON.stringify(id)});\n`, loader: "ts" };
    });
    // Bundled packages trace their first file as `node_modules/NAME`.
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.(c|m)?js$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      if (args.path.endsWith(join("commander", "lib", "command.js"))) contents = lazyChildProcess(contents);
      const pkg = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(args.path)[1].split(sep).join("/");
      return { contents: `${contents}\n;__modelgateTrace(${JSON.stringify(`node_modules/${pkg}`)});\n`, loader: "js" };
    });
  },
};

/**
 * commander requires node:child_process (with net, dgram and streams, about 3 ms) at load time, only for
 * executable subcommands, which modelgate does not have: it is required when first used instead.
 */
function lazyChildProcess(contents) {
  const line = "const childProcess = require('node:child_process');";
  if (!contents.includes(line)) throw new Error(`bundle: commander/lib/command.js no longer has \`${line}\`; update lazyChildProcess`);
  return contents.replace(line, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };");
}

rmSync(OUT, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { main: join(SRC, "cli", "main.ts") },
  outdir: OUT,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  charset: "ascii",
  banner: { js: BANNER },
  plugins: [externals, commonJsMeta],
  metafile: true,
  logLevel: "warning",
});
writeFileSync(join(OUT, "metafile.json"), JSON.stringify(result.metafile));
// Code run by vm.Script from a code cache cannot import(): the only ones left must be in worker sources
// (strings a worker thread evaluates), which import workerData's URL.
const stray = [...readFileSync(MAIN, "latin1").matchAll(/\bimport\((?!workerData\.)/g)];
if (stray.length > 0) throw new Error(`bundle: main.cjs has ${stray.length} import() call(s) the build did not route through bin/load-bundle.cjs`);
writeFileSync(
  join(OUT, "worker.cjs"),
  `// The scan worker thread's entry (written by tools/build/bundle.mjs): the CLI bundle and its code cache.\n"use strict";\nconst { pathToFileURL } = require("node:url");\nconst { loadBundle } = require("../../bin/load-bundle.cjs");\n\nvoid loadBundle(pathToFileURL(require("node:path").join(__dirname, "main.cjs"))).exports.runScanWorker();\n`,
);

// The code cache: V8 stores what it compiled, so the warm-up runs the paths a scan runs: a folder walk, the
// pickle machine and classifier, the numpy/safetensors/JSON readers, the text and JSON reports.
const { exports: cli, script } = loadBundle(pathToFileURL(MAIN), { cache: false });
const warm = mkdtempSync(join(tmpdir(), "modelgate-bundle-warm-"));
try {
  const files = join(warm, "model");
  const write = (name, bytes) => writeFileSync(join(warm, name), bytes);
  mkdirSync(files);
  // pickle.dumps(collections.OrderedDict(a=1, b=[1.5, "x"]), protocol=4) and a protocol-2 dict of a list.
  write("model/state.pkl", Buffer.from("8004953f000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0161944b018c0162945d9428473ff80000000000008c01789465752e", "hex"));
  write("model/small.pkl", Buffer.from("80027d71002858010000007771015d7102284b004b014b024b034b046558010000007371035801000000747104752e", "hex"));
  const npyHeader = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }".padEnd(117, " ") + "\n";
  write("model/weights.npy", Buffer.concat([Buffer.from("\x93NUMPY\x01\x00", "latin1"), Buffer.from([npyHeader.length, 0]), Buffer.from(npyHeader), Buffer.alloc(16)]));
  const st = Buffer.from(JSON.stringify({ w: { dtype: "F32", shape: [4], data_offsets: [0, 16] }, __metadata__: { format: "pt" } }));
  const stLength = Buffer.alloc(8);
  stLength.writeBigUInt64LE(BigInt(st.length));
  write("model/model.safetensors", Buffer.concat([stLength, st, Buffer.alloc(16)]));
  write("model/config.json", JSON.stringify({ model_type: "bert", architectures: ["BertModel"] }));
  const runs = [
    ["scan", files, "-q", "-j", "1", "-o", join(warm, "report.txt")],
    ["scan", join(files, "small.pkl"), "-q", "--no-digest", "-o", join(warm, "small.txt")],
    ["scan", files, "-q", "-j", "1", "--format", "json", "-o", join(warm, "report.json")],
  ];
  for (const argv of runs) {
    const code = await cli.main(argv);
    if (code !== 0) throw new Error(`bundle: the warm-up \`modelgate ${argv.join(" ")}\` exited ${code}`);
  }
  process.exitCode = 0;
} finally {
  rmSync(warm, { recursive: true, force: true });
}
const cache = script.createCachedData();
writeFileSync(`${MAIN}.cache`, cache);

// The cache is only worth shipping if this Node accepts it.
if (loadBundle(pathToFileURL(MAIN)).cacheRejected) process.stderr.write("bundle: V8 rejected the code cache it just wrote; the CLI will compile at every start\n");
// On standard error: `npm pack` (which runs the build through prepare) prints the tarball name on standard output,
// and pre-commit reads that name from it.
process.stderr.write(`bundle: ${relative(ROOT, MAIN)} (${(result.metafile.outputs[relative(ROOT, MAIN)]?.bytes / 1024).toFixed(0)} KiB), code cache ${(cache.length / 1024).toFixed(0)} KiB, worker.cjs\n`);
