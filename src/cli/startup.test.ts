import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "./main.js";

/**
 * What a plain command loads, checked on the built CLI (bin/modelgate.js, as users run it). The bundle
 * (dist/bundle/main.cjs) calls a trace hook as each of its modules runs; a preloaded script sets that hook and
 * also records every package the bundle requires or imports from node_modules, and every file the tsc build
 * loads when the bundle is missing.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "modelgate.js");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "modelgate-startup-"));
  writeFileSync(
    join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  const r = await next(url, context);
  appendFileSync(process.env.MODELGATE_TEST_LOADED, url + "\\n");
  return r;
}
`,
  );
  writeFileSync(
    join(dir, "register.mjs"),
    `import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
const log = (line) => appendFileSync(process.env.MODELGATE_TEST_LOADED, line + "\\n");
globalThis[Symbol.for("modelgate.trace")] = log;
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (!request.startsWith("node:") && !Module.isBuiltin(request)) log(request.startsWith(".") || request.startsWith("/") ? request : "node_modules/" + request);
  return load.call(this, request, parent, isMain);
};
register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});
`,
  );
  // A protocol-2 pickle of {"a": 1}.
  writeFileSync(join(dir, "small.pkl"), Buffer.from("80027d710058010000006171014b01732e", "hex"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sources (src/… and node_modules/PACKAGE) behind every module run by `modelgate ARGS`. */
function loadedSources(args: string[]): Set<string> {
  const log = join(dir, `loaded-${args[0]}.txt`);
  rmSync(log, { force: true });
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(join(dir, "register.mjs")).href, BIN, ...args], {
    cwd: dir,
    env: { ...process.env, MODELGATE_TEST_LOADED: log },
    encoding: "utf8",
  });
  expect(r.status, r.stderr).not.toBe(2);
  expect(existsSync(join(ROOT, "dist", "bundle", "main.cjs")), "the bundle is built (npm run build)").toBe(true);
  const sources = new Set<string>();
  for (const line of readFileSync(log, "utf8").split("\n")) {
    if (line === "") continue;
    const path = line.startsWith("file:") ? fileURLToPath(line).slice(ROOT.length).replace(/^\//, "") : line;
    const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    if (pkg) sources.add(`node_modules/${pkg[1]}`);
    else if (path.startsWith("dist/") && !path.startsWith("dist/bundle/")) sources.add(path.replace(/^dist\//, "src/").replace(/\.js$/, ".ts"));
    else sources.add(path);
  }
  return sources;
}

const NEVER_FOR_A_SCAN = [/^src\/policy\//, /^src\/server\//, /^src\/sbom\//, /^src\/sign\//, /^node_modules\/(@marcbachmann\/cel-js|ajv|@aws-sdk\/.*|fastify|@cyclonedx\/.*|h5wasm|7z-wasm|yaml|@huggingface\/jinja)$/];

describe("start-up: a command loads what its input needs", () => {
  it("a pickle scan loads the scanner and the pickle analyzer, not the policy engine, server, SBOM, signing or other formats' parsers (their content sniffers only)", () => {
    const sources = loadedSources(["scan", join(dir, "small.pkl"), "--no-digest", "-q"]);
    expect(sources).toContain("src/analyzers/pickle/analyzer.ts");
    const unexpected = [...sources].filter((s) => NEVER_FOR_A_SCAN.some((re) => re.test(s)) || /^src\/analyzers\/(hdf5|onnx|tensorflow|gguf|safetensors|jinja|archive)\/(?!sniff\.ts$)/.test(s));
    expect(unexpected).toEqual([]);
  });

  it("hash loads the manifest code, not the scanner", () => {
    const sources = loadedSources(["hash", join(dir, "small.pkl"), "-q"]);
    expect(sources).toContain("src/sign/manifest/manifest.ts");
    expect([...sources].filter((s) => /^src\/(scan|analyzers|rules|policy|server|sbom|provenance)\//.test(s))).toEqual([]);
  });

  it("verify --help loads no verification code", () => {
    const sources = loadedSources(["verify", "--help"]);
    expect([...sources].filter((s) => /^src\/(sign|scan|analyzers|provenance)\//.test(s))).toEqual([]);
  });

  it("top-level help still lists every command", () => {
    const r = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    for (const name of COMMAND_NAMES) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
    }
  });
});
