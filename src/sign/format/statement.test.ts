import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { hashModel, subjectDigest, type Manifest } from "../manifest/index.js";
import { LEGACY_PREDICATE_TYPE, MODEL_SIGNING_PREDICATE_TYPE, parseStatement, statementJson } from "./statement.js";

/** Parsed JSON under test: edited freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const GOLDENS = new URL("../../../../shared/interop/model-signing/goldens/payload/", import.meta.url).pathname;

/** The upstream test fixtures (model-transparency tests/conftest.py), rebuilt. */
function buildFixtures(dir: string): Record<string, string> {
  const w = (p: string, text: string) => {
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, text);
  };
  w(join(dir, "sample_model_file", "file_model"), "This is a simple model");
  w(join(dir, "empty_model_file", "empty_file_model"), "");
  const sample = join(dir, "sample_model");
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) w(join(sample, `d${i}`, `f${i}${j}`), `This is file f${i}${j} in d${i}.`);
  for (let i = 0; i < 4; i++) w(join(sample, `f${i}`), `This is file f${i} in root.`);
  mkdirSync(join(dir, "empty_folder_model"));
  w(join(dir, "empty_file_inside_model", "empty_file"), "");
  const deep = join(dir, "deep_model", "d0", "d1", "d2", "d3", "d4");
  for (let i = 0; i < 4; i++) w(join(deep, `f${i}`), `This is file f${i}.`);
  w(join(dir, "outside", "target"), "This is a simple model");
  mkdirSync(join(dir, "symlink_model"));
  symlinkSync(join(dir, "outside", "target"), join(dir, "symlink_model", "symlink_file"));
  return {
    sample_model_file: join(dir, "sample_model_file", "file_model"),
    empty_model_file: join(dir, "empty_model_file", "empty_file_model"),
    sample_model_folder: sample,
    empty_model_folder: join(dir, "empty_folder_model"),
    model_folder_with_empty_file: join(dir, "empty_file_inside_model"),
    deep_model_folder: join(dir, "deep_model"),
    symlink_model_folder: join(dir, "symlink_model"),
  };
}

/** The goldens were written by a serializer-level test: allow_symlinks true, no ignore_paths. */
async function goldenManifest(path: string, variant: string): Promise<Manifest> {
  const m = await hashModel(path, {
    allowSymlinks: true,
    ...(variant === "" ? {} : { method: "shards", shardSize: variant === "_small_shards" ? 8 : 1_000_000_000 }),
  });
  const { ignore_paths: _ignored, ...serialization } = m.serialization;
  return { ...m, serialization };
}

describe.skipIf(!existsSync(GOLDENS))("statement JSON against model_signing's goldens", () => {
  let dir: string;
  let fixtures: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "modelgate-goldens-"));
    fixtures = buildFixtures(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const goldens = existsSync(GOLDENS) ? readdirSync(GOLDENS) : [];
  it("covers all 21 payload goldens", () => expect(goldens.length).toBe(21));
  for (const name of goldens) {
    it(`${name} is byte-for-byte`, async () => {
      const variant = name.endsWith("_small_shards") ? "_small_shards" : name.endsWith("_shard") ? "_shard" : "";
      const fixture = name.slice(0, name.length - variant.length);
      const ours = statementJson(await goldenManifest(fixtures[fixture]!, variant));
      expect(ours).toBe(readFileSync(join(GOLDENS, name), "utf8").replace(/\n$/, ""));
    });
  }
});

describe("parseStatement", () => {
  const manifest: Manifest = {
    modelName: "m",
    resources: [{ name: "a", algorithm: "sha256", digest: Buffer.alloc(32, 1) }],
    serialization: { method: "shards", hash_type: "sha256", allow_symlinks: false, shard_size: 8, ignore_paths: [".git", "model.sig"] },
  };

  it("reads back what statementJson writes (shard_size written as 8.0)", () => {
    const text = statementJson(manifest);
    expect(text).toContain('"shard_size": 8.0');
    const s = parseStatement(Buffer.from(text));
    if (s.predicateType !== MODEL_SIGNING_PREDICATE_TYPE) throw new Error("wrong type");
    expect(s.modelName).toBe("m");
    expect(s.subjectDigest).toEqual(subjectDigest(manifest.resources));
    expect(s.resources).toEqual(manifest.resources);
    expect(s.serialization).toEqual({ method: "shards", hashType: "sha256", shardSize: 8, allowSymlinks: false, ignorePaths: [".git", "model.sig"] });
  });

  const mutate = (f: (doc: Json) => void): Buffer => {
    const doc = JSON.parse(statementJson(manifest)) as Json;
    f(doc);
    return Buffer.from(JSON.stringify(doc));
  };
  const fails = (payload: Buffer, msg: RegExp) => {
    let err: unknown;
    try {
      parseStatement(payload);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelgateError);
    expect((err as ModelgateError).code).toBe("MALFORMED_BUNDLE");
    expect((err as Error).message).toMatch(msg);
  };

  it("refuses unknown predicate types, statement types and broken fields, naming them", () => {
    fails(mutate((d) => (d.predicateType = "https://slsa.dev/provenance/v1")), /unknown predicateType "https:\/\/slsa.dev\/provenance\/v1"/);
    fails(mutate((d) => (d._type = "https://in-toto.io/Statement/v0.1")), /_type must be/);
    fails(mutate((d) => (d.subject = [])), /subject must be a non-empty list/);
    fails(mutate((d) => d.subject.push(d.subject[0])), /exactly one subject/);
    fails(mutate((d) => (d.subject[0].digest.sha256 = "xyz")), /subject\[0\]\.digest\.sha256/);
    fails(mutate((d) => delete d.predicate.resources), /predicate.resources must be a list/);
    fails(mutate((d) => (d.predicate.resources[0].digest = "ABC")), /resources\[0\]\.digest/);
    fails(mutate((d) => d.predicate.resources.push(d.predicate.resources[0])), /names "a" twice/);
    fails(mutate((d) => (d.predicate.serialization.method = "zip")), /serialization\.method/);
    fails(mutate((d) => (d.predicate.serialization.shard_size = 8.5)), /shard_size/);
    fails(Buffer.from("not json"), /not UTF-8 JSON/);
    fails(Buffer.from([0xff, 0xfe]), /not UTF-8 JSON/);
  });

  it("reads a v0.2 statement as one subject per file", () => {
    const s = parseStatement(
      Buffer.from(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v1",
          subject: [{ name: "f", digest: { sha256: "ab".repeat(32) }, annotations: { actual_hash_algorithm: "file-sha256" } }],
          predicateType: LEGACY_PREDICATE_TYPE,
          predicate: { unused: "x" },
        }),
      ),
    );
    expect(s).toEqual({ predicateType: LEGACY_PREDICATE_TYPE, files: [{ name: "f", digest: Buffer.alloc(32, 0xab) }] });
  });
});
