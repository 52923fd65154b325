import { dependencyDatabase, dependencyVulnerabilities } from "./dependencies.js";
import { formatsAllowed } from "./formats.js";
import { licensesAllowed } from "./licenses.js";
import { provenanceSource, provenanceVerified } from "./provenance.js";
import type { BuiltinRule } from "./rule.js";
import { sbomFields, sbomFile } from "./sbom.js";
import { scanIncomplete, scanMaxSeverity } from "./scan.js";
import { signatureVerified } from "./signature.js";
import { sizeMaxFile, sizeMaxTotal } from "./size.js";

/** Every built-in rule, in report order (an explicit list; no side-effect registration). */
export const BUILTIN_RULES: readonly BuiltinRule[] = [
  scanMaxSeverity,
  scanIncomplete,
  formatsAllowed,
  signatureVerified,
  provenanceVerified,
  provenanceSource,
  dependencyVulnerabilities,
  dependencyDatabase,
  licensesAllowed,
  sbomFields,
  sbomFile,
  sizeMaxFile,
  sizeMaxTotal,
];

export type { BuiltinRule, GatherNotes, RuleContext, RuleOutcome } from "./rule.js";
