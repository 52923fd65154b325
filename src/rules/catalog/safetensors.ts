import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];

/** safetensors files: header structure, tensor layout and `__metadata__` content. */
export const SAFETENSORS_RULES: readonly RuleDefinition[] = [
  {
    id: "safetensors/invalid-header",
    title: "safetensors header not accepted by the reference loader",
    severity: "high",
    description:
      "The header breaks a rule the reference implementation enforces (__metadata__ must map strings to strings, every entry must be a tensor description). The official loader refuses the file; other readers may accept it and read something else, so its content is not verified.",
    cwe: ["CWE-20", "CWE-436"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Re-export the weights with the safetensors library, or obtain the file again from its publisher.",
  },
  {
    id: "safetensors/invalid-tensor",
    title: "safetensors tensor description is invalid",
    severity: "high",
    description:
      "A tensor has an unknown dtype, a malformed shape or offsets, or a byte range whose size does not match shape × dtype. The reference loader refuses the file; lenient readers may map the wrong bytes, so the file is not verified.",
    cwe: ["CWE-20", "CWE-130"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Re-export the weights with the safetensors library, or obtain the file again from its publisher.",
  },
  {
    id: "safetensors/overlapping-tensors",
    title: "safetensors tensors overlap",
    severity: "critical",
    description:
      "Two tensors claim the same bytes. No safetensors writer produces this: the file was crafted, typically so that different readers (or a scanner and a loader) see different weights, or to corrupt readers that trust offsets.",
    cwe: ["CWE-119", "CWE-345"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018"],
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Do not load the file. Obtain the model from its publisher and compare digests.",
  },
  {
    id: "safetensors/data-out-of-bounds",
    title: "safetensors tensor data outside the file",
    severity: "high",
    description:
      "A tensor's byte range ends past the end of the file: the file is truncated, or its offsets were crafted to make readers that trust them read outside the file. Its content is not verified.",
    cwe: ["CWE-125", "CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Download the file again and verify its digest; do not load a file whose tensors point outside it.",
  },
  {
    id: "safetensors/unaccounted-bytes",
    title: "safetensors file holds bytes no tensor uses",
    severity: "medium",
    description:
      "The data area has gaps between tensors or bytes after the last one. The format requires tensors to be packed back to back (the reference loader refuses such files), and unused bytes are where a second payload — a zip, a pickle, a script — can be smuggled for a cooperating loader.",
    cwe: ["CWE-506", "CWE-20"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: ["ML06:2023"],
    remediation: "Re-export the weights with the safetensors library; look at what the extra bytes contain (modelgate scans them when it recognises a format).",
  },
  {
    id: "safetensors/metadata-code",
    title: "safetensors metadata carries code",
    severity: "high",
    description:
      "A __metadata__ value contains Python or shell code, or markup that runs script (plain, base64-encoded or escaped). Metadata is descriptive; code there is a payload for a tool that evaluates, executes or displays it.",
    cwe: ["CWE-94", "CWE-506", "CWE-79"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: ["ML06:2023", "LLM03:2025", "LLM05:2025"],
    remediation: "Do not feed the metadata to anything that evaluates or renders it; re-export the weights without the metadata or obtain them from the publisher.",
  },
  {
    id: "safetensors/metadata-url",
    title: "safetensors metadata tells consumers to fetch a URL",
    severity: "high",
    description:
      "A __metadata__ value holds a URL of a program, script or pickle, a local file URL, or a URL under a key that tells consumers to download, call or run it (callback, webhook, download, install…). Whatever a consumer fetches from it was not part of the scanned artifact and cannot be vouched for.",
    cwe: ["CWE-494", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Do not let tooling follow URLs from model metadata; remove them or obtain the weights from the publisher.",
  },
  {
    id: "safetensors/metadata-pickle",
    title: "safetensors metadata hides a pickle",
    severity: "high",
    description:
      "A __metadata__ value is, or encodes, a Python pickle. safetensors exists to avoid pickles; one hidden in the metadata runs code as soon as a companion script unpickles it. The embedded pickle is scanned as a member of this file.",
    cwe: ["CWE-502", "CWE-506"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Never unpickle metadata. Remove the value or obtain the weights from the publisher.",
  },
];
