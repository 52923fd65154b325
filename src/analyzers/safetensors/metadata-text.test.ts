import { describe, expect, it } from "vitest";
import { inspectMetadataText, keyWords } from "./metadata-text.js";

const kinds = (key: string, value: string): string[] => inspectMetadataText(key, value).concerns.map((c) => `${c.kind}:${c.what}${c.encoding ? `/${c.encoding}` : ""}`);

describe("inspectMetadataText", () => {
  it("splits keys into words", () => {
    expect(keyWords("callback_url")).toEqual(["callback", "url"]);
    expect(keyWords("downloadURL")).toEqual(["download", "url"]);
    expect(keyWords("modelspec.thumbnail")).toEqual(["modelspec", "thumbnail"]);
  });

  it("leaves descriptive values alone", () => {
    for (const [k, v] of [
      ["format", "pt"],
      ["modelspec.url", "https://huggingface.co/org/model"],
      ["license_link", "https://www.apache.org/licenses/LICENSE-2.0"],
      ["modelspec.thumbnail", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="],
      ["ss_optimizer", "torch.optim.AdamW(weight_decay=0.01)"],
      ["sshs_model_hash", "8b9f3c4e2a1d0f7e6c5b4a3928171605f4e3d2c1b0a99887766554433221100f"],
      ["notes", "Fine-tuned with torch.compile() on 8 GPUs; see the model card."],
    ]) {
      expect(inspectMetadataText(k!, v!).concerns, `${k}=${v}`).toEqual([]);
    }
  });

  it("classifies URLs by what the key asks for and what they point at", () => {
    expect(kinds("webhook", "https://hooks.example.com/x")).toEqual(["url:URL under a key that tells consumers to fetch, call or run it"]);
    expect(kinds("readme", "get it at https://example.com/setup.ps1")).toEqual(["url:URL of a program, script or pickle"]);
    expect(kinds("source", "file:///etc/passwd")).toEqual(["url:URL of a local file"]);
    expect(kinds("card", "data:text/html;base64,PHNjcmlwdD4=")).toEqual(["code:inline document or script (data: URL)"]);
  });

  it("looks inside base64 and \\x escapes", () => {
    const b64 = Buffer.from("import subprocess; subprocess.run(['id'])").toString("base64");
    expect(kinds("x", b64)).toEqual(["code:Python import of a module that runs commands or opens connections/base64", "code:subprocess call/base64"]);
    const pickle = Buffer.from("\x80\x04\x95cposix\nsystem\n.", "latin1");
    const found = inspectMetadataText("state", pickle.toString("base64"));
    expect(found.pickles.map((p) => p.encoding)).toEqual(["base64"]);
    expect(inspectMetadataText("state", "cos\nsystem\n(S'id'\ntR.").pickles.map((p) => p.encoding)).toEqual(["raw"]);
  });

  it("flags Jinja syntax for the template check", () => {
    expect(inspectMetadataText("prompt", "<|user|>{{ prompt }}").template).toBe(true);
    expect(inspectMetadataText("tags", '{"a": {"b": 1}}').template).toBe(false);
  });
});
