/**
 * Poetry version constraints → PEP 440 specifier sets, with the semantics of Poetry's documentation:
 *   ^1.2.3 → >=1.2.3,<2.0.0   ^0.2.3 → >=0.2.3,<0.3.0   ^0.0.3 → >=0.0.3,<0.0.4   ^0.0 → >=0.0,<0.1.0   ^0 → >=0,<1.0.0
 *   ~1.2.3 → >=1.2.3,<1.3.0   ~1.2 → >=1.2,<1.3.0       ~1 → >=1,<2.0.0
 *   1.2.* → ==1.2.*           1.2.3 / =1.2.3 → ==1.2.3  * / "" → any
 *   ">=1.2, <2" or ">=1.2 <2" → >=1.2,<2               "^1.2 || ^2.0" → two alternatives
 * PEP 440 operators (~=, ==, !=, <=, >=, <, >, ===) pass through.
 */
import { MalformedError } from "../../core/errors.js";
import { pinnedVersion, type SpecifierClause } from "./pep508.js";

export interface ConvertedConstraint {
  /** PEP 440 specifier set ("" = any version). */
  specifier: string;
  clauses: SpecifierClause[];
  /** Set when the constraint pins one exact version. */
  version?: string;
}

export class PoetryConstraintError extends MalformedError {
  constructor(message: string) {
    super(message);
    this.name = "PoetryConstraintError";
  }
}

const VERSION = /^v?((?:\d+!)?\d+(?:\.\d+)*)((?:[-_.]?[A-Za-z]+[-_.]?\d*)*(?:\+[A-Za-z0-9.]+)?)$/;

function splitVersion(text: string, whole: string): { release: number[]; releaseText: string; rest: string; written: string } {
  const m = VERSION.exec(text);
  if (!m) throw new PoetryConstraintError(`"${whole}": "${text}" is not a version`);
  const releaseText = m[1]!.replace(/^\d+!/, "");
  const release = releaseText.split(".").map((p) => Number(p));
  if (release.some((n) => !Number.isSafeInteger(n))) throw new PoetryConstraintError(`"${whole}": version part too large`);
  return { release, releaseText: m[1]!, rest: m[2]!, written: text.replace(/^v/, "") };
}

function bump(release: number[], index: number): string {
  const parts = [0, 0, 0];
  for (let i = 0; i < index; i++) parts[i] = release[i] ?? 0;
  parts[index] = (release[index] ?? 0) + 1;
  return parts.join(".");
}

function convertOne(raw: string, whole: string): SpecifierClause[] {
  const text = raw.trim();
  if (text === "" || text === "*" || text === "x" || text === "X") return [];
  if (text.startsWith("^")) {
    const v = splitVersion(text.slice(1).trim(), whole);
    const [major = 0, minor = 0] = v.release;
    const precision = v.release.length;
    const upper = major !== 0 || precision === 1 ? bump(v.release, 0) : minor !== 0 || precision === 2 ? bump(v.release, 1) : bump(v.release, 2);
    return [
      { op: ">=", version: v.written },
      { op: "<", version: upper },
    ];
  }
  if (text.startsWith("~") && !text.startsWith("~=")) {
    const v = splitVersion(text.slice(1).trim(), whole);
    const upper = v.release.length === 1 ? bump(v.release, 0) : bump(v.release, 1);
    return [
      { op: ">=", version: v.written },
      { op: "<", version: upper },
    ];
  }
  const m = /^(===|~=|==|!=|<=|>=|<|>|=)?\s*(.+)$/.exec(text);
  if (!m) throw new PoetryConstraintError(`"${whole}": cannot read "${text}"`);
  const op = m[1] === undefined || m[1] === "=" ? "==" : (m[1] as SpecifierClause["op"]);
  let version = m[2]!.trim();
  if (op === "===") return [{ op, version }];
  const wildcard = /^(.*?)\.[*xX]$/.exec(version);
  if (wildcard) {
    if (op !== "==" && op !== "!=") throw new PoetryConstraintError(`"${whole}": a wildcard only goes with == or !=`);
    splitVersion(wildcard[1]!, whole);
    return [{ op, version: `${wildcard[1]!}.*` }];
  }
  version = splitVersion(version, whole).written;
  if (op === "~=" && !/\d\.\d/.test(version)) throw new PoetryConstraintError(`"${whole}": ~= needs two release parts`);
  return [{ op, version }];
}

/** One PEP 440 specifier set per `||` alternative; throws PoetryConstraintError on text Poetry would reject. */
export function convertPoetryConstraint(constraint: string): ConvertedConstraint[] {
  if (constraint.length > 1000) throw new PoetryConstraintError(`constraint longer than 1000 characters`);
  return constraint.split(/\|\|?/).map((alternative) => {
    // AND parts are separated by "," or by whitespace that is not between an operator and its version.
    const parts = alternative
      .trim()
      .replace(/(===|~=|==|!=|<=|>=|<|>|=|\^|~)\s+/g, "$1")
      .split(/\s*,\s*|\s+/)
      .filter((p) => p.length > 0);
    const clauses = parts.flatMap((p) => convertOne(p, constraint.trim()));
    const converted: ConvertedConstraint = { specifier: clauses.map((c) => c.op + c.version).join(","), clauses };
    const pinned = pinnedVersion(clauses);
    if (pinned !== undefined && clauses.length === 1) converted.version = pinned;
    return converted;
  });
}
