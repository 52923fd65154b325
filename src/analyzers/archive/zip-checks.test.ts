import { describe, expect, it } from "vitest";
import { classifyZip, findGaps, findOverlaps, isTorchStorage, type ZipMemberLayout } from "./zip-checks.js";

const at = (localOffset: number, recordEnd: number, name = `m${localOffset}`): ZipMemberLayout =>
  ({ entry: { name }, localOffset, recordEnd, dataOffset: localOffset + 30, dataEnd: recordEnd }) as unknown as ZipMemberLayout;

describe("classifyZip", () => {
  it("recognises PyTorch, TorchScript, npz and Keras layouts", () => {
    expect(classifyZip(["m/data.pkl", "m/version", "m/data/0"])).toEqual({ format: "pytorch-zip", torchPrefix: "m" });
    expect(classifyZip(["m/data.pkl", "m/constants.pkl", "m/code/__torch__.py"]).format).toBe("torchscript");
    expect(classifyZip(["data.pkl", "version"])).toEqual({ format: "pytorch-zip", torchPrefix: "" });
    expect(classifyZip(["a.npy", "b.npy"]).format).toBe("npz");
    expect(classifyZip(["config.json", "metadata.json", "model.weights.h5"]).format).toBe("keras");
    expect(classifyZip(["data.pkl"]).format).toBe("zip");
    expect(classifyZip([]).format).toBe("zip");
  });

  it("knows tensor storage members", () => {
    expect(isTorchStorage("m/data/0", "m")).toBe(true);
    expect(isTorchStorage("m/data/0/x", "m")).toBe(false);
    expect(isTorchStorage("m/data.pkl", "m")).toBe(false);
    expect(isTorchStorage("data/3", "")).toBe(true);
    expect(isTorchStorage("m/data/0", undefined)).toBe(false);
  });
});

describe("layout", () => {
  it("finds overlapping records", () => {
    expect(findOverlaps([at(0, 100), at(100, 200)])).toEqual([]);
    const pairs = findOverlaps([at(0, 100), at(50, 80), at(90, 150)]);
    expect(pairs.map(([a, b]) => [a.localOffset, b.localOffset])).toEqual([
      [0, 50],
      [0, 90],
    ]);
  });

  it("finds gaps between records and before the directory", () => {
    expect(findGaps([at(0, 100), at(120, 200)], 0, 250)).toEqual([
      { offset: 100, length: 20 },
      { offset: 200, length: 50 },
    ]);
    expect(findGaps([at(0, 100), at(100, 200)], 0, 200)).toEqual([]);
  });
});
