import { describe, expect, it } from "vitest";
import { classifyLocation } from "./location.js";

describe("classifyLocation", () => {
  it.each([
    ["model.onnx.data", "model.onnx.data"],
    ["weights/layer0.bin", "weights/layer0.bin"],
    ["./a/../b.bin", "b.bin"],
    ["a\\b.bin", "a/b.bin"],
  ])("%s stays inside", (loc, normalized) => {
    expect(classifyLocation(loc)).toEqual({ kind: "inside", normalized });
  });

  it.each(["/etc/passwd", "\\\\server\\share\\w", "C:\\Windows\\win.ini", "c:w.bin", "../w.bin", "a/../../w.bin", "a\\..\\..\\w.bin", "./../w"])(
    "%s escapes",
    (loc) => {
      expect(classifyLocation(loc).kind).toBe("escapes");
    },
  );

  it.each(["", "https://x.example/w", "file:///etc/passwd", "~/.ssh/id_rsa", "w\u0000.bin", "NUL", "a/con.txt", ".", "x".repeat(5000)])("%j is suspicious", (loc) => {
    expect(classifyLocation(loc).kind).toBe("suspicious");
  });
});
