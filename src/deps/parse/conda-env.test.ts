import { describe, expect, it } from "vitest";
import { parseCondaSpec } from "./conda-env.js";

describe("parseCondaSpec", () => {
  it.each([
    ["numpy", "numpy", [{ specifier: "" }]],
    ["numpy=1.21", "numpy", [{ specifier: "==1.21.*" }]],
    ["numpy=1.21.*", "numpy", [{ specifier: "==1.21.*" }]],
    ["numpy==1.21.0", "numpy", [{ specifier: "==1.21.0", version: "1.21.0" }]],
    ["numpy>=1.20", "numpy", [{ specifier: ">=1.20" }]],
    ["numpy >=1.20,<1.22", "numpy", [{ specifier: ">=1.20,<1.22" }]],
    ["conda-forge::numpy=1.21=py39_0", "numpy", [{ specifier: "==1.21.*" }]],
    ["conda-forge/linux-64::numpy==1.21.0=py39h_0", "numpy", [{ specifier: "==1.21.0", version: "1.21.0" }]],
    ["numpy 1.21.0 py39_0", "numpy", [{ specifier: "==1.21.0", version: "1.21.0" }]],
    ["numpy 1.21*", "numpy", [{ specifier: "==1.21.*" }]],
    ["numpy 1.20|1.21", "numpy", [{ specifier: "==1.20", version: "1.20" }, { specifier: "==1.21", version: "1.21" }]],
    ["numpy[version='>=1.20,<2']", "numpy", [{ specifier: ">=1.20,<2" }]],
    ["python=3.9", "python", [{ specifier: "==3.9.*" }]],
  ])("%s", (text, name, alternatives) => {
    expect(parseCondaSpec(text)).toEqual({ name, alternatives });
  });

  it.each(["", "=1.0", "numpy?1.0"])("rejects %j", (text) => {
    expect(() => parseCondaSpec(text)).toThrow();
  });
});
