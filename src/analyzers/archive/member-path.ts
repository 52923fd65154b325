import type { Issue } from "../analyzer.js";

/** Splits a member path on both separators (an extractor on Windows treats "\" as one). */
function parts(path: string): string[] {
  return path.split(/[\\/]+/);
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path);
}

/**
 * Checks a member name for what would make extraction write outside the target folder (zip-slip / tar
 * traversal: absolute paths, drive letters, `..`) and for names that extract differently from how they show.
 */
export function checkMemberPath(name: string, container: string): Issue[] {
  const issues: Issue[] = [];
  const shown = JSON.stringify(name);
  const reasons: string[] = [];
  if (isAbsolute(name)) reasons.push(/^[A-Za-z]:/.test(name) ? "has a drive letter" : "is absolute");
  const dots = parts(name).includes("..");
  if (dots && climbsOut(parts(name))) reasons.push("climbs out with `..` components");
  if (reasons.length > 0) {
    issues.push({
      ruleId: "archive/path-traversal",
      message: `${container} member ${shown} ${reasons.join(" and ")}: extracting it writes outside the target folder`,
      evidence: { member: name },
    });
    return issues;
  }
  const odd: string[] = [];
  if (name.length === 0) odd.push("is empty");
  if (name.includes("\\")) odd.push("contains backslashes (folder separators on Windows)");
  if (dots) odd.push("has `..` components");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) odd.push("contains control characters");
  if (odd.length > 0) {
    issues.push({ ruleId: "archive/suspicious-member-name", message: `${container} member ${shown} ${odd.join(" and ")}`, evidence: { member: name } });
  }
  return issues;
}

/** True when resolving the components in order goes above the starting folder. */
function climbsOut(components: string[]): boolean {
  let depth = 0;
  for (const p of components) {
    if (p === "" || p === ".") continue;
    depth += p === ".." ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * True when a link resolves outside the extraction folder. A symbolic link's target is relative to the link's
 * folder, a hard link's to the archive root (tar semantics).
 */
export function linkEscapes(linkPath: string, target: string, kind: "symlink" | "hardlink"): boolean {
  if (isAbsolute(target)) return true;
  const base = kind === "symlink" ? parts(linkPath).slice(0, -1).filter((p) => p !== "" && p !== ".") : [];
  return climbsOut([...base, ...parts(target)]);
}

/** The finding for a link member: critical when it escapes, a note otherwise. */
export function checkLink(linkPath: string, target: string, kind: "symlink" | "hardlink", container: string): Issue {
  const what = kind === "symlink" ? "symbolic link" : "hard link";
  const evidence = { member: linkPath, target, kind };
  if (linkEscapes(linkPath, target, kind)) {
    return { ruleId: "archive/link-escape", message: `${container} member ${JSON.stringify(linkPath)} is a ${what} to ${JSON.stringify(target)}, outside the extraction folder`, evidence };
  }
  return { ruleId: "archive/link-member", message: `${container} member ${JSON.stringify(linkPath)} is a ${what} to ${JSON.stringify(target)}`, evidence };
}
