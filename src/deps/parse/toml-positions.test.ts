import { describe, expect, it } from "vitest";
import { parse } from "smol-toml";
import { TomlPositions } from "./toml-positions.js";

const TEXT = `# comment
title = "x" # trailing
[project]
name = 'p'
description = """
[not.a.header]
  deps = ["fake"]
"""
dependencies = [
  "a>=1",  # one
  # a comment line
  'b',
  """c""",
]
"quoted.key" = { x = 1, y = [1,
  2] }

[[package]]
name = "first"
files = [ {file = "f1", hash = "h1"},
  {file = "f2", hash = "h2"} ]

[[package]]
name = "second"

[package.source]
type = "git"

[ tool . "poetry" . dependencies ]
torch = "^2"
when = 1979-05-27 07:32:00Z
`;

describe("TomlPositions", () => {
  it("is valid TOML (sanity)", () => {
    expect(() => parse(TEXT)).not.toThrow();
  });

  it("finds keys, array elements, array-of-tables entries and quoted/dotted headers", () => {
    const p = TomlPositions.scan(TEXT);
    expect(p.line(["title"])).toBe(2);
    expect(p.line(["project"])).toBe(3);
    expect(p.line(["project", "name"])).toBe(4);
    expect(p.line(["project", "dependencies"])).toBe(9);
    expect(p.line(["project", "dependencies", 0])).toBe(10);
    expect(p.line(["project", "dependencies", 1])).toBe(12);
    expect(p.line(["project", "dependencies", 2])).toBe(13);
    expect(p.line(["project", "dependencies", 3])).toBeUndefined();
    expect(p.line(["project", "quoted.key", "y", 1])).toBe(16);
    expect(p.line(["not", "a", "header"])).toBeUndefined();
    expect(p.line(["package", 0])).toBe(18);
    expect(p.line(["package", 0, "files", 1, "hash"])).toBe(21);
    expect(p.line(["package", 1, "name"])).toBe(24);
    expect(p.line(["package", 1, "source", "type"])).toBe(27);
    expect(p.line(["tool", "poetry", "dependencies", "torch"])).toBe(30);
    expect(p.line(["tool", "poetry", "dependencies", "when"])).toBe(31);
  });

  it("gives up quietly (no lines, no throw) on text it does not understand", () => {
    const p = TomlPositions.scan("a = 1\nb = [1 2]\nc = 2\n");
    expect(p.line(["a"])).toBe(1);
    expect(p.line(["c"])).toBeUndefined();
  });
});
