import type { RuleDefinition } from "../rule.js";

/**
 * Formats modelgate recognises but does not verify (the generic finding is `scanner/unsupported-format`),
 * plus what can be said about them without a full parser.
 */
export const UNSUPPORTED_RULES: readonly RuleDefinition[] = [
  {
    id: "unsupported/executable",
    title: "Native executable program",
    severity: "high",
    description:
      "The file is a native program (ELF, PE, Mach-O, or an Actually Portable Executable such as a llamafile). Running it runs machine code that a model scanner cannot vouch for; a model artifact that is an executable may also be masquerading as data.",
    cwe: ["CWE-829"],
    atlas: ["AML.T0011.000", "AML.T0074", "AML.T0018.002"],
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation:
      "Only run executables from publishers you trust, verified by signature or checksum. For llamafiles, prefer the plain GGUF weights with a runtime you installed yourself.",
  },
  {
    id: "unsupported/torchserve-handler",
    title: "TorchServe archive runs Python code",
    severity: "high",
    description:
      "The TorchServe model archive (.mar) manifest names a handler or model-definition Python file. TorchServe imports it when the model is registered, so it runs with the server's privileges.",
    cwe: ["CWE-94", "CWE-829"],
    atlas: ["AML.T0010.003", "AML.T0011.000"],
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Review the handler and model files in the archive before registering it, or use TorchServe's built-in handlers only.",
  },
];
