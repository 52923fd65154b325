import { describe, expect, it } from "vitest";
import { ModelgateError } from "../../core/errors.js";
import { checkMarker, parsePep508, parseSpecifierSet, Pep508Error, pinnedVersion } from "./pep508.js";

describe("parsePep508", () => {
  it.each([
    ["requests", { name: "requests", extras: [], specifier: "" }],
    ["requests==2.31.0", { name: "requests", extras: [], specifier: "==2.31.0" }],
    ["  Django >= 4.2 , < 5 ", { name: "Django", extras: [], specifier: ">=4.2,<5" }],
    ["foo (>=1.0, !=1.3.*)", { name: "foo", extras: [], specifier: ">=1.0,!=1.3.*" }],
    ["foo~=1.4.2", { name: "foo", extras: [], specifier: "~=1.4.2" }],
    ["foo===1.0-local.weird", { name: "foo", extras: [], specifier: "===1.0-local.weird" }],
    ["a.b-c_d[x, y-z]>1", { name: "a.b-c_d", extras: ["x", "y-z"], specifier: ">1" }],
    ["foo[]", { name: "foo", extras: [], specifier: "" }],
    ["foo==1.0+cpu", { name: "foo", extras: [], specifier: "==1.0+cpu" }],
    ["foo==1!2.0.post1.dev3", { name: "foo", extras: [], specifier: "==1!2.0.post1.dev3" }],
  ])("%s", (text, expected) => {
    const r = parsePep508(text);
    expect({ name: r.name, extras: r.extras, specifier: r.specifier }).toEqual(expected);
    expect(r.url).toBeUndefined();
    expect(r.marker).toBeUndefined();
  });

  it("keeps markers as written and validates them", () => {
    expect(parsePep508('foo>=1;python_version<"3.8"').marker).toBe('python_version<"3.8"');
    expect(parsePep508("foo ; (os_name == 'nt' or sys_platform == 'linux') and extra == \"gpu\"").marker).toBe(
      "(os_name == 'nt' or sys_platform == 'linux') and extra == \"gpu\"",
    );
    expect(parsePep508("foo; 'linux' in sys_platform").marker).toBe("'linux' in sys_platform");
    expect(parsePep508("foo; platform_machine not in 'x86_64 aarch64'").marker).toBe("platform_machine not in 'x86_64 aarch64'");
    expect(parsePep508("foo; os.name == 'posix'").marker).toBe("os.name == 'posix'");
  });

  it("reads direct references, which need whitespace before a marker", () => {
    const r = parsePep508("pip @ https://github.com/pypa/pip/archive/22.0.2.zip ; python_version >= '3.7'");
    expect(r).toMatchObject({ name: "pip", url: "https://github.com/pypa/pip/archive/22.0.2.zip", marker: "python_version >= '3.7'", specifier: "" });
    expect(parsePep508("name[x]@file:///tmp/x.whl").url).toBe("file:///tmp/x.whl");
    // Without whitespace the ";" belongs to the URL.
    expect(parsePep508("name @ https://x/y;z").url).toBe("https://x/y;z");
  });

  it.each([
    ["", /package name/],
    ["-foo", /package name/],
    ["foo bar", /unexpected/],
    ["foo>=", /expected a version/],
    ["foo>=1.0,", /version operator/],
    ["foo>=1.*", /wildcard/],
    ["foo==1.*.2", /wildcard/],
    ["foo~=1", /two release parts/],
    ["foo==abc", /not a PEP 440 version/],
    ["foo[bar", /extras/],
    ["foo (>=1", /"\)"/],
    ["foo; bogus == '1'", /unknown marker variable "bogus"/],
    ["foo; python_version", /comparison operator/],
    ["foo; python_version == '3' and", /expression/],
    ["foo; (python_version == '3'", /"\)"/],
    ["foo; python_version == '3", /unterminated/],
    ["foo;", /marker/],
    ["foo @", /URL/],
    ["foo==1.0 extra", /unexpected/],
  ])("rejects %j", (text, message) => {
    let error: unknown;
    try {
      parsePep508(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Pep508Error);
    expect(error).toBeInstanceOf(ModelgateError);
    expect((error as Error).message).toMatch(message);
  });

  it("bounds marker nesting", () => {
    expect(() => checkMarker("(".repeat(100) + "os_name == 'nt'" + ")".repeat(100))).toThrow(/too deep/);
  });
});

describe("pinnedVersion", () => {
  it("is the version of ==X (no wildcard) or ===X", () => {
    expect(pinnedVersion(parseSpecifierSet("==1.2.3"))).toBe("1.2.3");
    expect(pinnedVersion(parseSpecifierSet(">=1,==1.5"))).toBe("1.5");
    expect(pinnedVersion(parseSpecifierSet("===weird"))).toBe("weird");
    expect(pinnedVersion(parseSpecifierSet("==1.2.*"))).toBeUndefined();
    expect(pinnedVersion(parseSpecifierSet(">=1.2"))).toBeUndefined();
  });
});
