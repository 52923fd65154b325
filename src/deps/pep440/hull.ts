import type { VersionBound, VersionInterval } from "./intersect.js";
import type { SpecifierSet } from "./specifier.js";
import { compareVersions } from "./version.js";

function tighterLower(a: VersionBound | undefined, b: VersionBound): VersionBound {
  if (!a) return b;
  const c = compareVersions(a.version, b.version);
  return c > 0 || (c === 0 && !a.inclusive) ? a : b;
}

function tighterUpper(a: VersionBound | undefined, b: VersionBound): VersionBound {
  if (!a) return b;
  const c = compareVersions(a.version, b.version);
  return c < 0 || (c === 0 && !a.inclusive) ? a : b;
}

function nextPrefix(epoch: number, release: number[]): string {
  const p = [...release];
  p[p.length - 1]! += 1;
  return `${epoch ? `${epoch}!` : ""}${p.join(".")}`;
}

/** The smallest interval holding every version the set allows (for messages: holes such as `!=` are ignored). */
export function specifierHull(set: SpecifierSet): VersionInterval {
  let lower: VersionBound | undefined;
  let upper: VersionBound | undefined;
  for (const c of set.clauses) {
    const ver = c.version;
    if (!ver) continue;
    const text = c.wildcard ? `${ver.epoch ? `${ver.epoch}!` : ""}${ver.release.join(".")}` : ver.text;
    switch (c.operator) {
      case ">=":
        lower = tighterLower(lower, { version: text, inclusive: true });
        break;
      case ">":
        lower = tighterLower(lower, { version: text, inclusive: false });
        break;
      case "<=":
        upper = tighterUpper(upper, { version: text, inclusive: true });
        break;
      case "<":
        upper = tighterUpper(upper, { version: text, inclusive: false });
        break;
      case "===":
      case "==":
        if (c.wildcard) {
          lower = tighterLower(lower, { version: text, inclusive: true });
          upper = tighterUpper(upper, { version: nextPrefix(ver.epoch, ver.release), inclusive: false });
        } else {
          lower = tighterLower(lower, { version: ver.public, inclusive: true });
          upper = tighterUpper(upper, { version: ver.public, inclusive: true });
        }
        break;
      case "~=":
        lower = tighterLower(lower, { version: text, inclusive: true });
        upper = tighterUpper(upper, { version: nextPrefix(ver.epoch, ver.release.slice(0, -1)), inclusive: false });
        break;
      case "!=":
        break;
    }
  }
  const out: VersionInterval = {};
  if (lower) out.lower = lower;
  if (upper) out.upper = upper;
  return out;
}

/** The overlap of two intervals (for messages). */
export function intersectIntervals(a: VersionInterval, b: VersionInterval): VersionInterval {
  const out: VersionInterval = {};
  const lower = a.lower ? (b.lower ? tighterLower(a.lower, b.lower) : a.lower) : b.lower;
  const upper = a.upper ? (b.upper ? tighterUpper(a.upper, b.upper) : a.upper) : b.upper;
  if (lower) out.lower = lower;
  if (upper) out.upper = upper;
  return out;
}
