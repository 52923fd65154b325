import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];
const OWASP = ["ML06:2023", "LLM03:2025"];

/** TensorFlow SavedModel / MetaGraphDef / frozen GraphDef rules (src/analyzers/tensorflow). */
export const TENSORFLOW_RULES: readonly RuleDefinition[] = [
  {
    id: "tf/python-op",
    title: "TensorFlow graph calls Python",
    severity: "critical",
    description:
      "The graph contains PyFunc, PyFuncStateless or EagerPyFunc, ops that call back into the Python interpreter running the model. They are how tf.py_function smuggles arbitrary Python into a graph.",
    cwe: ["CWE-94", "CWE-502"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: OWASP,
    remediation: "Do not load the model. Re-export it without tf.py_function / tf.numpy_function, or obtain it from a trusted source.",
  },
  {
    id: "tf/file-write-op",
    title: "TensorFlow graph writes files",
    severity: "critical",
    description:
      "The graph contains an op that writes to the file system (WriteFile, checkpoint writers outside the SavedModel's own saver, dataset or summary writers, PrintV2 to a file). Running the graph can create or overwrite files on the host.",
    cwe: ["CWE-73", "CWE-502"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: OWASP,
    remediation: "Do not load the model. Inspect which node writes where (see the evidence), and re-export the model without file-writing ops.",
  },
  {
    id: "tf/file-read-op",
    title: "TensorFlow graph reads files",
    severity: "high",
    description:
      "The graph contains an op that reads from the file system (ReadFile, MatchingFiles, checkpoint readers outside the SavedModel's own saver, memory-mapped constants, file-based datasets and readers, lookup tables filled from files the model does not ship). File contents can flow into outputs and leak.",
    cwe: ["CWE-73", "CWE-200"],
    atlas: [...SUPPLY_CHAIN, "AML.T0037"],
    owasp: OWASP,
    remediation: "Check that the model has a legitimate reason to read files at inference time; run it sandboxed without access to secrets, or re-export it without the op.",
  },
  {
    id: "tf/network-op",
    title: "TensorFlow graph opens network connections",
    severity: "critical",
    description:
      "The graph contains an op that talks to other hosts (tf.data service, remote calls) or reconfigures file system plugins (endpoints, credentials). Running it can exfiltrate data or fetch attacker-controlled content.",
    cwe: ["CWE-918", "CWE-829"],
    atlas: [...SUPPLY_CHAIN, "AML.T0025"],
    owasp: OWASP,
    remediation: "Do not load the model outside an isolated network. Re-export it without distributed or service ops.",
  },
  {
    id: "tf/debug-op",
    title: "TensorFlow graph dumps tensors through debugger ops",
    severity: "critical",
    description:
      "The graph contains tfdbg ops (DebugIdentity and relatives, debugger Copy ops) that publish tensors to file:// or grpc:// debug URLs: a way to write files or stream inputs and outputs to another host.",
    cwe: ["CWE-200", "CWE-73"],
    atlas: [...SUPPLY_CHAIN, "AML.T0025"],
    owasp: OWASP,
    remediation: "Do not load the model. Debugger instrumentation has no place in a distributed model; re-export it without tfdbg.",
  },
  {
    id: "tf/custom-op",
    title: "TensorFlow graph uses ops outside the standard op set",
    severity: "high",
    description:
      "A node's op (or a function named in an attribute) is neither a TensorFlow op nor a function of the graph's library. Running the graph requires loading a custom op library — native code modelgate cannot vouch for.",
    cwe: ["CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Find out which library provides the op and whether you trust it (TF Text, TF Addons…). Prefer models that only use standard ops.",
  },
  {
    id: "tf/asset-path-traversal",
    title: "SavedModel asset path leaves the model folder",
    severity: "critical",
    description:
      "An asset file name in the MetaGraphDef is absolute or climbs out of the assets folder with '..' (critical), or is otherwise not a plain relative name (high). The loader feeds the resolved path to the graph, which reads it (a vocabulary file) at load time.",
    cwe: ["CWE-22"],
    atlas: [...SUPPLY_CHAIN, "AML.T0037"],
    owasp: OWASP,
    remediation: "Do not load the model. Asset file names must be relative names inside the SavedModel's assets/ folder.",
  },
];
