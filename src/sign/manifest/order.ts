/**
 * Canonical resource order of the model-signing format. model_signing sorts its manifest keys as Python
 * dataclasses: a file by its PurePosixPath, which compares the list of path components (so "a/b" < "a b" <
 * "a-b", unlike plain string order), each component by Unicode code point; a shard by (path, start, end).
 */

/** Compares two strings by Unicode code point, as Python does (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Differing units: only a surrogate (an astral code point, > U+FFFF) against a BMP unit at or above
    // U+E000 compares differently from code point order; lift surrogates above the BMP.
    return lift(x) - lift(y);
  }
  return a.length - b.length;
}

function lift(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit;
}

/** Compares two POSIX relative paths by their components, as pathlib.PurePosixPath ordering does. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(pa[i]!, pb[i]!);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** A resource's file path and, for shards, its byte range. */
export interface ResourceKey {
  path: string;
  start?: number;
  end?: number;
}

/** Compares two resource keys: path components first, then start and end offsets. */
export function compareKeys(a: ResourceKey, b: ResourceKey): number {
  return comparePaths(a.path, b.path) || (a.start ?? 0) - (b.start ?? 0) || (a.end ?? 0) - (b.end ?? 0);
}
