import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];

/** GGUF files (llama.cpp, ollama, LM Studio): header, tensor layout and metadata content. Chat templates use the jinja/* rules. */
export const GGUF_RULES: readonly RuleDefinition[] = [
  {
    id: "gguf/invalid-header",
    title: "GGUF header not accepted by the reference reader",
    severity: "high",
    description:
      "The GGUF metadata breaks a rule ggml's reader enforces (a key given twice, an empty key, general.alignment that is not a power-of-two uint32). ggml refuses the file; other readers may accept it and use different values, so its content is not verified.",
    cwe: ["CWE-20", "CWE-436"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Convert the model again with llama.cpp's tools, or obtain the file from its publisher.",
  },
  {
    id: "gguf/invalid-tensor",
    title: "GGUF tensor description is invalid",
    severity: "high",
    description:
      "A tensor info breaks a rule ggml's reader enforces: name too long or repeated, more than 4 dimensions, a negative dimension, a removed tensor type, rows that do not fill whole quantisation blocks, or a data offset off the alignment. ggml refuses the file; lenient readers may map the wrong bytes.",
    cwe: ["CWE-20", "CWE-130"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Convert the model again with llama.cpp's tools, or obtain the file from its publisher.",
  },
  {
    id: "gguf/unknown-tensor-type",
    title: "GGUF tensor type unknown to modelgate",
    severity: "medium",
    description:
      "A tensor uses a ggml type this version of modelgate does not know (possibly one added to ggml recently), so its size and position in the file could not be checked.",
    cwe: ["CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Update modelgate; if the type is not a recent ggml addition, treat the file as unverified.",
  },
  {
    id: "gguf/overlapping-tensors",
    title: "GGUF tensors overlap",
    severity: "critical",
    description:
      "Two tensors claim the same bytes. No GGUF writer produces this: the file was crafted, typically so that different readers see different weights, or to corrupt readers that trust offsets.",
    cwe: ["CWE-119", "CWE-345"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018"],
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Do not load the file. Obtain the model from its publisher and compare digests.",
  },
  {
    id: "gguf/data-out-of-bounds",
    title: "GGUF tensor data outside the file",
    severity: "high",
    description:
      "A tensor's data ends past the end of the file: the file is truncated, or its offsets were crafted to make readers that trust them read outside the mapping. Its content is not verified.",
    cwe: ["CWE-125", "CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Download the file again and verify its digest; do not load a file whose tensors point outside it.",
  },
  {
    id: "gguf/unaccounted-bytes",
    title: "GGUF file holds bytes no tensor uses",
    severity: "medium",
    description:
      "The data section has gaps between tensors larger than the alignment padding, or bytes after the last tensor. Writers pack tensors back to back; unused bytes are where a second payload — a zip, a pickle, a script — can be smuggled for a cooperating loader.",
    cwe: ["CWE-506", "CWE-20"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: ["ML06:2023"],
    remediation: "Convert the model again with llama.cpp's tools; look at what the extra bytes contain (modelgate scans them when it recognises a format).",
  },
  {
    id: "gguf/metadata-code",
    title: "GGUF metadata carries code",
    severity: "high",
    description:
      "A GGUF string value contains Python or shell code, or markup that runs script (plain, base64-encoded or escaped). Metadata is descriptive; code there is a payload for a tool that evaluates, executes or displays it.",
    cwe: ["CWE-94", "CWE-506", "CWE-79"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: ["ML06:2023", "LLM03:2025", "LLM05:2025"],
    remediation: "Do not feed the metadata to anything that evaluates or renders it; obtain the model from its publisher.",
  },
  {
    id: "gguf/metadata-url",
    title: "GGUF metadata tells consumers to fetch a URL",
    severity: "high",
    description:
      "A GGUF string value holds a URL of a program, script or pickle, a local file URL, or a URL under a key that tells consumers to download, call or run it. Whatever a consumer fetches from it was not part of the scanned artifact.",
    cwe: ["CWE-494", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Do not let tooling follow URLs from model metadata; obtain the model from its publisher.",
  },
  {
    id: "gguf/metadata-pickle",
    title: "GGUF metadata hides a pickle",
    severity: "high",
    description:
      "A GGUF string value is, or encodes, a Python pickle, which runs code as soon as a companion script unpickles it. The embedded pickle is scanned as a member of this file.",
    cwe: ["CWE-502", "CWE-506"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Never unpickle metadata. Obtain the model from its publisher.",
  },
];
