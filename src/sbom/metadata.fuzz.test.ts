import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutateBytes, prng, randomInt } from "../../test/helpers/fuzz.js";
import { isModelgateError } from "../core/errors.js";
import { MAX_CONSIDERATION_CHARS, MAX_CONSIDERATIONS, parseCard } from "./card.js";
import { cyclonedxDocument } from "./cyclonedx.js";
import { readModelMetadata } from "./metadata.js";
import { spdxDocument } from "./spdx.js";
import { spdxShaclErrors } from "./testing/shacl.js";
import type { MetadataIssue } from "./types.js";
import { cyclonedxErrors, spdxErrors } from "./validate.js";

const FIXTURE = new URL("../../test/fixtures/sbom/hf-model/", import.meta.url).pathname;
const CTX = { timestamp: "2025-01-02T03:04:05Z", serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "modelgate-sbom-fuzz-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("model card fuzz", () => {
  it("mutated cards never throw and stay bounded", () => {
    const card = readFileSync(join(FIXTURE, "README.md"));
    const rnd = prng(0x5b0a);
    for (let i = 0; i < 400; i++) {
      const text = mutateBytes(card, rnd).toString("utf8");
      const issues: MetadataIssue[] = [];
      const facts = parseCard(text, "README.md", issues);
      expect(facts.considerations.length).toBeLessThanOrEqual(MAX_CONSIDERATIONS);
      for (const c of facts.considerations) expect(c.text.length).toBeLessThanOrEqual(MAX_CONSIDERATION_CHARS);
      for (const issue of issues) expect(issue.file).toBe("README.md");
    }
  });
});

describe("model folder fuzz", () => {
  it("mutated metadata files become issues, and both documents stay schema-valid (SPDX: and SHACL-valid)", async () => {
    const dir = join(tmp, "model");
    cpSync(FIXTURE, dir, { recursive: true });
    const targets = ["README.md", "config.json", "tokenizer_config.json", "generation_config.json", "model.safetensors", "requirements.txt"];
    const originals = new Map(targets.map((t) => [t, readFileSync(join(FIXTURE, t))]));
    const rnd = prng(0xcafe);
    for (let i = 0; i < 10; i++) {
      for (const t of targets) writeFileSync(join(dir, t), originals.get(t)!);
      const edited = targets.filter(() => randomInt(rnd, 3) === 0);
      for (const t of edited) writeFileSync(join(dir, t), mutateBytes(originals.get(t)!, rnd));
      let meta;
      try {
        meta = await readModelMetadata(dir);
      } catch (e) {
        // Only our own errors may escape (e.g. nothing: a folder of regular files always reads).
        expect(isModelgateError(e)).toBe(true);
        continue;
      }
      expect(meta.files).toHaveLength(targets.length + 2);
      expect(await cyclonedxErrors(cyclonedxDocument(meta, undefined, CTX))).toEqual([]);
      const spdx = spdxDocument(meta, undefined, CTX);
      expect(spdxErrors(spdx)).toEqual([]);
      expect(spdxShaclErrors(spdx)).toEqual([]);
    }
  });
});
