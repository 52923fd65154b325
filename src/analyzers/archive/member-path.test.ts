import { describe, expect, it } from "vitest";
import { checkLink, checkMemberPath, linkEscapes } from "./member-path.js";

const rules = (name: string) => checkMemberPath(name, "zip").map((i) => i.ruleId);

describe("checkMemberPath", () => {
  it("flags names that escape the extraction folder", () => {
    for (const name of ["../x", "a/../../x", "/etc/passwd", "\\\\server\\share\\x", "C:\\Windows\\x", "c:x", "..\\..\\x", "a/../.."]) {
      expect(rules(name)).toEqual(["archive/path-traversal"]);
    }
  });

  it("notes odd names and passes ordinary ones", () => {
    expect(rules("dir\\file")).toEqual(["archive/suspicious-member-name"]);
    expect(rules("a\u0001b")).toEqual(["archive/suspicious-member-name"]);
    expect(rules("")).toEqual(["archive/suspicious-member-name"]);
    expect(rules("a/b/../c")).toEqual(["archive/suspicious-member-name"]);
    for (const name of ["archive/data.pkl", "./model.bin", "..hidden", "a..b/c"]) expect(rules(name)).toEqual([]);
  });
});

describe("links", () => {
  it("resolves symlink targets from the link's folder and hard links from the root", () => {
    expect(linkEscapes("a/b/link", "../c", "symlink")).toBe(false);
    expect(linkEscapes("a/link", "../../c", "symlink")).toBe(true);
    expect(linkEscapes("a/b/link", "../c", "hardlink")).toBe(true);
    expect(linkEscapes("link", "/etc/passwd", "symlink")).toBe(true);
    expect(linkEscapes("link", "x/./y", "symlink")).toBe(false);
  });

  it("makes escaping links critical findings and others notes, with the target", () => {
    expect(checkLink("l", "/etc/shadow", "symlink", "tar")).toMatchObject({ ruleId: "archive/link-escape", evidence: { target: "/etc/shadow" } });
    expect(checkLink("l", "model.bin", "symlink", "tar").ruleId).toBe("archive/link-member");
  });
});
