import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import {
  DEFAULT_IGNORE_PATHS,
  diffManifests,
  hashModel,
  serializationOptionsFromPredicate,
  subjectDigest,
  type HashProgress,
  type Manifest,
  type ResourceDigest,
} from "./index.js";

const SHARED = new URL("../../../../shared/interop/model-signing/", import.meta.url).pathname;
const GOLDENS = join(SHARED, "goldens");
const VECTORS = join(SHARED, "vectors");
const KNOWN_MODEL_TEXT = "This is a simple model";

const sha256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");
const hex = (m: Manifest): string[] => m.resources.map((r) => `${r.name}:${r.digest.toString("hex")}`);

async function rejection(p: Promise<unknown>): Promise<ModelgateError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelgateError) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

/** The upstream test models (model-transparency tests/conftest.py), rebuilt under `base`. */
function buildFixtures(base: string): Record<string, string> {
  const dir = (name: string): string => {
    const d = mkdtempSync(join(base, "model-"));
    return join(d, name);
  };
  const sampleFile = dir("file_model");
  writeFileSync(sampleFile, KNOWN_MODEL_TEXT);
  const emptyFile = dir("empty_file_model");
  writeFileSync(emptyFile, "");
  const sampleFolder = dir("sample_model");
  for (let i = 0; i < 2; i++) {
    mkdirSync(join(sampleFolder, `d${i}`), { recursive: true });
    for (let j = 0; j < 3; j++) writeFileSync(join(sampleFolder, `d${i}`, `f${i}${j}`), `This is file f${i}${j} in d${i}.`);
  }
  for (let i = 0; i < 4; i++) writeFileSync(join(sampleFolder, `f${i}`), `This is file f${i} in root.`);
  const emptyFolder = dir("empty_folder_model");
  mkdirSync(emptyFolder);
  const withEmptyFile = dir("empty_file_inside_model");
  mkdirSync(withEmptyFile);
  writeFileSync(join(withEmptyFile, "empty_file"), "");
  const deep = dir("deep_model");
  const leaf = join(deep, "d0", "d1", "d2", "d3", "d4");
  mkdirSync(leaf, { recursive: true });
  for (let i = 0; i < 4; i++) writeFileSync(join(leaf, `f${i}`), `This is file f${i}.`);
  const external = join(mkdtempSync(join(base, "external-")), "file");
  writeFileSync(external, KNOWN_MODEL_TEXT);
  const symlinkFolder = dir("symlink_model");
  mkdirSync(symlinkFolder);
  symlinkSync(external, join(symlinkFolder, "symlink_file"));
  return {
    sample_model_file: sampleFile,
    empty_model_file: emptyFile,
    sample_model_folder: sampleFolder,
    empty_model_folder: emptyFolder,
    model_folder_with_empty_file: withEmptyFile,
    deep_model_folder: deep,
    symlink_model_folder: symlinkFolder,
  };
}

const FIXTURES = [
  "sample_model_file",
  "empty_model_file",
  "sample_model_folder",
  "empty_model_folder",
  "model_folder_with_empty_file",
  "deep_model_folder",
  "symlink_model_folder",
];

describe.skipIf(!existsSync(GOLDENS))("model_signing goldens (upstream test models)", () => {
  let base: string;
  let models: Record<string, string>;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "modelgate-goldens-"));
    models = buildFixtures(base);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const golden = (rel: string): string[] => readFileSync(join(GOLDENS, rel), "utf8").split("\n").filter((l) => l !== "");

  it.each(FIXTURES)("files method matches serialization/file/%s", async (name) => {
    const m = await hashModel(models[name]!, { allowSymlinks: true });
    expect(hex(m)).toEqual(golden(`serialization/file/TestSerializer/${name}`));
    expect(new Set(m.resources.map((r) => r.algorithm))).toEqual(new Set(m.resources.length ? ["sha256"] : []));
  });

  it.each(FIXTURES.flatMap((n) => [[n, ""], [n, "_small_shards"]]))("shards method matches serialization/file_shard/%s%s", async (name, suffix) => {
    const shardSize = suffix ? 8 : 1_000_000_000;
    const m = await hashModel(models[name]!, { allowSymlinks: true, method: "shards", shardSize });
    expect(hex(m)).toEqual(golden(`serialization/file_shard/TestSerializer/${name}${suffix}`));
    for (const r of m.resources) expect(r.algorithm).toBe(`sha256-sharded-${shardSize}`);
  });

  it.each(FIXTURES.flatMap((n) => [[n, ""], [n, "_shard"], [n, "_small_shards"]]))("in-toto statement matches payload/%s%s", async (name, suffix) => {
    const statement = JSON.parse(readFileSync(join(GOLDENS, "payload", `${name}${suffix}`), "utf8")) as {
      subject: { name: string; digest: { sha256: string } }[];
      predicate: { serialization: Record<string, unknown>; resources: { name: string; algorithm: string; digest: string }[] };
    };
    const options = suffix === "" ? { allowSymlinks: true } : { allowSymlinks: true, method: "shards" as const, shardSize: suffix === "_shard" ? 1_000_000_000 : 8 };
    const m = await hashModel(models[name]!, options);
    expect(m.modelName).toBe(statement.subject[0]!.name);
    expect(subjectDigest(m.resources).toString("hex")).toBe(statement.subject[0]!.digest.sha256);
    expect(m.resources.map((r) => ({ algorithm: r.algorithm, digest: r.digest.toString("hex"), name: r.name }))).toEqual(statement.predicate.resources);
    // The goldens come from the serializer alone (no ignore list); signing through model_signing's API adds the git paths.
    const { ignore_paths: ignored, ...rest } = m.serialization;
    expect(rest).toEqual(statement.predicate.serialization);
    expect(Object.keys(rest)).toEqual(Object.keys(statement.predicate.serialization));
    expect(ignored).toEqual([...DEFAULT_IGNORE_PATHS]);
  });

  it("reads the golden serialization objects back into the options that made them", () => {
    const s = (JSON.parse(readFileSync(join(GOLDENS, "payload", "sample_model_folder_small_shards"), "utf8")) as { predicate: { serialization: unknown } }).predicate.serialization;
    expect(serializationOptionsFromPredicate(s)).toEqual({ method: "shards", hashType: "sha256", shardSize: 8, allowSymlinks: true, ignorePaths: [] });
  });
});

interface VectorStatement {
  predicateType: string;
  subject: { name: string; digest: { sha256: string } }[];
  predicate: { serialization?: Record<string, unknown>; resources?: { name: string; algorithm: string; digest: string }[] };
}

function vectorStatement(dir: string): VectorStatement {
  const bundle = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8")) as { dsseEnvelope: { payload: string } };
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8")) as VectorStatement;
}

describe.skipIf(!existsSync(VECTORS))("model_signing signature vectors", () => {
  const current = existsSync(VECTORS) ? readdirSync(VECTORS).filter((d) => !d.startsWith("v0.2.")) : [];

  it.each(current)("%s: our manifest has the signed resources and subject digest", async (name) => {
    const dir = join(VECTORS, name);
    const st = vectorStatement(dir);
    const signed: ResourceDigest[] = st.predicate.resources!.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: Buffer.from(r.digest, "hex") }));
    const single = signed.length === 1 && signed[0]!.name === ".";
    // A single-file model is signed as that file (the subject name); the signature sits beside it.
    const model = single ? join(dir, st.subject[0]!.name) : dir;
    const recorded = serializationOptionsFromPredicate(st.predicate.serialization);
    const ignorePaths = [...recorded.ignorePaths, "model.sig", ...(name.startsWith("v1.0.1-") ? ["ignore-me"] : [])];
    const m = await hashModel(model, { ...recorded, ignorePaths });
    expect(diffManifests(signed, m.resources)).toEqual({ extra: [], missing: [], changed: [] });
    expect(m.resources.map((r) => r.name)).toEqual(signed.map((r) => r.name));
    expect(subjectDigest(m.resources).toString("hex")).toBe(st.subject[0]!.digest.sha256);
    expect(m.modelName).toBe(st.subject[0]!.name);
  });

  it("v1.0.1: without the extra ignore, ignore-me is an extra file (the empty file's digest)", async () => {
    const dir = join(VECTORS, "v1.0.1-elliptic-key");
    const st = vectorStatement(dir);
    const signed = st.predicate.resources!.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: Buffer.from(r.digest, "hex") }));
    const m = await hashModel(dir, { ignorePaths: ["model.sig"] });
    expect(diffManifests(signed, m.resources)).toEqual({ extra: ["ignore-me"], missing: [], changed: [] });
    expect(m.resources.find((r) => r.name === "ignore-me")!.digest.toString("hex")).toBe(sha256(""));
  });

  it("v1.1.0 records its ignore list (ignore-me, model.sig, git paths); our serialization lists the same set", async () => {
    const dir = join(VECTORS, "v1.1.0-elliptic-key");
    const recorded = vectorStatement(dir).predicate.serialization!;
    const m = await hashModel(dir, { ignorePaths: ["model.sig", "ignore-me"] });
    expect([...(m.serialization.ignore_paths as string[])].sort()).toEqual([...(recorded.ignore_paths as string[])].sort());
    const { ignore_paths: _a, ...ours } = m.serialization;
    const { ignore_paths: _b, ...theirs } = recorded;
    expect(ours).toEqual(theirs);
  });

  it("v0.2.0 (legacy, one subject per file): each file digest matches our files manifest", async () => {
    const dir = join(VECTORS, "v0.2.0-certificate");
    const st = vectorStatement(dir);
    const m = await hashModel(dir, { ignorePaths: ["model.sig"] });
    expect(m.resources.map((r) => [r.name, r.digest.toString("hex")])).toEqual(st.subject.map((s) => [s.name, s.digest.sha256]));
  });
});

describe("hashModel", () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "modelgate-hash-"));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;
  const fresh = (): string => {
    const d = join(base, `m${n++}`);
    mkdirSync(d);
    return d;
  };

  it("hashes multi-chunk files whole and in shards that cross read-buffer boundaries", async () => {
    const dir = fresh();
    const big = randomBytes(3 * 1024 * 1024 + 12345);
    const mid = randomBytes(300_001);
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "weights.bin"), big);
    writeFileSync(join(dir, "sub", "mid.bin"), mid);
    writeFileSync(join(dir, "empty"), "");
    const files = await hashModel(dir);
    expect(hex(files)).toEqual([`empty:${sha256("")}`, `sub/mid.bin:${sha256(mid)}`, `weights.bin:${sha256(big)}`]);

    const shardSize = 1_000_003;
    const shards = await hashModel(dir, { method: "shards", shardSize });
    const expected: string[] = [];
    for (const [name, data] of [["sub/mid.bin", mid], ["weights.bin", big]] as const) {
      for (let s = 0; s < data.length; s += shardSize) {
        const e = Math.min(s + shardSize, data.length);
        expected.push(`${name}:${s}:${e}:${sha256(data.subarray(s, e))}`);
      }
    }
    expect(hex(shards)).toEqual(expected);
    expect(shards.serialization).toMatchObject({ method: "shards", hash_type: "sha256", shard_size: shardSize, allow_symlinks: false });
  });

  it("blake2b is BLAKE2b-512 as Python's hashlib.blake2b(), named blake2b", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "m"), KNOWN_MODEL_TEXT);
    const m = await hashModel(dir, { hashType: "blake2b" });
    // python3 -c 'import hashlib; print(hashlib.blake2b(b"This is a simple model").hexdigest())'
    expect(m.resources[0]!.digest.toString("hex")).toBe(
      "20e68afc59075f50f66f399d2cc590f2a93f58349dd6626c0f93bfa19d142b1741029b102cbc7ec0b36ad8dc771d66e904ca9a874c76fcc242fee0bea557463f",
    );
    expect(m.resources[0]!.algorithm).toBe("blake2b");
    expect(m.serialization.hash_type).toBe("blake2b");
    const s = await hashModel(dir, { hashType: "blake2b", method: "shards", shardSize: 9 });
    expect(s.resources[0]).toMatchObject({ name: "m:0:9", algorithm: "blake2b-sharded-9" });
    expect(s.resources[0]!.digest.toString("hex")).toBe(
      "0f16b05f288a6aa544711046b1c5f1ecee4f16ae018192d7317c6042a3e145efaa924ef092d0d651af0f8992a3762e70691290012fcdb9047229957af7d7438b",
    );
  });

  it("orders resources by path components, not by string", async () => {
    const dir = fresh();
    for (const f of ["a-b", "a b", "a.b"]) writeFileSync(join(dir, f), f);
    mkdirSync(join(dir, "a"));
    writeFileSync(join(dir, "a", "b"), "x");
    const m = await hashModel(dir);
    expect(m.resources.map((r) => r.name)).toEqual(["a/b", "a b", "a-b", "a.b"]);
  });

  it("ignores git paths always, ignore paths with everything under them, and records them all", async () => {
    const dir = fresh();
    mkdirSync(join(dir, ".git", "objects"), { recursive: true });
    writeFileSync(join(dir, ".git", "objects", "x"), "x");
    writeFileSync(join(dir, ".gitattributes"), "*.bin filter=lfs");
    mkdirSync(join(dir, "docs", "img"), { recursive: true });
    writeFileSync(join(dir, "docs", "img", "a.png"), "png");
    mkdirSync(join(dir, "docs2"));
    writeFileSync(join(dir, "docs2", "keep"), "keep");
    writeFileSync(join(dir, "model.sig"), "{}");
    writeFileSync(join(dir, "w.bin"), "w");
    const m = await hashModel(dir, { ignorePaths: ["docs/", "model.sig"] });
    expect(m.resources.map((r) => r.name)).toEqual(["docs2/keep", "w.bin"]);
    expect(m.serialization.ignore_paths).toEqual([".git", ".gitattributes", ".github", ".gitignore", "docs", "model.sig"]);
  });

  it("refuses a symbolic link by default, naming it; an ignored link is fine", async () => {
    const dir = fresh();
    writeFileSync(join(base, "outside"), KNOWN_MODEL_TEXT);
    writeFileSync(join(dir, "real"), "r");
    symlinkSync(join(base, "outside"), join(dir, "link.bin"));
    const e = await rejection(hashModel(dir));
    expect(e.code).toBe("SYMLINK_NOT_ALLOWED");
    expect(e.message).toContain(join(dir, "link.bin"));
    expect(e.message).toMatch(/--allow-symlinks/);
    const m = await hashModel(dir, { ignorePaths: ["link.bin"] });
    expect(m.resources.map((r) => r.name)).toEqual(["real"]);
  });

  it("with allowSymlinks, hashes a link's target content under the link's name; a linked folder is not entered (as model_signing)", async () => {
    const dir = fresh();
    writeFileSync(join(base, "target"), KNOWN_MODEL_TEXT);
    symlinkSync(join(base, "target"), join(dir, "link.bin"));
    const other = fresh();
    writeFileSync(join(other, "inside"), "i");
    symlinkSync(other, join(dir, "linked-dir"));
    const m = await hashModel(dir, { allowSymlinks: true });
    expect(hex(m)).toEqual([`link.bin:${sha256(KNOWN_MODEL_TEXT)}`]);
    expect(m.serialization.allow_symlinks).toBe(true);
  });

  it("a broken link (allowed) is an error naming the link", async () => {
    const dir = fresh();
    symlinkSync(join(base, "no-such-target"), join(dir, "dangling"));
    const e = await rejection(hashModel(dir, { allowSymlinks: true }));
    expect(e.code).toBe("PATH_NOT_FOUND");
    expect(e.message).toContain(join(dir, "dangling"));
  });

  it("a model path that is itself a link needs allowSymlinks, as in model_signing", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "f"), "f");
    const link = join(base, `link-${n++}`);
    symlinkSync(dir, link);
    expect((await rejection(hashModel(link))).code).toBe("SYMLINK_NOT_ALLOWED");
    expect((await hashModel(link, { allowSymlinks: true })).resources.map((r) => r.name)).toEqual(["f"]);
  });

  it.skipIf(spawnSync("mkfifo", ["--version"]).status !== 0)("a named pipe is refused, naming it", async () => {
    const dir = fresh();
    expect(spawnSync("mkfifo", [join(dir, "pipe")]).status).toBe(0);
    const e = await rejection(hashModel(dir));
    expect(e.code).toBe("UNSUPPORTED");
    expect(e.message).toContain(join(dir, "pipe"));
  });

  it("a file name that is not UTF-8 is refused (it cannot be written into the signature as it is)", async () => {
    const dir = fresh();
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x77, 0xff, 0x2e, 0x62])]), "x");
    const e = await rejection(hashModel(dir));
    expect(e.code).toBe("UNSUPPORTED");
    expect(e.message).toMatch(/UTF-8/);
    expect(e.message).toContain(dir);
  });

  it("a missing model path is PATH_NOT_FOUND", async () => {
    const e = await rejection(hashModel(join(base, "nope")));
    expect(e.code).toBe("PATH_NOT_FOUND");
    expect(e.message).toContain("nope");
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable file is PATH_UNREADABLE naming the file", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "secret.bin"), "s");
    chmodSync(join(dir, "secret.bin"), 0o000);
    const e = await rejection(hashModel(dir));
    expect(e.code).toBe("PATH_UNREADABLE");
    expect(e.message).toContain(join(dir, "secret.bin"));
  });

  it("names the subject after the folder, also for a trailing slash; a single file is one resource named '.'", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "f"), "f");
    expect((await hashModel(`${dir}/`)).modelName).toBe(dir.split("/").pop());
    const single = await hashModel(join(dir, "f"));
    expect(single.modelName).toBe("f");
    expect(single.resources.map((r) => r.name)).toEqual(["."]);
  });

  it("reports progress up to every byte and file", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "a"), randomBytes(100_000));
    writeFileSync(join(dir, "b"), randomBytes(50_000));
    writeFileSync(join(dir, "c"), "");
    const seen: HashProgress[] = [];
    await hashModel(dir, { method: "shards", shardSize: 30_000 }, (p) => seen.push(p));
    expect(seen[0]).toMatchObject({ bytesDone: 0, bytesTotal: 150_000, filesTotal: 3 });
    expect(seen.at(-1)).toEqual({ bytesDone: 150_000, bytesTotal: 150_000, filesDone: 3, filesTotal: 3 });
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]!.bytesDone);
      expect(seen[i]!.filesDone).toBeGreaterThanOrEqual(seen[i - 1]!.filesDone);
    }
  });
});

describe("subjectDigest and diffManifests", () => {
  const r = (name: string, d: string, algorithm = "sha256"): ResourceDigest => ({ name, algorithm, digest: Buffer.from(sha256(d), "hex") });

  it("the subject digest is sha256 over the raw digests in order", () => {
    expect(subjectDigest([]).toString("hex")).toBe(sha256(""));
    const a = r("a", "1");
    const b = r("b", "2");
    expect(subjectDigest([a, b]).toString("hex")).toBe(sha256(Buffer.concat([a.digest, b.digest])));
    expect(subjectDigest([b, a]).equals(subjectDigest([a, b]))).toBe(false);
  });

  it("says which files are extra, missing or changed, in canonical order", () => {
    const expected = [r("a/b", "1"), r("a-b", "2"), r("gone", "3"), r("same", "4"), r("x:0:8", "5")];
    const actual = [r("a-b", "2*"), r("same", "4"), r("new", "6"), r("a/b", "1", "blake2b"), r("x:0:8", "5")];
    expect(diffManifests(expected, actual)).toEqual({ extra: ["new"], missing: ["gone"], changed: ["a/b", "a-b"] });
    expect(diffManifests(expected, expected)).toEqual({ extra: [], missing: [], changed: [] });
  });

  it("orders shard names by offset", () => {
    const d = diffManifests([], [r("f:16:24", "c"), r("f:8:16", "b"), r("f:0:8", "a")]);
    expect(d.extra).toEqual(["f:0:8", "f:8:16", "f:16:24"]);
  });
});

describe("serializationOptionsFromPredicate", () => {
  it("rejects malformed serialization objects with MALFORMED_INPUT naming the field", () => {
    const bad = (s: unknown, field: string): void => {
      let err: unknown;
      try {
        serializationOptionsFromPredicate(s);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelgateError);
      expect((err as ModelgateError).code).toBe("MALFORMED_INPUT");
      expect((err as ModelgateError).message).toContain(field);
    };
    const ok = { method: "files", hash_type: "sha256", allow_symlinks: false };
    bad(null, "serialization");
    bad({ ...ok, method: "tensors" }, "method");
    bad({ ...ok, hash_type: "md5" }, "hash_type");
    bad({ ...ok, allow_symlinks: "false" }, "allow_symlinks");
    bad({ ...ok, method: "shards" }, "shard_size");
    bad({ ...ok, method: "shards", shard_size: 8.5 }, "shard_size");
    bad({ ...ok, ignore_paths: "x" }, "ignore_paths");
    bad({ ...ok, ignore_paths: ["."] }, "ignore");
    expect(serializationOptionsFromPredicate({ ...ok, ignore_paths: [".git", "../up", "a/"] }).ignorePaths).toEqual([".git", "a"]);
  });
});
