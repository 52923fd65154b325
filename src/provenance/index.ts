/** Provenance: signed in-toto / SLSA v1 statements recording where a model came from and its scan verdict. */
export {
  createProvenance,
  verifyProvenance,
  defaultProvenancePath,
  type ProvenanceOptions,
  type ProvenanceResult,
  type ProvenanceVerifyResult,
  type VerifyProvenanceOptions,
} from "./provenance.js";
export { parseModelSource, type ModelSource } from "./source.js";
export { SLSA_PROVENANCE_V1, MODEL_DOWNLOAD_BUILD_TYPE, parseProvenance, provenanceStatement, type ParsedProvenance, type ScanVerdict } from "./statement.js";
