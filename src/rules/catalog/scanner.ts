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
  "scanner/lfs-pointer",
  "scanner/no-model-content",
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
    title: "Content not recognised",
    // Context-dependent: medium by default, high when the file's name is one a loader opens (.pt, .bin, .pkl,
    // .h5, .onnx, .safetensors, .model…). Binary content nothing recognised was not verified, and a file a
    // loader could read is never below high; the name only ever raises the severity, it never picks an analyzer.
    severity: "medium",
    description:
      "The content matches no model, container or data format modelgate knows, so nothing in it was verified. A file named like a model (.pt, .bin, .pkl, .h5, .onnx, .safetensors…) is reported high: a loader would try to read it. Ordinary data (images, sentencepiece tokenizers, text) is recognised and reported as a note instead.",
    cwe: ["CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation:
      "Find out what the file is. Remove it from the model if it is not needed; if it is a model format modelgate does not know, convert it to one it verifies (safetensors, ONNX) or tell the maintainers which format it is.",
  },
  {
    id: "scanner/data-file",
    title: "Data, not a model format",
    severity: "info",
    description:
      "The file is ordinary data found in model folders (an image, a sentencepiece tokenizer model, UBJSON): no loader runs code from it, and it does not count as verified model content.",
    cwe: [],
    atlas: [],
    owasp: [],
    remediation: "Nothing to do if the file is expected in the model.",
  },
  {
    id: "scanner/lfs-pointer",
    title: "Git LFS pointer instead of the file",
    severity: "high",
    description:
      "The file is a Git LFS pointer (a few lines naming the real file's SHA-256 and size): the repository was cloned without git-lfs, so the weights themselves were not scanned. Loaders fail on the pointer, or worse, a later `git lfs pull` brings in content that was never verified.",
    cwe: ["CWE-345"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Fetch the real files (`git lfs install && git lfs pull`, or download them) and scan those before loading.",
  },
  {
    id: "scanner/no-model-content",
    title: "No model content was verified",
    severity: "high",
    description:
      "The scan found no file in a model or container format: an empty folder, or only text, configuration, data or unknown files. A wrong path in CI must not pass as an approved model, so `modelgate scan` exits 2 and `modelgate check` fails the model.",
    cwe: ["CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Check the path given to the scan: it should hold the model's weights (or the archive that carries them).",
  },
  UNSUPPORTED_FORMAT_RULE,
];
