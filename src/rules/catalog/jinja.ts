import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];
const OWASP = ["LLM03:2025", "ML06:2023"];
const RENDER_SAFELY =
  "Do not render the template. Replace it with the model publisher's original template, and render chat templates only in a sandboxed Jinja2 environment (transformers does; llama-cpp-python ≥ 0.2.72 does).";

/**
 * Chat templates (Jinja2) shipped in tokenizer_config.json, GGUF metadata, YAML and .jinja files.
 * Rendered by transformers, llama-cpp-python, vLLM and others every time a prompt is built.
 */
export const JINJA_RULES: readonly RuleDefinition[] = [
  {
    id: "jinja/ssti",
    title: "Chat template reaches Python internals (template injection)",
    severity: "critical",
    description:
      "The template reads dunder attributes (__class__, __globals__, __subclasses__…), frame or function internals, or walks attributes through str.format. This is the server-side template injection behind CVE-2024-34359: rendered by an unsandboxed Jinja2 it reaches os/subprocess and runs commands on the machine that formats the prompt.",
    cwe: ["CWE-1336", "CWE-94"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: OWASP,
    remediation: RENDER_SAFELY,
  },
  {
    id: "jinja/obfuscated-access",
    title: "Chat template hides the names it reaches",
    severity: "critical",
    description:
      "The template assembles a Python internal's name at render time (concatenation, join, format, replace, reversing, chr) or writes it with escape sequences (\\x5f, \\N{LOW LINE}, octal). Legitimate chat templates never do this; it exists to slip a sandbox escape past reviewers and scanners.",
    cwe: ["CWE-1336", "CWE-94", "CWE-506"],
    atlas: [...SUPPLY_CHAIN, "AML.T0018.002"],
    owasp: OWASP,
    remediation: RENDER_SAFELY,
  },
  {
    id: "jinja/suspicious-reference",
    title: "Chat template uses names that run code or touch the system",
    severity: "high",
    description:
      "The template names Python modules or functions that run code, start processes or open files and sockets (os, subprocess, eval, popen, open…), or reads attributes of Jinja2 and web-framework globals (cycler, joiner, lipsum, namespace, self, config, request) — the first hop of published template-injection chains. A chat template only formats messages.",
    cwe: ["CWE-1336", "CWE-94"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: RENDER_SAFELY,
  },
  {
    id: "jinja/dynamic-attribute",
    title: "Chat template looks up attributes by computed names",
    severity: "high",
    description:
      "The template calls the attr filter or getattr with a name only known at render time, so no static check can tell which attribute it reaches; attr() with a computed name is how template-injection payloads evade keyword filters.",
    cwe: ["CWE-1336"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Review the template by hand; replace attr()/getattr lookups with plain attribute or key access on message fields.",
  },
  {
    id: "jinja/payload-string",
    title: "Chat template carries a code payload in a string",
    severity: "high",
    description:
      "A string constant in the template contains Python code or internals (__import__(…), os.system(…), __globals__), the kind of text handed to eval or str.format by template-injection chains. Chat templates hold role markers and instructions, not code.",
    cwe: ["CWE-94", "CWE-1336"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Find out why the template carries code; do not render it until it is replaced with a reviewed template.",
  },
  {
    id: "jinja/unparseable",
    title: "Chat template could not be parsed",
    // Context-dependent: high when Python's Jinja2 may still accept the template (its content is then
    // unverified); low when Jinja2 refuses it too (it cannot load, so it cannot run).
    severity: "high",
    description:
      "The chat template is not valid for the Jinja parser modelgate uses. When Python's Jinja2 would accept it anyway (it supports escapes and tags the parser lacks), its content was only checked lexically and counts as unverified (high). When its tag structure is broken in a way Jinja2 refuses too, it cannot render at all and this is only a note (low).",
    cwe: ["CWE-20", "CWE-1336"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Render-test the template with the model's tokenizer in a sandbox; replace it with the publisher's original if it does not load or was altered.",
  },
  {
    id: "jinja/template-too-large",
    title: "Chat template too large to verify",
    severity: "high",
    description:
      "The chat template is larger than the limit modelgate parses (real templates are a few KiB), so only a lexical scan was made. Oversized templates can hide payloads and slow down every prompt.",
    cwe: ["CWE-400", "CWE-1336"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Replace the template with the publisher's original; a chat template has no reason to be this large.",
  },
];
