import { readFile } from "node:fs/promises";
import { ModelgateError } from "../../core/errors.js";
import type { ResolvedServerConfig } from "../config.js";
import { getPolicy, policyDigest } from "../db/policies.js";
import type { SqlDatabase } from "../storage/types.js";

export interface EffectivePolicy {
  yaml: string;
  digest: string;
  /** project: the project's override; org: stored with PUT /api/v1/policy; config: the --policy file. */
  source: "project" | "org" | "config";
  file: string;
  updatedAt?: string;
  /** The audit actor that stored it. */
  updatedBy?: string;
}

export const ORG_POLICY_SCOPE = "org";
export const projectPolicyScope = (projectId: string): string => `project:${projectId}`;

/** The organisation policy: the one stored with PUT /api/v1/policy, else the --policy file, else none. */
export async function orgPolicy(db: SqlDatabase, config: Pick<ResolvedServerConfig, "policy">): Promise<EffectivePolicy | undefined> {
  const stored = await getPolicy(db, ORG_POLICY_SCOPE);
  if (stored) return { yaml: stored.yaml, digest: stored.digest, source: "org", file: "organisation policy (stored)", updatedAt: stored.updatedAt };
  if (config.policy) {
    let yaml: string;
    try {
      yaml = await readFile(config.policy, "utf8");
    } catch (e) {
      throw new ModelgateError("POLICY_INVALID", `cannot read the policy file ${config.policy}: ${(e as Error).message}`, { cause: e });
    }
    return { yaml, digest: policyDigest(yaml), source: "config", file: config.policy };
  }
  return undefined;
}

/** The stored policy of `projectId` (its override, else the organisation's), without checking it against the floor. */
export async function storedEffectivePolicy(db: SqlDatabase, config: Pick<ResolvedServerConfig, "policy">, projectId: string): Promise<EffectivePolicy | undefined> {
  const override = await getPolicy(db, projectPolicyScope(projectId));
  if (override) return { yaml: override.yaml, digest: override.digest, source: "project", file: "project policy (stored)", updatedAt: override.updatedAt, updatedBy: override.updatedBy };
  return orgPolicy(db, config);
}

/**
 * The policy a version of `projectId` is checked against: the project's override (which may only tighten the
 * organisation's floor), else the organisation's. A project override weaker than the floor that no organisation
 * admin stored is POLICY_INVALID: the scan fails closed instead of approving under it.
 */
export async function effectivePolicy(db: SqlDatabase, config: Pick<ResolvedServerConfig, "policy">, projectId: string): Promise<EffectivePolicy | undefined> {
  const p = await storedEffectivePolicy(db, config, projectId);
  if (p?.source === "project") {
    const { enforceFloor } = await import("./floor.js");
    await enforceFloor(db, config, p);
  }
  return p;
}
