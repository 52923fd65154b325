// Bundles the CLI for start-up time: `npm run build` runs it after tsc (dist/ stays the library build).
//
// Why: a plain `modelgate scan` used to resolve and link ~110 ES modules and load CommonJS packages (commander,
// yaml) file by file before reading a byte of the model. One ESM bundle with code splitting keeps each lazily
// imported part (a command, a format's analyzer, the policy loader) in its own chunk, so a scan still loads
// only what its input needs, in a few chunks instead of a hundred modules.
//
// Output: dist/bundle/main.js (what bin/modelgate.js loads), dist/bundle/worker.js (the scan worker thread, when
// src/scan/worker.ts exists: pool.ts starts `new URL("./worker.js", import.meta.url)`, and every chunk sits in
// this one folder), the chunks, and metafile.json (which source went into which chunk; the start-up test reads it).
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SRC = join(ROOT, "src");
const DIST = join(ROOT, "dist");
const OUT = join(DIST, "bundle");

/**
 * Packages compiled into the bundle: pure JavaScript on the start-up path of scan/hash/verify, costly to load
 * file by file. Every other package stays external and is loaded from node_modules as before: native code
 * (better-sqlite3), wasm with files beside it (h5wasm, 7z-wasm), packages that start workers from their own
 * files (pino) or require optional peers (pg, @cyclonedx), and server/signing packages no plain scan loads.
 */
const BUNDLED_PACKAGES = new Set(["commander", "yaml", "@huggingface/jinja", "fzstd"]);

/**
 * Modules whose `import.meta.url` must stay the chunk's own: pool.ts finds the worker bundle beside it.
 * Every other module sees the URL of its dist/ twin, so paths it builds relative to itself (package.json,
 * schemas/, web/, createRequire) resolve exactly as in the tsc build.
 */
const OWN_URL = new Set([join(SRC, "scan", "pool.ts")]);

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

/** @type {esbuild.Plugin} */
const distUrls = {
  name: "modelgate-dist-urls",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      if (args.path.startsWith(SRC + sep) && !OWN_URL.has(args.path) && contents.includes("import.meta.url")) {
        const twin = join(DIST, relative(SRC, args.path)).replace(/\.ts$/, ".js");
        const rel = relative(OUT, twin).split(sep).join("/");
        contents = contents.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents, loader: "ts" };
    });
  },
};

const entryPoints = { main: join(SRC, "cli", "main.ts") };
const workerEntry = join(SRC, "scan", "worker.ts");
if (existsSync(workerEntry)) entryPoints.worker = workerEntry;
else process.stderr.write("bundle: src/scan/worker.ts does not exist; no worker.js (folder scans stay on the main thread)\n");

rmSync(OUT, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunk-[hash]",
  // CommonJS packages in an ES module bundle call require() for node built-ins.
  banner: { js: 'import { createRequire as __modelgateCreateRequire } from "node:module";\nconst require = __modelgateCreateRequire(import.meta.url);' },
  plugins: [externals, distUrls],
  metafile: true,
  logLevel: "warning",
});
writeFileSync(join(OUT, "metafile.json"), JSON.stringify(result.metafile));
const outputs = Object.values(result.metafile.outputs);
process.stdout.write(`bundle: ${Object.keys(entryPoints).join(", ")} → ${relative(ROOT, OUT)}/ (${outputs.length} files, ${(outputs.reduce((n, o) => n + o.bytes, 0) / 1024).toFixed(0)} KiB)\n`);
