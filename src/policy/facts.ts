import type { Severity } from "../core/severity.js";

/**
 * The facts document: everything modelgate established about one model. Built-in rules read it, custom CEL
 * rules see exactly this (integers as CEL ints), and the check report carries it per model. Sections the
 * policy does not need are not gathered: their `checked` / `ran` / `audited` flag is false.
 */
export interface Facts {
  model: ModelFacts;
  scan: ScanFacts;
  signature: SignatureFacts;
  provenance: ProvenanceFacts;
  sbom: SbomFacts;
  dependencies: DependencyFacts;
}

export interface ModelFileFacts {
  /** Path inside the model (POSIX separators); the file name for a single-file model. */
  path: string;
  size: number;
  /** Hex SHA-256; "" when not computed. */
  sha256: string;
  /** Detected format, when the model was scanned. */
  format?: string;
}

export interface ModelFacts {
  /** The model as given on the command line. */
  path: string;
  name: string;
  org?: string;
  revision?: string;
  /** SPDX id (or the licence name as written) from the model card or config. */
  license?: string;
  datasets: string[];
  baseModels: string[];
  pipelineTag?: string;
  architecture?: string;
  files: ModelFileFacts[];
  /** Sum of the files' sizes. */
  totalSize: number;
  /** True when `files` was cut at the facts limit. */
  truncated: boolean;
}

export interface FindingFacts {
  ruleId: string;
  severity: Severity;
  /** Path inside the model; container members as "archive.zip!/member". */
  path: string;
  message: string;
}

export interface ScannedFileFacts {
  path: string;
  format: string;
  size: number;
  /** The container the file was found in, for archive members. */
  container?: string;
}

export interface ScanFacts {
  ran: boolean;
  /** pass: no finding above the policy's max_severity (when the policy sets none: no finding at high or above). */
  verdict: "pass" | "fail" | "not-run";
  maxSeverity?: Severity;
  findings: FindingFacts[];
  /** Every file the scan looked at, container members included. */
  files: ScannedFileFacts[];
  /** A file could not be fully verified (limit hit, unparseable, unsupported, encrypted, unreadable). */
  incomplete: boolean;
  truncated: boolean;
}

export interface SignatureFacts {
  checked: boolean;
  present: boolean;
  verified: boolean;
  /** key, certificate or sigstore, from the signature bundle. */
  method?: string;
  path?: string;
  /** sigstore: the signer's identity and issuer; certificate: the leaf's subject and issuer. */
  identity?: string;
  issuer?: string;
  /** key method: the public key's hint (sha256 of the key). */
  keyId?: string;
  /** Subject digest of the signed manifest (the model digest). */
  digest?: string;
  error?: string;
}

export interface ProvenanceSourceFacts {
  kind: "huggingface" | "url";
  /** huggingface: the organisation ("meta-llama"). */
  org?: string;
  /** huggingface: "org/name". */
  repository?: string;
  /** The source as recorded (hf://org/name@rev or the URL). */
  url: string;
  revision?: string;
}

export interface ProvenanceFacts {
  checked: boolean;
  present: boolean;
  verified: boolean;
  path?: string;
  source?: ProvenanceSourceFacts;
  downloadedAt?: string;
  error?: string;
}

/** Which ML-SBOM fields the model's metadata provides (model card, config files). */
export interface SbomFieldFacts {
  name: boolean;
  license: boolean;
  datasets: boolean;
  base_model: boolean;
  revision: boolean;
  model_card: boolean;
  pipeline_tag: boolean;
  architecture: boolean;
  languages: boolean;
  metrics: boolean;
  dependencies: boolean;
}

export interface SbomFacts {
  checked: boolean;
  fields: SbomFieldFacts;
  /** An SBOM file in the model folder (CycloneDX or SPDX JSON). */
  present: boolean;
  file?: string;
  /** "cyclonedx" or "spdx". */
  format?: string;
  error?: string;
}

export interface VulnerabilityFacts {
  id: string;
  aliases: string[];
  package: string;
  version: string;
  severity: string;
  fixed: string[];
  /** Dependency file and line it was declared on. */
  file: string;
  line?: number;
}

export interface DependencyFacts {
  audited: boolean;
  maxSeverity?: string;
  vulnerabilities: VulnerabilityFacts[];
  /** Dependency files read. */
  files: string[];
  databaseAgeDays?: number;
  /** Some declarations could not be checked (unpinned, unparsed lines). */
  incomplete: boolean;
  error?: string;
}

export type FactSection = keyof Facts;
export const FACT_SECTIONS: readonly FactSection[] = ["model", "scan", "signature", "provenance", "sbom", "dependencies"];

/** Caps on list sizes, so a huge model cannot make CEL evaluation or the report unbounded. */
export const FACT_LIMITS = Object.freeze({ files: 20_000, findings: 10_000, vulnerabilities: 5_000 });

export const SBOM_FIELDS: readonly (keyof SbomFieldFacts)[] = [
  "name",
  "license",
  "datasets",
  "base_model",
  "revision",
  "model_card",
  "pipeline_tag",
  "architecture",
  "languages",
  "metrics",
  "dependencies",
];

/** Facts of a model when nothing was gathered yet. */
export function emptyFacts(path: string, name: string): Facts {
  return {
    model: { path, name, datasets: [], baseModels: [], files: [], totalSize: 0, truncated: false },
    scan: { ran: false, verdict: "not-run", findings: [], files: [], incomplete: false, truncated: false },
    signature: { checked: false, present: false, verified: false },
    provenance: { checked: false, present: false, verified: false },
    sbom: { checked: false, present: false, fields: Object.fromEntries(SBOM_FIELDS.map((f) => [f, false])) as unknown as SbomFieldFacts },
    dependencies: { audited: false, vulnerabilities: [], files: [], incomplete: false },
  };
}
