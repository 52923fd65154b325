import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];

/**
 * Hugging Face model folders and the JSON / YAML / text configuration that ships with models
 * (config.json, tokenizer_config.json, model_index.json, modules.json, *.yaml, chat templates).
 */
export const HF_RULES: readonly RuleDefinition[] = [
  {
    id: "hf/custom-code",
    title: "Configuration makes the loader run custom Python code",
    severity: "high",
    description:
      "The configuration names Python modules shipped with the model (auto_map, custom_pipelines, a sentence-transformers module, a diffusers custom pipeline). Loading it with trust_remote_code=True imports and runs that code with the user's privileges.",
    cwe: ["CWE-94", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation:
      "Review the named .py files line by line before loading with trust_remote_code=True, pin the exact revision you reviewed, or use a model whose architecture is built into the library.",
  },
  {
    id: "hf/remote-code",
    title: "Configuration pulls code from another repository",
    severity: "critical",
    description:
      "An auto_map entry of the form \"owner/repo--module.Class\" makes the loader download and import a Python module from a different repository at load time. That code is not part of the artifact, cannot be verified here and can change after the scan.",
    cwe: ["CWE-494", "CWE-829", "CWE-94"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation:
      "Do not load the model with trust_remote_code=True. Vendor the referenced module into the model folder, review it and pin it, or remove the reference.",
  },
  {
    id: "hf/custom-code-file",
    title: "Python file executed with trust_remote_code",
    severity: "high",
    description:
      "This .py file is named by the folder's configuration (auto_map and similar); a loader called with trust_remote_code=True imports it, running everything at module level and in the named classes.",
    cwe: ["CWE-94", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Read the file before loading the model with trust_remote_code=True and pin the reviewed revision; never enable trust_remote_code for unreviewed models.",
  },
  {
    id: "hf/custom-code-missing",
    title: "Custom code named by the configuration is missing",
    severity: "medium",
    description:
      "The configuration names a Python module that is not in the folder. transformers would try to fetch it from the Hub repository the model came from, so code that was never scanned could run.",
    cwe: ["CWE-494", "CWE-829"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Scan the complete model repository, including its .py files, or remove the auto_map entry.",
  },
  {
    id: "hf/mixed-weight-formats",
    title: "Both safetensors and pickle-based weights are present",
    severity: "info",
    description:
      "The folder holds the weights twice: as safetensors and as pickle-based checkpoints. transformers prefers safetensors, but other loaders and older versions read the pickle, which can run code.",
    cwe: ["CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023"],
    remediation: "Ship only the safetensors weights, or make sure the pickle checkpoints were scanned clean as well.",
  },
  {
    id: "hf/embedded-secret",
    title: "Credential embedded in a configuration file",
    severity: "high",
    description:
      "A value looks like a real credential (an API token of a well-known provider, a private key, or a high-entropy value under a credential-named key). Anyone who downloads the model gets it, and configuration that carries credentials often talks to services the user did not choose.",
    cwe: ["CWE-798"],
    atlas: ["AML.T0055"],
    owasp: ["LLM02:2025", "ML06:2023"],
    remediation: "Revoke the credential now, remove it from the file and its history, and load secrets from the environment or a secret store at run time.",
  },
  {
    id: "hf/shell-command",
    title: "Shell command in a configuration value",
    severity: "high",
    description:
      "A configuration value contains a shell command line (destructive rm, download piped into a shell, reverse shell, encoded PowerShell...). Configuration has no reason to carry one; tools and templates that interpolate configuration values into a shell would run it.",
    cwe: ["CWE-78"],
    atlas: ["AML.T0050", "AML.T0010.003"],
    owasp: ["ML06:2023", "LLM05:2025"],
    remediation: "Do not use the model until you know why the command is there; remove it from the configuration.",
  },
  {
    id: "hf/external-url",
    title: "Configuration points a loader at a network endpoint",
    severity: "medium",
    description:
      "A field whose name says it is fetched or contacted (url, endpoint, webhook, callback, host, download...) holds a network address. Whatever reads the configuration would send requests there, possibly with data or credentials.",
    cwe: ["CWE-829"],
    atlas: ["AML.T0025", "AML.T0010.003"],
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Check that the endpoint belongs to a party you trust, or remove it from the configuration before use.",
  },
  {
    id: "hf/dangerous-target",
    title: "Configuration instantiates a dangerous callable",
    severity: "critical",
    description:
      "A Hydra/OmegaConf-style `_target_` (used by NeMo, Lightning and many training configs) names a function that runs commands, evaluates code, imports modules or touches files. instantiate() calls it with the arguments from the configuration when the model is loaded.",
    cwe: ["CWE-94", "CWE-470"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Do not load this configuration. `_target_` must only name the model's own classes.",
  },
  {
    id: "hf/yaml-python-object",
    title: "YAML tag constructs Python objects",
    severity: "high",
    description:
      "A YAML tag such as !!python/object/apply or !!python/name makes PyYAML's unsafe loaders (yaml.load with Loader or UnsafeLoader, FullLoader before 5.4) import a module and call a function while parsing. The severity is critical when the named callable runs commands, evaluates code or deserializes further data, high otherwise.",
    cwe: ["CWE-502", "CWE-94"],
    atlas: SUPPLY_CHAIN,
    owasp: ["ML06:2023", "LLM03:2025"],
    remediation: "Load YAML with yaml.safe_load only, and remove the python/* tags from the file.",
  },
  {
    id: "hf/unrendered-template",
    title: "Dangerous template in a field no known loader renders",
    severity: "low",
    description:
      "A field whose name ends in \"template\" holds Jinja code that would be dangerous if rendered, but the field is not one that transformers, llama.cpp or other known loaders render. It is inert unless custom code renders it.",
    cwe: ["CWE-1336"],
    atlas: ["AML.T0010.003"],
    owasp: ["LLM03:2025"],
    remediation: "Remove the template, or review any custom code shipped with the model that might render it.",
  },
  {
    id: "hf/invalid-config",
    title: "Configuration file could not be parsed",
    // medium, not low: a config a loader reads (config.json auto_map, tokenizer_config.json chat_template) that
    // modelgate cannot parse was not verified — its custom-code references and templates were only seen as text,
    // and a loader more lenient than the parser (another JSON or YAML library) may still read them.
    severity: "medium",
    description:
      "A file named like JSON or YAML configuration does not parse, not even as Python's json module reads it (NaN, Infinity). Its custom-code references (auto_map) and chat templates were only checked as plain text, so they were not verified; loaders built on stricter parsers fail on it, more lenient ones may still act on it.",
    cwe: ["CWE-20"],
    atlas: [],
    owasp: [],
    remediation: "Obtain an intact copy of the file from the model's publisher.",
  },
  {
    id: "hf/large-text",
    title: "Large text file only partly inspected",
    severity: "info",
    description:
      "A plain text file (a vocabulary, data) is larger than the text inspection limit; it is not a configuration or template format, so only its start was checked.",
    cwe: ["CWE-400"],
    atlas: [],
    owasp: [],
    remediation: "Nothing to do for data files. If the file is configuration read by a loader, review it by other means.",
  },
];
