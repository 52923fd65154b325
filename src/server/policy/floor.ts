import { loadPolicy } from "../../check/index.js";
import { ModelgateError } from "../../core/errors.js";
import { BUILTIN_PROFILES } from "../../policy/profiles.js";
import { belowFloor } from "../../policy/relax.js";
import type { PolicyDocument } from "../../policy/types.js";
import type { ResolvedServerConfig } from "../config.js";
import { getToken } from "../db/tokens.js";
import type { SqlDatabase } from "../storage/types.js";
import { orgPolicy } from "./effective.js";

/**
 * The organisation policy is the floor: a project policy may only tighten it. A project policy that is weaker
 * in any setting can only be stored by an organisation admin (an admin token), and it stays in force only while
 * the one who stored it was one — an organisation that tightens its policy later puts such a project's pushes
 * back under review (the scan fails closed) until an organisation admin stores it again or the project fixes it.
 */

/** The floor: the organisation policy's effective document, else the default profile. */
export async function floorDocument(db: SqlDatabase, config: Pick<ResolvedServerConfig, "policy">): Promise<{ document: PolicyDocument; source: string }> {
  const org = await orgPolicy(db, config);
  if (!org) return { document: BUILTIN_PROFILES.default, source: "the default profile (no organisation policy)" };
  return { document: (await loadPolicy({ text: org.yaml, file: org.file })).document, source: org.file };
}

/** How a project policy (YAML) is weaker than the floor; empty when it only tightens it. */
export async function projectBelowFloor(db: SqlDatabase, config: Pick<ResolvedServerConfig, "policy">, yaml: string, file: string): Promise<string[]> {
  const floor = await floorDocument(db, config);
  const own = await loadPolicy({ text: yaml, file });
  return belowFloor(floor.document, own.document);
}

/** The token id in an audit actor ("token:ID (name)"). */
function tokenIdOf(actor: string): string | undefined {
  return /^token:([^\s]+)/.exec(actor)?.[1];
}

/** Throws POLICY_INVALID when a stored project policy is below the floor and was not stored by an organisation admin. */
export async function enforceFloor(db: SqlDatabase, config: Pick<ResolvedServerConfig, "policy">, project: { yaml: string; file: string; updatedBy?: string }): Promise<void> {
  const below = await projectBelowFloor(db, config, project.yaml, project.file);
  if (below.length === 0) return;
  const id = project.updatedBy !== undefined ? tokenIdOf(project.updatedBy) : undefined;
  const token = id !== undefined ? await getToken(db, id) : undefined;
  if (token?.admin) return;
  throw new ModelgateError(
    "POLICY_INVALID",
    `${project.file} is weaker than the organisation policy (${below.join("; ")}) and was not set by an organisation admin: tighten it, or have an organisation admin store it`,
  );
}

/** A line diff of two policy texts ("- old", "+ new" lines, with line numbers), capped. */
export function policyDiff(before: string | undefined, after: string | undefined, maxChars = 16_384): string {
  const a = before === undefined ? [] : before.split("\n");
  const b = after === undefined ? [] : after.split("\n");
  if (a.at(-1) === "") a.pop();
  if (b.at(-1) === "") b.pop();
  const out: string[] = [];
  if (a.length * b.length > 4_000_000) {
    out.push(...a.map((l, i) => `-${i + 1}: ${l}`), ...b.map((l, i) => `+${i + 1}: ${l}`));
  } else {
    // Longest common subsequence of lines, then the edits in order.
    const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        i++;
        j++;
      } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
        out.push(`+${j + 1}: ${b[j]}`);
        j++;
      } else {
        out.push(`-${i + 1}: ${a[i]}`);
        i++;
      }
    }
  }
  const text = out.join("\n");
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n… (diff truncated)` : text;
}
