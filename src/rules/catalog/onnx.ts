import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];
const OWASP = ["ML06:2023", "LLM03:2025"];

/** ONNX rules (src/analyzers/onnx). */
export const ONNX_RULES: readonly RuleDefinition[] = [
  {
    id: "onnx/external-data-traversal",
    title: "ONNX external data path leaves the model folder",
    severity: "critical",
    description:
      "A tensor's external data location is an absolute path or climbs out of the model's folder with '..'. Loaders that resolve it read an arbitrary file (e.g. /etc/passwd, keys) into the model's weights, where outputs can leak it (CVE-2024-27318, CVE-2024-5187).",
    cwe: ["CWE-22"],
    atlas: [...SUPPLY_CHAIN, "AML.T0037"],
    owasp: OWASP,
    remediation: "Do not load the model. External data locations must be relative file names inside the model's folder; re-export it with onnx.save_model(..., save_as_external_data=True).",
  },
  {
    id: "onnx/external-data-suspicious",
    title: "ONNX external data reference cannot be vouched for",
    severity: "high",
    description:
      "A tensor's external data reference is not a plain relative file name (URL, home-relative, device name, control characters, empty or oversized), or its offset/length are not valid numbers, or it declares external data without a location.",
    cwe: ["CWE-22", "CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Do not load the model until the reference is explained; external data should name a file next to the model with numeric offset and length.",
  },
  {
    id: "onnx/external-data",
    title: "ONNX weights stored in external files",
    severity: "info",
    description:
      "Some tensors keep their data in files beside the model (external data). Those files hold raw tensor bytes, not code, and were not part of this file's scan.",
    cwe: [],
    atlas: [],
    owasp: [],
    remediation: "Ship and verify the external data files together with the model (sign the whole folder).",
  },
  {
    id: "onnx/custom-domain",
    title: "ONNX model uses operators from a custom domain",
    severity: "high",
    description:
      "A node uses an operator domain that is neither a standard ONNX domain nor a runtime's built-in one, and is not a function defined in the model. Running it requires registering a custom operator library: native code modelgate cannot vouch for.",
    cwe: ["CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Find out which custom op library provides the domain and whether you trust it; prefer models that only use standard ONNX operators.",
  },
  {
    id: "onnx/unknown-operator",
    title: "ONNX operator not in the standard operator set",
    severity: "medium",
    description:
      "A node in a standard ONNX domain uses an operator name that no ONNX release defines. Standard runtimes reject it unless an extension registers it.",
    cwe: ["CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Check which runtime extension provides the operator, or re-export the model with standard operators.",
  },
  {
    id: "onnx/tensor-size-mismatch",
    title: "ONNX tensor data does not match its shape",
    severity: "high",
    description:
      "A tensor's data (raw_data, typed data or external length) has a different size than its dims and data type imply, or its dims are invalid. Runtimes have read out of bounds on such tensors; the content cannot be verified.",
    cwe: ["CWE-20", "CWE-125"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Do not load the model; re-export it from its source framework.",
  },
];
