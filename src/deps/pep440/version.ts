/**
 * PEP 440 versions: a thin wrapper over @renovatebot/pep440 (its parser and its total order), so the rest of
 * modelgate names only the few functions it needs and never handles the library's null/throw conventions.
 */
import { compare as libCompare, explain } from "@renovatebot/pep440";

export interface Pep440Version {
  /** Canonical text: epoch only when non-zero, `rc`/`a`/`b`, `.postN`, `.devN`, `+local`. */
  text: string;
  epoch: number;
  release: number[];
  pre?: { label: "a" | "b" | "rc"; n: number };
  post?: number;
  dev?: number;
  local?: string;
  /** The version without its local label. */
  public: string;
  isPrerelease: boolean;
  isPostrelease: boolean;
}

function canonical(epoch: number, release: number[], pre: Pep440Version["pre"], post?: number, dev?: number, local?: string): string {
  let s = epoch ? `${epoch}!` : "";
  s += release.join(".");
  if (pre) s += `${pre.label}${pre.n}`;
  if (post !== undefined) s += `.post${post}`;
  if (dev !== undefined) s += `.dev${dev}`;
  if (local) s += `+${local}`;
  return s;
}

/** Parses a version as PEP 440 normalises it (`1.0RC1` → `1.0rc1`, `v1.0-1` → `1.0.post1`); undefined when invalid. */
export function parseVersion(text: string): Pep440Version | undefined {
  if (typeof text !== "string" || text.length > 256) return undefined;
  const e = explain(text.trim());
  if (!e) return undefined;
  const pre = e.pre && e.pre.length === 2 ? { label: String(e.pre[0]) as "a" | "b" | "rc", n: Number(e.pre[1]) } : undefined;
  const post = e.post === null || e.post === undefined ? undefined : Number(e.post);
  const dev = e.dev === null || e.dev === undefined ? undefined : Number(e.dev);
  const local = e.local ? e.local.toLowerCase().replace(/[-_]/g, ".") : undefined;
  const v: Pep440Version = {
    text: canonical(e.epoch, e.release, pre, post, dev, local),
    epoch: e.epoch,
    release: [...e.release],
    public: canonical(e.epoch, e.release, pre, post, dev),
    isPrerelease: pre !== undefined || dev !== undefined,
    isPostrelease: post !== undefined,
  };
  if (pre) v.pre = pre;
  if (post !== undefined) v.post = post;
  if (dev !== undefined) v.dev = dev;
  if (local) v.local = local;
  return v;
}

export function isValidVersion(text: string): boolean {
  return parseVersion(text) !== undefined;
}

/** Canonical form of a valid version (`1.0RC1` → `1.0rc1`); the input unchanged when it is not PEP 440. */
export function normalizeVersion(text: string): string {
  return parseVersion(text)?.text ?? text;
}

/** PEP 440 order (epoch, release padded with zeros, dev < pre < final < post, local after public). Both must be valid. */
export function compareVersions(a: string | Pep440Version, b: string | Pep440Version): number {
  const x = typeof a === "string" ? a : a.text;
  const y = typeof b === "string" ? b : b.text;
  return Math.sign(libCompare(x, y));
}

/** `1.0 == 1.0.0`, `1.0RC1 == 1.0rc1`; local labels count (use `.public` to ignore them). */
export function versionsEqual(a: string | Pep440Version, b: string | Pep440Version): boolean {
  return compareVersions(a, b) === 0;
}

/** The release with its epoch and nothing else (`1!2.0rc1.post3` → `1!2.0`). */
export function baseVersion(v: Pep440Version): string {
  return canonical(v.epoch, v.release, undefined);
}
