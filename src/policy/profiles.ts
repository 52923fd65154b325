import type { PolicyDocument, ProfileName } from "./types.js";

/**
 * Built-in profiles, so a team can start without writing a policy. A policy file can `extends:` one and
 * replace any section. Profiles cannot know your keys: `strict` requires a signature, so a policy that
 * extends it names `signature.keys`, `certificate_roots` or `identities` (otherwise the signature rule
 * reports an error saying so).
 */
export const BUILTIN_PROFILES: Readonly<Record<ProfileName, Readonly<PolicyDocument>>> = Object.freeze({
  strict: {
    version: 1,
    scan: { max_severity: "low", incomplete: "fail" },
    formats: { deny: ["pickle-based", "executables"] },
    signature: { required: true },
    provenance: { required: false },
    dependencies: { max_severity: "low", ignore_unfixed: false, max_database_age_days: 7, require_database: true },
    licenses: { unknown: "fail" },
    sbom: { required_fields: ["license"], require_file: true },
  },
  default: {
    version: 1,
    scan: { max_severity: "medium", incomplete: "fail" },
    formats: { deny: ["executables"] },
    signature: { required: false },
    dependencies: { max_severity: "high", ignore_unfixed: false, max_database_age_days: 30, require_database: false },
    licenses: { unknown: "allow" },
  },
  permissive: {
    version: 1,
    scan: { max_severity: "high", incomplete: "allow" },
    signature: { required: false },
  },
} satisfies Record<ProfileName, PolicyDocument>);

export const PROFILE_NAMES: readonly ProfileName[] = ["strict", "default", "permissive"];

export function isProfileName(v: unknown): v is ProfileName {
  return typeof v === "string" && (PROFILE_NAMES as readonly string[]).includes(v);
}
