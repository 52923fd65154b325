import { describe, expect, it } from "vitest";
import { parseModelSource } from "./source.js";

describe("parseModelSource", () => {
  it("reads hf://org/name@commit as a pinned Hugging Face source", () => {
    const rev = "86b5e0934494bd15c9632b12f734a8a67f723594";
    expect(parseModelSource(`hf://google-bert/bert-base-uncased@${rev}`)).toEqual({
      source: `hf://google-bert/bert-base-uncased@${rev}`,
      kind: "huggingface",
      repository: "google-bert/bert-base-uncased",
      revision: rev,
      uri: `git+https://huggingface.co/google-bert/bert-base-uncased@${rev}`,
      digest: { gitCommit: rev },
    });
  });

  it("a branch revision is recorded but gives no digest; --revision fills in a missing one", () => {
    expect(parseModelSource("hf://org/name@main")).toMatchObject({ revision: "main", digest: {} });
    expect(parseModelSource("hf://gpt2", "v1.0")).toMatchObject({ repository: "gpt2", revision: "v1.0", uri: "git+https://huggingface.co/gpt2@v1.0" });
    expect(parseModelSource("hf://org/name")).not.toHaveProperty("revision");
  });

  it("reads URLs", () => {
    expect(parseModelSource("https://example.com/m/model.onnx")).toEqual({
      source: "https://example.com/m/model.onnx",
      kind: "url",
      uri: "https://example.com/m/model.onnx",
      digest: {},
    });
    expect(parseModelSource("s3://bucket/models/m.pt")).toMatchObject({ kind: "url" });
  });

  it("refuses what it cannot record faithfully", () => {
    expect(() => parseModelSource("hf://a/b/c")).toThrow(/not a Hugging Face source/);
    expect(() => parseModelSource("hf://org/name@main", "dev")).toThrow(/--revision says dev/);
    expect(() => parseModelSource("hf://org/name@bad rev")).toThrow(/not a valid revision/);
    expect(() => parseModelSource("./local/path")).toThrow(/neither/);
    expect(() => parseModelSource("file:///etc/passwd")).toThrow(/not a remote URL/);
    expect(() => parseModelSource("https://user:secret@example.com/m")).toThrow(/credentials/);
  });
});
