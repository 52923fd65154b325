import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = new URL("../bin/modelgate.js", import.meta.url).pathname;
const VECTORS = new URL("../../shared/interop/model-signing/vectors/", import.meta.url).pathname;

function run(args: string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd, env: { ...process.env, CI: "true", NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha256 = (b: Buffer | string): Buffer => createHash("sha256").update(b).digest();

interface HashJson {
  subject: { name: string; digest: { sha256: string } };
  serialization: Record<string, unknown>;
  resources: { name: string; algorithm: string; digest: string }[];
}

describe("modelgate hash", () => {
  let dir: string;
  let model: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-hash-cli-"));
    model = join(dir, "my-model");
    mkdirSync(join(model, "sub"), { recursive: true });
    writeFileSync(join(model, "config.json"), '{"a":1}');
    writeFileSync(join(model, "sub", "weights.bin"), "0123456789");
    writeFileSync(join(model, "README.md"), "readme");
    writeFileSync(join(model, ".gitattributes"), "*.bin lfs");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints sha256:<subject digest> over the file digests in path order", () => {
    const r = run(["hash", model]);
    expect(r.code).toBe(0);
    const expected = sha256(Buffer.concat([sha256("readme"), sha256('{"a":1}'), sha256("0123456789")])).toString("hex");
    expect(r.stdout).toBe(`sha256:${expected}\n`);
    expect(r.stderr).toBe("");
  });

  it("--format json lists the subject, serialization and every resource", () => {
    const r = run(["hash", model, "--format", "json", "--ignore-paths", "README.md"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as HashJson;
    expect(j.subject.name).toBe("my-model");
    expect(j.resources).toEqual([
      { name: "config.json", algorithm: "sha256", digest: sha256('{"a":1}').toString("hex") },
      { name: "sub/weights.bin", algorithm: "sha256", digest: sha256("0123456789").toString("hex") },
    ]);
    expect(j.serialization).toEqual({
      method: "files",
      hash_type: "sha256",
      allow_symlinks: false,
      ignore_paths: [".git", ".gitattributes", ".github", ".gitignore", "README.md", "model.sig"],
    });
    const subject = sha256(Buffer.concat(j.resources.map((x) => Buffer.from(x.digest, "hex")))).toString("hex");
    expect(j.subject.digest.sha256).toBe(subject);
  });

  it("--ignore-paths relative to the current directory, as model_signing takes them", () => {
    const a = JSON.parse(run(["hash", "my-model", "--format", "json", "--ignore-paths", "./my-model/sub"], dir).stdout) as HashJson;
    expect(a.resources.map((x) => x.name)).toEqual(["README.md", "config.json"]);
  });

  it("--method shards --shard-size and --hash-type blake2b", () => {
    const j = JSON.parse(run(["hash", model, "--format", "json", "--method", "shards", "--shard-size", "4", "--hash-type", "blake2b"]).stdout) as HashJson;
    expect(j.resources.filter((x) => x.name.startsWith("sub/")).map((x) => x.name)).toEqual(["sub/weights.bin:0:4", "sub/weights.bin:4:8", "sub/weights.bin:8:10"]);
    expect(new Set(j.resources.map((x) => x.algorithm))).toEqual(new Set(["blake2b-sharded-4"]));
    expect(j.serialization).toMatchObject({ method: "shards", hash_type: "blake2b", shard_size: 4 });
  });

  it("a symbolic link is refused (exit 2, naming it) unless --allow-symlinks", () => {
    const m = join(dir, "with-link");
    mkdirSync(m);
    writeFileSync(join(dir, "target.bin"), "t");
    symlinkSync(join(dir, "target.bin"), join(m, "link.bin"));
    const r = run(["hash", m]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(m, "link.bin"));
    expect(r.stderr).toMatch(/symbolic link/);
    const ok = run(["hash", m, "--allow-symlinks", "--format", "json"]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as HashJson).resources[0]).toMatchObject({ name: "link.bin", digest: sha256("t").toString("hex") });
  });

  it("exit 2 for a missing model and for usage errors", () => {
    const r = run(["hash", join(dir, "nope")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nope");
    expect(run(["hash", model, "--method", "tensors"]).code).toBe(2);
    expect(run(["hash", model, "--shard-size", "0"]).code).toBe(2);
    expect(run(["hash", model, "--shard-size", "1GB"]).code).toBe(2);
    expect(run(["hash", model, "--ignore-paths", "/etc"]).code).toBe(2);
    expect(run(["hash"]).code).toBe(2);
  });

  it("--help shows exit codes and examples", () => {
    const r = run(["hash", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:/);
    expect(r.stdout).toMatch(/Examples:/);
    expect(r.stdout).toMatch(/--allow-symlinks/);
  });

  it.skipIf(!existsSync(VECTORS))("matches the subject digest of a model_signing v1.1.0 signature", () => {
    const v = join(VECTORS, "v1.1.0-elliptic-key");
    const bundle = JSON.parse(readFileSync(join(v, "model.sig"), "utf8")) as { dsseEnvelope: { payload: string } };
    const st = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString()) as { subject: { digest: { sha256: string } }[] };
    // model.sig inside the folder is left out without being named, as sign and verify leave it out.
    const r = run(["hash", v, "--ignore-paths", "ignore-me"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`sha256:${st.subject[0]!.digest.sha256}`);
  });
});
