import type { ByteSource } from "./source.js";

/** Separator between a container's path and a member's name in virtual paths: `model.zip!/data.pkl`. */
export const MEMBER_SEPARATOR = "!/";

/**
 * A file as the scanner sees it: a file on disk, or a member of a container (zip, tar, 7z,
 * a compressed stream), possibly nested. Its bytes come from `source`.
 */
export interface VirtualFile {
  /** Display path: the on-disk path, then member names joined with "!/". */
  path: string;
  /** Name of the innermost member (or the file name); a hint only — formats come from content. */
  name: string;
  /** The member name inside its direct container, when this is a member. */
  member?: string;
  /** How many containers this file is nested in (0 for a file on disk). */
  depth: number;
  source: ByteSource;
}

export function memberPath(parent: VirtualFile, member: string): string {
  return `${parent.path}${MEMBER_SEPARATOR}${member}`;
}

export function createMemberFile(parent: VirtualFile, member: string, source: ByteSource): VirtualFile {
  const base = member.split("/").filter(Boolean).pop() ?? member;
  return { path: memberPath(parent, member), name: base, member, depth: parent.depth + 1, source };
}
