import { describe, expect, it } from "vitest";
import { identifyReference, looksLikePath, looksLikeUrl, parseWheelFileName, redactUrlCredentials } from "./direct-reference.js";

describe("direct references", () => {
  it("recognises URLs and paths as pip does", () => {
    expect(looksLikeUrl("https://x/y.whl")).toBe(true);
    expect(looksLikeUrl("git+ssh://git@host/r.git")).toBe(true);
    expect(looksLikeUrl("C:\\wheels\\x.whl")).toBe(false);
    expect(looksLikeUrl("torch>=1")).toBe(false);
    expect(looksLikePath("./pkg")).toBe(true);
    expect(looksLikePath("x-1.0.tar.gz")).toBe(true);
    expect(looksLikePath("torch")).toBe(false);
  });

  it("parses wheel file names", () => {
    expect(parseWheelFileName("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")).toEqual({ name: "numpy", version: "1.26.4" });
    expect(parseWheelFileName("pkg-1.0-1build-py3-none-any.whl")).toEqual({ name: "pkg", version: "1.0" });
    expect(parseWheelFileName("pkg-1.0.tar.gz")).toBeUndefined();
    expect(parseWheelFileName("not-a-wheel.whl")).toBeUndefined();
  });

  it("takes the name from #egg= first", () => {
    expect(identifyReference("git+https://h/r.git#egg=my-pkg&subdirectory=x")).toEqual({ name: "my-pkg", extras: [] });
    expect(identifyReference("https://h/archive.zip")).toEqual({ extras: [] });
  });

  it("redacts credentials but keeps plain user names and ${VAR} placeholders", () => {
    expect(redactUrlCredentials("https://user:pass@h/simple")).toBe("https://user:***@h/simple");
    expect(redactUrlCredentials("https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r")).toBe("https://***@github.com/o/r");
    expect(redactUrlCredentials("git+ssh://git@github.com/o/r.git")).toBe("git+ssh://git@github.com/o/r.git");
    expect(redactUrlCredentials("https://${USER}:${TOKEN}@h/simple")).toBe("https://${USER}:${TOKEN}@h/simple");
    expect(redactUrlCredentials("https://h/simple")).toBe("https://h/simple");
  });
});
