import type { Report } from "../core/report.js";
import type { Severity } from "../core/severity.js";
import type { DependencyFile } from "../deps/types.js";

/** Where the model's name, organisation and revision came from. */
export type IdentitySource = "options" | "provenance" | "huggingface-cache" | "folder";

/** One result of the card's model-index (a benchmark score). */
export interface ModelResult {
  /** model-index task.type, e.g. "text-generation". */
  task?: string;
  /** model-index dataset.type: the dataset id ("Rowan/hellaswag"), else its display name. */
  dataset?: string;
  /** model-index dataset.name, the display name ("HellaSwag (10-Shot)"). */
  datasetName?: string;
  split?: string;
  /** metrics[].type ("acc_norm"), else metrics[].name. */
  metric: string;
  /** As written in the card: a number, or a string such as "31.3 ± 0.4". */
  value: number | string;
}

export type ConsiderationKind = "use-case" | "out-of-scope" | "limitation" | "ethical";

/** A short excerpt of a model-card section about intended use, limits or risks. */
export interface Consideration {
  kind: ConsiderationKind;
  /** The section's heading as written. */
  heading: string;
  text: string;
}

export interface ModelFileEntry {
  /** POSIX path relative to the model folder. */
  path: string;
  size: number;
  sha256: string;
  /** Format detected from the content (the scan report's when one was made). */
  format: string;
}

export interface MetadataIssue {
  /** The file, relative to the model folder (or the provenance file's path). */
  file: string;
  line?: number;
  message: string;
}

/** Facts read from config.json (the Hugging Face configuration). */
export interface ConfigFacts {
  torchDtype?: string;
  vocabSize?: number;
  contextLength?: number;
  hiddenSize?: number;
  layers?: number;
  transformersVersion?: string;
}

/** Facts read from tokenizer_config.json. */
export interface TokenizerFacts {
  chatTemplate: boolean;
  modelMaxLength?: number;
  tokenizerClass?: string;
}

/** What the weight files' own headers say. */
export interface WeightFacts {
  /** safetensors: __metadata__ entries (first ones, values shortened), tensor count, parameters. */
  safetensors?: { files: number; tensors: number; parameters: number; metadata: Record<string, string> };
  /** GGUF: general.* keys (strings and numbers, shortened), tensor count, parameters. */
  gguf?: { files: number; tensors: number; parameters: number; general: Record<string, string | number | boolean> };
}

export interface ModelMetadata {
  name: string;
  org?: string;
  revision?: string;
  /** pkg:huggingface/ORG/NAME@REV, when the organisation and the revision are known. */
  purl?: string;
  identitySource: IdentitySource;
  /** The licence as the card (or GGUF general.license) writes it: "apache-2.0", "other", "llama2"… */
  license?: string;
  /** license_name, for license: other. */
  licenseName?: string;
  /** license_link, for license: other. */
  licenseLink?: string;
  baseModels: string[];
  /** Training datasets named by the card's `datasets`. */
  datasets: string[];
  pipelineTag?: string;
  libraryName?: string;
  /** config.json model_type (else GGUF general.architecture). */
  modelType?: string;
  /** config.json architectures[0]. */
  architecture?: string;
  languages: string[];
  metrics: string[];
  tags: string[];
  results: ModelResult[];
  considerations: Consideration[];
  /** Parameter count from the weight files' tensor shapes. */
  parameters?: number;
  /** Weight formats found (safetensors, gguf, pytorch-zip, onnx…). */
  formats: string[];
  files: ModelFileEntry[];
  dependencies: DependencyFile[];
  card: { present: boolean; path?: string };
  config?: ConfigFacts;
  /** Scalar settings of generation_config.json (first ones). */
  generation?: Record<string, string | number | boolean>;
  tokenizer?: TokenizerFacts;
  weights: WeightFacts;
  /** Newest modification time of the model's files (ISO 8601, seconds): the best release time a folder gives. */
  modifiedAt: string;
  issues: MetadataIssue[];
}

export interface ReadModelMetadataOptions {
  /** "ORG/NAME" or "NAME". */
  name?: string;
  revision?: string;
}

export type SbomFormat = "cyclonedx" | "spdx";

export interface SbomOptions {
  /** Default cyclonedx. */
  format?: SbomFormat;
  /** Run scan() on the folder and record the verdict (default true). Ignored when `report` is given. */
  scan?: boolean;
  /** A scan report of this folder already made. */
  report?: Report;
  /** "ORG/NAME" or "NAME". */
  name?: string;
  revision?: string;
  /** Creation time written into the document (default now). */
  now?: Date;
  /** urn:uuid:… (default a random one); SPDX element ids are made from it. */
  serialNumber?: string;
}

/** The scan verdict as the SBOM records it. */
export interface SbomScanVerdict {
  /** pass: no finding reached the gate; fail: one did; incomplete: only "could not be verified" findings did. */
  verdict: "pass" | "fail" | "incomplete";
  maxSeverity: Severity | "none";
  findings: number;
  failOn: Severity;
  toolVersion: string;
}

/** What a document's header says about its own making. */
export interface DocumentContext {
  /** ISO 8601 in whole seconds (SPDX allows no fractions). */
  timestamp: string;
  /** urn:uuid:… */
  serialNumber: string;
}

export interface SbomResult {
  format: SbomFormat;
  document: Record<string, unknown>;
  metadata: ModelMetadata;
  verdict?: SbomScanVerdict;
}
