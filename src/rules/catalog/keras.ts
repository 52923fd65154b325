import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];
const EMBEDDED_CODE = ["AML.T0010.003", "AML.T0011.000", "AML.T0018.002"];
const OWASP = ["ML06:2023"];

/**
 * Keras rules: the model config of a Keras v3 `.keras` archive (config.json) and of a Keras 2 HDF5 file
 * (the `model_config` attribute), plus the HDF5 features a loader follows out of the file.
 */
export const KERAS_RULES: readonly RuleDefinition[] = [
  {
    id: "keras/lambda-layer",
    title: "Python code in a Keras model (Lambda)",
    severity: "critical",
    description:
      "The model config carries a Python function as marshalled bytecode or source text (a Lambda layer, or any object serialized as `__lambda__`). Keras rebuilds and runs it while loading or calling the model: Keras 2 does so unconditionally, Keras 3 once safe_mode=False is passed (and some Keras 3 releases ignored safe_mode for legacy .h5 files, CVE-2025-9905).",
    cwe: ["CWE-94", "CWE-502"],
    atlas: EMBEDDED_CODE,
    owasp: OWASP,
    remediation:
      "Do not load the model with safe_mode=False. Rebuild it with the function written as a registered Layer subclass in code you control, then save it again.",
  },
  {
    id: "keras/torch-module",
    title: "Keras layer deserialises an embedded torch.save blob",
    severity: "high",
    description:
      "A TorchModuleWrapper layer carries the wrapped torch.nn.Module as a base64 torch.save blob in its config; Keras hands it to torch.load(weights_only=False), which unpickles it (CVE-2025-49655: Keras before 3.11 did so even in safe mode). The blob is decoded and scanned like any pickle or PyTorch file; its own findings are listed under it. High even when they are clean: the module's classes are rebuilt by pickle.",
    cwe: ["CWE-502"],
    atlas: EMBEDDED_CODE,
    owasp: OWASP,
    remediation:
      "Load the model only with Keras ≥ 3.11 in safe mode (the default), which refuses the blob; or rebuild the wrapped module in code and save its weights as safetensors.",
  },
  {
    id: "keras/module-injection",
    title: "Keras config imports a dangerous Python module",
    severity: "critical",
    description:
      "An object in the model config names a Python module or function that runs commands, evaluates code, opens files or the network (os, subprocess, builtins.eval…). Keras 3 before 3.9 imported any module a config named, even with safe_mode=True (CVE-2025-1550), and Keras 2 resolves names from already loaded modules.",
    cwe: ["CWE-94", "CWE-502"],
    atlas: EMBEDDED_CODE,
    owasp: OWASP,
    remediation: "Do not load the model. Upgrade Keras to 3.9 or later everywhere models are loaded, and report the file to whoever published it.",
  },
  {
    id: "keras/unsafe-keras-api",
    title: "Keras config calls a Keras function with side effects",
    severity: "critical",
    description:
      "The config names a Keras function that downloads or writes files, loads another model or switches safe mode off (keras.utils.get_file, keras.config.enable_unsafe_deserialization, keras.models.load_model…). These run inside Keras' own namespace, so they passed its checks (CVE-2025-8747).",
    cwe: ["CWE-94", "CWE-502"],
    atlas: EMBEDDED_CODE,
    owasp: OWASP,
    remediation: "Do not load the model. Upgrade Keras to the latest release and obtain the model from a trusted source.",
  },
  {
    id: "keras/untrusted-module",
    title: "Keras config names a module outside Keras",
    severity: "high",
    description:
      "An object in the model config comes from a Python module outside Keras' own namespace and is not a registered custom object. Keras 3 before 3.9 imports such a module while loading, which runs its code; the module cannot be vouched for.",
    cwe: ["CWE-502", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation:
      "Check that the named module is a package you trust and have installed on purpose; otherwise do not load the model. Keras 3.9+ refuses such modules.",
  },
  {
    id: "keras/custom-object",
    title: "Keras custom object",
    severity: "medium",
    description:
      "The model uses a custom layer, function or other object (a registered name such as `MyPackage>MyLayer`, or a class outside Keras). Loading needs that code installed or passed as custom_objects; what it does cannot be verified from the file.",
    cwe: ["CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Make sure the custom code comes from a package you trust and pin its version; review what the named class does before loading.",
  },
  {
    id: "keras/dangerous-tf-op",
    title: "Keras layer calls a TensorFlow function with side effects",
    severity: "critical",
    description:
      "A TFOpLambda/SlicingOpLambda layer or a config object calls a TensorFlow function that reads or writes files, runs Python, loads native libraries or connects to other hosts (tf.io.write_file, tf.py_function, tf.load_library…). It runs whenever the model is called.",
    cwe: ["CWE-94", "CWE-73"],
    atlas: EMBEDDED_CODE,
    owasp: OWASP,
    remediation: "Do not run the model. Rebuild it without the named operation, or review why a model would need it.",
  },
  {
    id: "keras/tf-op-lambda",
    title: "TensorFlow operations called by Keras layers",
    severity: "info",
    description:
      "TFOpLambda/SlicingOpLambda layers call TensorFlow API functions by name. The ones listed are ordinary tensor operations, noted for review.",
    cwe: [],
    atlas: [],
    owasp: [],
    remediation: "Nothing to do unless an operation in the list is unexpected for this model.",
  },
  {
    id: "keras/external-resource",
    title: "Keras layer reads a file or URL when loaded",
    severity: "high",
    description:
      "A layer config gives a file path or URL that Keras opens while rebuilding the layer (a StringLookup, IntegerLookup or TextVectorization vocabulary, CVE-2025-12058). Loading the model then reads local files or fetches from the network.",
    cwe: ["CWE-73", "CWE-918"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Store vocabularies inside the model (as a list or in its assets) and do not load models whose config points at paths or URLs.",
  },
  {
    id: "keras/version",
    title: "Keras version the model was saved with",
    severity: "info",
    description:
      "The Keras version and backend recorded in the file. Whether a model's code runs depends on the Keras version that loads it (safe_mode exists since Keras 2.13 for .keras files; Keras 3.9 closed module injection).",
    cwe: [],
    atlas: [],
    owasp: [],
    remediation: "Load models with an up-to-date Keras and never pass safe_mode=False for files from outside your organisation.",
  },
  {
    id: "hdf5/external-link",
    title: "HDF5 link to another file",
    severity: "medium",
    description:
      "An HDF5 external link points into another file, which h5py and Keras open when the link is followed; that content is not part of what was scanned. Severity is high when the target is an absolute path, leaves the folder (`..`) or is a URL, medium otherwise.",
    cwe: ["CWE-73", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Ship models as self-contained files: copy the linked objects into the file (h5py `copy`) and scan the result.",
  },
  {
    id: "hdf5/external-storage",
    title: "HDF5 dataset stored in another file",
    severity: "medium",
    description:
      "A dataset keeps its data in another file (external storage or a virtual dataset source). Reading the weights reads that file, which may be anything on the loading machine. Severity is high when the path is absolute, leaves the folder (`..`) or is a URL, medium otherwise.",
    cwe: ["CWE-73", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Re-save the datasets with their data inside the file and scan the result.",
  },
];
