import { describe, expect, it } from "vitest";
import { checkFilePath, checkName } from "./names.js";

describe("names and file paths", () => {
  it("accepts names of letters, digits, dot, underscore and dash", () => {
    for (const ok of ["vision", "bert-base_v1.2", "0", "A".repeat(128)]) expect(checkName("name", ok)).toBe(ok);
  });

  it("refuses traversal, separators, leading punctuation and long names", () => {
    for (const bad of ["..", ".", ".x", "-x", "_x", "a/b", "a\\b", "a b", "a\u0000", "", "A".repeat(129), "é"]) {
      expect(() => checkName("name", bad), bad).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
    }
    expect(() => checkName("name", 5)).toThrow();
  });

  it("accepts relative POSIX file paths", () => {
    for (const ok of ["model.safetensors", "1_Pooling/config.json", "__init__.py", ".gitattributes", "a b/ü.bin", "x..y"]) expect(checkFilePath(ok)).toBe(ok);
  });

  it("refuses absolute paths, dot segments, backslashes, control characters and empty segments", () => {
    for (const bad of ["", "/etc/passwd", "C:/w", "c:x", "../x", "a/../b", "a/..", "./a", "a/./b", ".", "..", "a\\b", "a\u0000b", "a\nb", "a\u007fb", "a//b", "a/", "x".repeat(1025), `${"y".repeat(256)}/z`]) {
      expect(() => checkFilePath(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
    }
  });
});
