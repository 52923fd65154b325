import type { Severity } from "./severity.js";

/** Where a finding was made. `path` is the virtual path of the file (members joined with "!/"). */
export interface FindingLocation {
  path: string;
  /** Innermost container member the finding is in, when inside an archive. */
  member?: string;
  /** Byte offset inside the (decompressed) member or file, e.g. the pickle opcode's offset. */
  offset?: number;
}

/** Extra facts that back a finding up: opcode, global name, header fields… */
export type Evidence = Record<string, string | number | boolean>;

export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  location: FindingLocation;
  cwe: string[];
  atlas: string[];
  owasp: string[];
  remediation: string;
  evidence?: Evidence;
}
