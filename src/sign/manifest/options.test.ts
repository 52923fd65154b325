import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { ignorePathsFromCli, normalizeIgnorePath, resolveSerializationOptions } from "./options.js";

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof ModelgateError ? e.code : "not a ModelgateError";
  }
  return undefined;
}

describe("resolveSerializationOptions", () => {
  it("defaults to what model_signing does: files, sha256, 1 GB shards, no symlinks", () => {
    expect(resolveSerializationOptions()).toEqual({ method: "files", hashType: "sha256", shardSize: 1_000_000_000, allowSymlinks: false, ignorePaths: [] });
  });

  it("normalises and de-duplicates ignore paths, drops ones outside the model", () => {
    const o = resolveSerializationOptions({ ignorePaths: ["./a//b/", "a/b", "c/../d", "../outside", "x"] });
    expect(o.ignorePaths).toEqual(["a/b", "d", "x"]);
  });

  it("rejects bad options with INVALID_OPTION", () => {
    expect(code(() => resolveSerializationOptions({ method: "tensors" as "files" }))).toBe("INVALID_OPTION");
    expect(code(() => resolveSerializationOptions({ hashType: "md5" as "sha256" }))).toBe("INVALID_OPTION");
    expect(code(() => resolveSerializationOptions({ shardSize: 0 }))).toBe("INVALID_OPTION");
    expect(code(() => resolveSerializationOptions({ shardSize: 1.5 }))).toBe("INVALID_OPTION");
    expect(code(() => resolveSerializationOptions({ ignorePaths: ["/etc/passwd"] }))).toBe("INVALID_OPTION");
    expect(code(() => resolveSerializationOptions({ ignorePaths: ["."] }))).toBe("INVALID_OPTION");
    expect(code(() => resolveSerializationOptions({ ignorePaths: [""] }))).toBe("INVALID_OPTION");
  });
});

describe("normalizeIgnorePath", () => {
  it("writes paths the way model_signing records them (os.path.relpath)", () => {
    expect(normalizeIgnorePath(".git/")).toBe(".git");
    expect(normalizeIgnorePath("./model.sig")).toBe("model.sig");
    expect(normalizeIgnorePath("a/./b")).toBe("a/b");
    expect(normalizeIgnorePath("../x")).toBeUndefined();
    expect(code(() => normalizeIgnorePath("a/.."))).toBe("INVALID_OPTION");
  });
});

describe("ignorePathsFromCli", () => {
  it("takes paths relative to the current directory when they land in the model, as model_signing's CLI does", () => {
    expect(ignorePathsFromCli("v1/", ["./v1/ignore-me"], "/data")).toEqual(["ignore-me"]);
    expect(ignorePathsFromCli("/data/v1", ["/data/v1/sub/x"], "/elsewhere")).toEqual(["sub/x"]);
  });

  it("otherwise takes a relative path as relative to the model root", () => {
    expect(ignorePathsFromCli("/data/model", ["README.md", "docs/"], "/home/me")).toEqual(["README.md", "docs"]);
  });

  it("refuses paths outside the model and the model itself", () => {
    expect(code(() => ignorePathsFromCli("/data/model", ["/etc/passwd"], "/data"))).toBe("INVALID_OPTION");
    expect(code(() => ignorePathsFromCli("/data/model", ["../x"], "/data/model"))).toBe("INVALID_OPTION");
    expect(code(() => ignorePathsFromCli("model", ["model"], "/data"))).toBe("INVALID_OPTION");
  });
});
