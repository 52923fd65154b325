#!/usr/bin/env node
// What a user gets from `npm install modelgate`, checked before it is published (and in CI, .ci/run):
//   1. `npm pack` of this checkout as built (run `npm run build` first; .ci/run has): only what runs (no source maps, no test helpers, no bundle metafile).
//   2. The tarball installed into an empty project as a consumer installs it — without this repository's lock
//      file or overrides, so with the versions a consumer's npm resolves — and the installed tree's size; later
//      also `npm install -g TARBALL` (into a scratch prefix), the README's install and the GitHub action's.
//   3. Every installed package supports every Node.js line modelgate supports (SUPPORTED_NODE below).
//   4. The project's `modelgate` (node_modules/.bin, what `npx modelgate` runs): --version, scan (clean → 0, malicious pickle → 1), check, serve (starts,
//      answers /healthz, stops on SIGTERM), and serve --s3-bucket says to install the AWS SDK.
//   5. When `pre-commit` is installed: the hooks of .pre-commit-hooks.yaml from this repository at its HEAD
//      commit (pre-commit clones, builds and installs it itself) stop a commit of a malicious pickle.
// Usage: node tools/release/install-smoke.mjs [--keep]   (needs the npm registry, or a warm npm cache)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const require = createRequire(join(ROOT, "package.json"));
const semver = require("semver");
/** The Node.js lines modelgate runs on: the README says so, package.json's engines allows them. */
export const SUPPORTED_NODE = ["20.19.0", "22.12.0", "24.0.0"];

const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "modelgate-install-smoke-"));
let failures = 0;
const step = (name) => process.stdout.write(`install-smoke: ${name}\n`);
const fail = (message) => {
  failures++;
  process.stdout.write(`install-smoke: FAIL ${message}\n`);
};

function run(cmd, args, cwd, { expect = 0, env = {} } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false", ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== expect) fail(`${cmd} ${args.join(" ")} exited ${r.status} (expected ${expect})\n${r.stdout}\n${r.stderr}`);
  return r;
}

function walkPackages(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue;
    const p = join(dir, name);
    if (name.startsWith("@")) walkPackages(p, out);
    else {
      try {
        out.push(JSON.parse(readFileSync(join(p, "package.json"), "utf8")));
      } catch {
        continue;
      }
      try {
        if (statSync(join(p, "node_modules")).isDirectory()) walkPackages(join(p, "node_modules"), out);
      } catch {
        // no nested node_modules
      }
    }
  }
  return out;
}

function du(dir) {
  const r = spawnSync("du", ["-sk", dir], { encoding: "utf8" });
  return Number(r.stdout.split("\t")[0]) * 1024;
}

try {
  step("npm pack");
  const packed = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT).stdout)[0];
  const files = packed.files.map((f) => f.path);
  const stray = files.filter((f) => f.endsWith(".map") || f.includes("/testing/") || f.endsWith(".test.js") || f.endsWith("metafile.json") || f.startsWith("src/"));
  if (stray.length > 0) fail(`the package ships files that do not run: ${stray.slice(0, 10).join(", ")}${stray.length > 10 ? ` and ${stray.length - 10} more` : ""}`);
  for (const needed of ["bin/modelgate.js", "bin/package.json", "bin/load-bundle.cjs", "dist/bundle/main.cjs", "dist/bundle/main.cjs.cache", "dist/index.js", "LICENSE", "README.md"]) {
    if (!files.includes(needed)) fail(`the package lacks ${needed}`);
  }
  process.stdout.write(`  ${packed.filename}: ${files.length} files, ${(packed.size / 2 ** 20).toFixed(1)} MiB packed, ${(packed.unpackedSize / 2 ** 20).toFixed(1)} MiB unpacked\n`);

  step("npm install of the tarball into an empty project");
  const project = join(work, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "smoke", private: true, version: "1.0.0" }));
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(work, packed.filename)], project);
  const packages = walkPackages(join(project, "node_modules"));
  process.stdout.write(`  installed: ${packages.length} packages (modelgate included), ${(du(join(project, "node_modules")) / 2 ** 20).toFixed(0)} MiB in node_modules\n`);
  // The project's own bin, as `npx modelgate` runs it there.
  const modelgate = join(project, "node_modules", ".bin", "modelgate");

  step(`engines of every installed package against Node ${SUPPORTED_NODE.join(", ")}`);
  for (const pkg of packages) {
    const range = pkg.engines?.node;
    if (typeof range !== "string") continue;
    for (const v of SUPPORTED_NODE) if (!semver.satisfies(v, range)) fail(`${pkg.name}@${pkg.version} needs Node ${range}, so it does not run on ${v}`);
  }
  if (packages.some((p) => p.name === "@aws-sdk/client-s3")) fail("the AWS SDK was installed: it is an optional peer, for S3 deployments only");

  step("modelgate --version, scan, check");
  const version = run(modelgate, ["--version"], project).stdout.trim();
  if (version !== JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version) fail(`--version printed ${version}`);
  const models = join(work, "models");
  mkdirSync(join(models, "clean"), { recursive: true });
  // A safetensors file: u64 header length, the JSON header, then the tensor's bytes (2 × f32).
  const header = Buffer.from('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(models, "clean", "model.safetensors"), Buffer.concat([len, header, Buffer.alloc(8)]));
  // cos\nsystem\n(S'id'\ntR. : os.system("id") under pickle.load.
  writeFileSync(join(models, "evil.pkl"), Buffer.from("cos\nsystem\n(S'id'\ntR.", "latin1"));
  run(modelgate, ["scan", join(models, "clean")], project);
  const evil = run(modelgate, ["scan", join(models, "evil.pkl")], project, { expect: 1 });
  if (!evil.stdout.includes("os.system") && !evil.stdout.includes("posix.system")) fail(`scan of a pickle calling os.system did not name it:\n${evil.stdout}`);
  run(modelgate, ["check", join(models, "clean")], project);
  run(modelgate, ["check", join(models, "evil.pkl")], project, { expect: 1 });

  step("modelgate serve: starts, answers, stops");
  await new Promise((resolve) => {
    const child = spawn(modelgate, ["serve", "--port", "0", "--data-dir", join(work, "data"), "--log-level", "warn", "--admin-token-file", join(work, "admin.token")], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => {
      fail(`serve did not start within 60 s:\n${out}`);
      child.kill("SIGKILL");
    }, 60_000);
    child.stderr.on("data", (c) => (out += c));
    child.stdout.on("data", async (c) => {
      out += c;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url || !out.includes("API description")) return;
      clearTimeout(timer);
      try {
        const res = await globalThis.fetch(`${url}/healthz`);
        if (res.status !== 200) fail(`GET /healthz answered ${res.status}`);
      } catch (e) {
        fail(`GET /healthz: ${e.message}`);
      }
      child.kill("SIGTERM");
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== "SIGTERM") fail(`serve exited ${code ?? signal} after SIGTERM:\n${out}`);
      resolve();
    });
  });
  const s3 = run(modelgate, ["serve", "--port", "0", "--data-dir", join(work, "data-s3"), "--s3-bucket", "b", "--s3-region", "eu-west-1"], project, { expect: 2 });
  if (!s3.stderr.includes("npm install @aws-sdk/client-s3")) fail(`serve --s3-bucket without the AWS SDK did not say what to install:\n${s3.stderr}`);

  step("npm install -g of the tarball (the README's install, and the GitHub action's)");
  const prefix = join(work, "global");
  run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(work, packed.filename)], project);
  const global = join(prefix, "bin", "modelgate");
  run(global, ["scan", join(models, "evil.pkl")], project, { expect: 1 });
  run(global, ["scan", join(models, "clean")], project);

  const preCommit = spawnSync("pre-commit", ["--version"], { encoding: "utf8" });
  if (preCommit.status !== 0) step("pre-commit is not installed: hooks not checked");
  else {
    step(`pre-commit hooks (${preCommit.stdout.trim()}) from this repository's HEAD`);
    const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
    const repo = join(work, "user-repo");
    mkdirSync(repo);
    const git = (...args) => run("git", ["-c", "user.name=smoke", "-c", "user.email=smoke@example.com", ...args], repo);
    git("init", "-q");
    // language_version: system — the Node.js on the machine, rather than one nodeenv would download.
    writeFileSync(join(repo, ".pre-commit-config.yaml"), `repos:\n  - repo: ${ROOT}\n    rev: ${head}\n    hooks:\n      - id: modelgate-scan\n        language_version: system\n`);
    writeFileSync(join(repo, "model.safetensors"), readFileSync(join(models, "clean", "model.safetensors")));
    git("add", ".");
    const env = { PRE_COMMIT_HOME: join(work, "pre-commit-home") };
    run("pre-commit", ["run", "--all-files"], repo, { env });
    writeFileSync(join(repo, "evil.pkl"), readFileSync(join(models, "evil.pkl")));
    git("add", "evil.pkl");
    const stopped = run("pre-commit", ["run", "--all-files"], repo, { expect: 1, env });
    if (!/evil\.pkl/.test(stopped.stdout)) fail(`the pre-commit hook failed without naming evil.pkl:\n${stopped.stdout}`);
  }
} finally {
  if (keep) process.stdout.write(`install-smoke: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  process.stdout.write(`install-smoke: ${failures} failure(s)\n`);
  process.exit(1);
}
process.stdout.write("install-smoke: ok\n");
