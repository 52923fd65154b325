/** ML-SBOM: CycloneDX 1.6 ML-BOM and SPDX 3.0.1 (AI and Dataset profiles) for a model folder. */
export { sbom } from "./sbom.js";
export { readModelMetadata } from "./metadata.js";
export { cyclonedxDocument } from "./cyclonedx.js";
export { spdxDocument, SPDX_CONTEXT } from "./spdx.js";
export { cyclonedxErrors, spdxErrors, validationErrors, assertValid } from "./validate.js";
export { scanVerdict } from "./verdict.js";
export type {
  Consideration,
  ConsiderationKind,
  ConfigFacts,
  DocumentContext,
  IdentitySource,
  MetadataIssue,
  ModelFileEntry,
  ModelMetadata,
  ModelResult,
  ReadModelMetadataOptions,
  SbomFormat,
  SbomOptions,
  SbomResult,
  SbomScanVerdict,
  TokenizerFacts,
  WeightFacts,
} from "./types.js";
