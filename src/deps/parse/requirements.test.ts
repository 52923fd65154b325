import { describe, expect, it } from "vitest";
import type { DependencyItem } from "./items.js";
import { logicalLines, parseRequirementLine, parseRequirementsText } from "./requirements.js";

const ctx = { file: "requirements.txt" };

function deps(items: DependencyItem[]) {
  return items.flatMap((i) => (i.type === "dependency" ? [i.dependency] : []));
}
function issues(items: DependencyItem[]) {
  return items.flatMap((i) => (i.type === "issue" ? [[i.code, i.source.line, i.message] as const] : []));
}

describe("logicalLines", () => {
  it("joins continuations, drops comments and blank lines, keeps the first line number", () => {
    const text = "a==1 \\\n  --hash=sha256:00 \\\n  --hash=sha256:11\n\n# comment \\\nb>=2  # trailing\nurl#frag\nc\\";
    expect(logicalLines(text, 100).lines).toEqual([
      { line: 1, text: "a==1   --hash=sha256:00   --hash=sha256:11" },
      { line: 6, text: "b>=2" },
      { line: 7, text: "url#frag" },
      { line: 8, text: "c" },
    ]);
  });

  it("a comment line ends a continuation", () => {
    expect(logicalLines("a==1 \\\n# note\nb==2", 100).lines).toEqual([
      { line: 1, text: "a==1" },
      { line: 3, text: "b==2" },
    ]);
  });

  it("handles CRLF", () => {
    expect(logicalLines("a==1\r\nb==2\r\n", 100).lines.map((l) => l.text)).toEqual(["a==1", "b==2"]);
  });
});

describe("parseRequirementLine", () => {
  it("collects --hash in either spelling", () => {
    const items = parseRequirementLine("six==1.16.0 --hash=sha256:aa --hash sha256:bb", 3, ctx);
    expect(deps(items)).toMatchObject([{ name: "six", version: "1.16.0", hashes: ["sha256:aa", "sha256:bb"] }]);
  });

  it("returns includes in all spellings", () => {
    for (const [line, mode, target] of [
      ["-r base.txt", "requirement", "base.txt"],
      ["-rbase.txt", "requirement", "base.txt"],
      ["--requirement=base.txt", "requirement", "base.txt"],
      ["--requirement base.txt", "requirement", "base.txt"],
      ["-c constraints.txt", "constraint", "constraints.txt"],
      ["--constraint=c.txt", "constraint", "c.txt"],
    ] as const) {
      expect(parseRequirementLine(line, 1, ctx)).toEqual([{ type: "include", mode, target, source: { file: "requirements.txt", line: 1 } }]);
    }
  });

  it("notes global options as unsupported-option issues, redacting credentials", () => {
    const items = parseRequirementLine("--index-url https://__token__:pypi-AgEI@example.com/simple --pre", 1, ctx);
    expect(issues(items)).toEqual([
      ["unsupported-option", 1, expect.stringMatching(/^--index-url https:\/\/__token__:\*\*\*@example\.com\/simple: /)],
      ["unsupported-option", 1, expect.stringMatching(/^--pre: /)],
    ]);
    expect(JSON.stringify(items)).not.toContain("pypi-AgEI");
    expect(issues(parseRequirementLine("-i https://x/simple", 1, ctx))[0]?.[2]).toMatch(/^--index-url https:\/\/x\/simple/);
    expect(issues(parseRequirementLine("--find-links ./wheels", 1, ctx))[0]?.[0]).toBe("unsupported-option");
    expect(issues(parseRequirementLine("--trusted-host example.com", 1, ctx))[0]?.[2]).toMatch(/TLS verification is disabled/);
  });

  it("reads editable VCS references with #egg= (no version, a no-version issue)", () => {
    const items = parseRequirementLine("-e git+ssh://git@github.com/org/repo.git@abc123#egg=my_pkg[cli]&subdirectory=src", 4, ctx);
    expect(deps(items)).toEqual([
      {
        name: "my-pkg",
        rawName: "my_pkg",
        specifier: "",
        extras: ["cli"],
        url: "git+ssh://git@github.com/org/repo.git@abc123#egg=my_pkg[cli]&subdirectory=src",
        editable: true,
        hashes: [],
        locked: false,
        source: { file: "requirements.txt", line: 4 },
      },
    ]);
    expect(issues(items).map((i) => i[0])).toEqual(["no-version"]);
  });

  it("reports references that name no package", () => {
    expect(issues(parseRequirementLine("git+https://github.com/org/repo.git@v1", 1, ctx))).toEqual([
      ["no-version", 1, expect.stringMatching(/VCS reference without #egg=<name>/)],
    ]);
    expect(issues(parseRequirementLine("./vendor/pkg[extra]", 1, ctx))).toEqual([
      ["unsupported-option", 1, expect.stringMatching(/^\.\/vendor\/pkg: local path/)],
    ]);
  });

  it("names a wheel by its file name, locally or by URL, with markers and hashes", () => {
    const local = parseRequirementLine("dist/My_Pkg-2.0.1-py3-none-any.whl; python_version >= '3.8' --hash=sha256:ff", 1, ctx);
    expect(deps(local)).toMatchObject([
      { name: "my-pkg", rawName: "My_Pkg", version: "2.0.1", url: "dist/My_Pkg-2.0.1-py3-none-any.whl", marker: "python_version >= '3.8'", hashes: ["sha256:ff"] },
    ]);
    expect(issues(local)).toEqual([]);
    const remote = parseRequirementLine("https://ex.com/torch-2.1.0%2Bcpu-cp311-cp311-linux_x86_64.whl ; sys_platform == 'linux'", 1, ctx);
    expect(deps(remote)).toMatchObject([{ name: "torch", version: "2.1.0+cpu", marker: "sys_platform == 'linux'" }]);
  });

  it("keeps a requirement's non-hash per-requirement options as unsupported-option issues", () => {
    const items = parseRequirementLine('pkg==1 --config-settings="--build-option=--x"', 1, ctx);
    expect(deps(items)).toHaveLength(1);
    expect(issues(items).map((i) => i[0])).toEqual(["unsupported-option"]);
  });

  it("keeps a requirement followed by a global option, noting the option", () => {
    const items = parseRequirementLine("torch==2.0.0+cu118 -f https://download.pytorch.org/whl/torch_stable.html", 2, ctx);
    expect(deps(items)).toMatchObject([{ name: "torch", version: "2.0.0+cu118" }]);
    expect(issues(items)).toEqual([["unsupported-option", 2, expect.stringMatching(/^--find-links https:\/\/download\.pytorch\.org/)]]);
    expect(issues(parseRequirementLine("six -r other.txt", 1, ctx))).toEqual([["unsupported-option", 1, expect.stringMatching(/ignored by pip/)]]);
  });

  it.each([
    ["--hash=sha256:aa", /must follow a requirement/],
    ["pkg==1 --bogus", /unknown option/],
    ["-r", /needs a value/],
    ["--pre=yes", /takes no value/],
    ["pkg==1 --hash=sha256:a?b", /malformed --hash/],
    ["pkg=1.0", /unexpected/],
  ])("%j is an unparsed-line issue", (line, message) => {
    const items = parseRequirementLine(line, 7, ctx);
    expect(deps(items)).toEqual([]);
    expect(issues(items)).toEqual([["unparsed-line", 7, expect.stringMatching(message)]]);
  });
});

describe("parseRequirementsText", () => {
  it("keeps going after a bad line", () => {
    const items = parseRequirementsText("good==1\nbad line here\nalso-good>=2\n", ctx, 100);
    expect(deps(items).map((d) => d.name)).toEqual(["good", "also-good"]);
    expect(issues(items).map((i) => [i[0], i[1]])).toEqual([["unparsed-line", 2]]);
  });

  it("quotes at most 120 characters of a bad line", () => {
    const items = parseRequirementsText("x".repeat(50) + " " + "y".repeat(5000), ctx, 100);
    expect(issues(items)[0]![2].length).toBeLessThan(300);
  });
});
