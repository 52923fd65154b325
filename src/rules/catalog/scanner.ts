import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];

/** A recognised format that has no analyzer yet: reported, never passed as clean. */
export const UNSUPPORTED_FORMAT_RULE: RuleDefinition = {
  id: "scanner/unsupported-format",
  title: "Format recognised but not verified",
  severity: "high",
  description:
    "The file is a model or container format modelgate recognises but cannot analyse, so whatever it carries was not verified.",
  cwe: ["CWE-502"],
  atlas: SUPPLY_CHAIN,
  owasp: ["ML06:2023"],
  remediation: "Convert the model to a format modelgate verifies (safetensors, ONNX) or review it by other means before loading.",
};

/**
 * Findings that mean "could not be verified" rather than "found something dangerous": a limit hit, a file that
 * could not be parsed or read, an analyzer that failed, encrypted content, a format recognised but not analysed.
 * Policies and SBOM verdicts call a model with only these "incomplete".
 */
export const UNVERIFIED_RULE_IDS: ReadonlySet<string> = new Set([
  "scanner/limit-exceeded",
  "scanner/unparseable",
  "scanner/analyzer-error",
  "scanner/unreadable",
  "scanner/encrypted-content",
  "scanner/unsupported-format",
]);

/** Rules about the scan itself: what could not be verified is never reported as clean. */
export const SCANNER_RULES: readonly RuleDefinition[] = [
  {
    id: "scanner/limit-exceeded",
    title: "Scan limit exceeded",
    severity: "high",
    description:
      "A parser limit (decompressed size, compression ratio, nesting, member count, memo size, time) was hit, so the rest of the content could not be verified.",
    cwe: ["CWE-400", "CWE-409"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation:
      "Treat the file as unverified. If it is legitimate and large, raise the named limit explicitly (see `modelgate scan --help`) and scan again.",
  },
  {
    id: "scanner/unparseable",
    title: "Content could not be verified",
    severity: "high",
    description:
      "The file looks like a format that can carry code, but it could not be parsed completely (truncated, corrupt or deliberately malformed). Loaders are often more lenient than parsers, so unparsed content may still run.",
    cwe: ["CWE-20", "CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Do not load the file. Obtain it again from a trusted source, or re-export it in a format without code (safetensors).",
  },
  {
    id: "scanner/analyzer-error",
    title: "Analyzer failed",
    severity: "high",
    description: "An analyzer stopped with an internal error; the content it had not reached is unverified.",
    cwe: ["CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Treat the file as unverified and report the error to the modelgate maintainers with the file if you can share it.",
  },
  {
    id: "scanner/unreadable",
    title: "File could not be read",
    severity: "high",
    description: "The file exists but could not be read (permissions, I/O error, a special file), so it was not verified.",
    cwe: ["CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: [],
    remediation: "Fix the permissions or remove the file, then scan again.",
  },
  {
    id: "scanner/encrypted-content",
    title: "Encrypted content could not be inspected",
    severity: "high",
    description:
      "A container member is encrypted. Its content cannot be inspected, and anyone holding the password can extract and load it.",
    cwe: ["CWE-345"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Ship models unencrypted (encrypt the transport instead) or scan the decrypted files.",
  },
  {
    id: "scanner/symlink",
    title: "Symbolic link not followed",
    severity: "low",
    description:
      "A symbolic link inside a scanned folder points to a folder or to nothing, so it was not followed. Links to files are followed and scanned.",
    cwe: ["CWE-59"],
    atlas: [],
    owasp: [],
    remediation: "Replace the link with the file it points to, or scan the target separately.",
  },
  {
    id: "scanner/unknown-format",
    title: "Not a recognised model format",
    severity: "info",
    description: "The content matches no model or container format modelgate knows. Data files (text, images, CSV) are expected to land here.",
    cwe: [],
    atlas: [],
    owasp: [],
    remediation: "Nothing to do if the file is data. If it is a model, tell the modelgate maintainers which format it is.",
  },
  UNSUPPORTED_FORMAT_RULE,
];
