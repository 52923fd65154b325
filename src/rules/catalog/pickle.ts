import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];
const HIDDEN_PAYLOAD = ["AML.T0010.003", "AML.T0011.000", "AML.T0018.002"];
const OWASP = ["ML06:2023"];
const DO_NOT_LOAD = "Do not load this file; re-save the weights as safetensors (or another format without code) from a trusted environment.";

/**
 * Pickle rules: everything a pickle stream would import or run when loaded (pickle.load, torch.load
 * of legacy and zip checkpoints, joblib.load, numpy object arrays), found by the symbolic machine.
 */
export const PICKLE_RULES: readonly RuleDefinition[] = [
  {
    id: "pickle/dangerous-global",
    title: "Pickle imports a dangerous callable",
    severity: "critical",
    description:
      "The pickle imports a function or class known to run commands, evaluate code, touch files or the network, import modules or unpickle further data (os.system, builtins.eval, subprocess, pickle.loads…). Loading the file runs it with the loader's privileges.",
    cwe: ["CWE-502", "CWE-94"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/unknown-global-call",
    title: "Pickle calls a callable that cannot be vouched for",
    severity: "high",
    description:
      "The pickle imports and calls (REDUCE, INST, OBJ, NEWOBJ_EX) a function or class that is on neither the list of known-safe names nor the list of known-dangerous ones. Whatever that callable does runs at load time.",
    cwe: ["CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation:
      "Do not load the file unless you trust the named callable and where the file came from; prefer re-saving the weights as safetensors.",
  },
  {
    id: "pickle/unknown-global-rebuilt",
    title: "Pickle rebuilds an object of a class that cannot be vouched for",
    severity: "medium",
    description:
      "The pickle references a class or function outside the known-safe list without calling it: it rebuilds an instance without running its constructor (NEWOBJ, then BUILD) or passes the name as data. Importing the module still runs its top-level code, and a class with __setstate__ runs that on BUILD.",
    cwe: ["CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Check that the named module is code you trust and have installed on purpose; prefer formats without code (safetensors).",
  },
  {
    id: "pickle/non-string-global-operand",
    title: "Pickle computes the name it imports",
    severity: "critical",
    description:
      "A STACK_GLOBAL takes its module or name from something other than a string constant: a memo slot holding another type, or the result of another import or call. No pickler writes this; it is how payloads hide the name they import from scanners (memo type confusion, module attribute overwrite).",
    cwe: ["CWE-502", "CWE-94"],
    atlas: HIDDEN_PAYLOAD,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/module-attribute-overwrite",
    title: "Pickle overwrites attributes of an imported module",
    severity: "critical",
    description:
      "A BUILD is applied to an imported module or class instead of a freshly built object, so loading the file replaces attributes of live code (for example torch._utils functions). Later imports of those names then resolve to whatever the pickle chose.",
    cwe: ["CWE-502", "CWE-94", "CWE-915"],
    atlas: HIDDEN_PAYLOAD,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/global-mutation",
    title: "Pickle modifies an imported object in place",
    severity: "critical",
    description:
      "SETITEM, APPEND or ADDITEMS is applied to an imported object (os.environ, sys.modules, a registry…) rather than to a container the pickle built. Loading the file changes process-wide state; picklers never write this.",
    cwe: ["CWE-502", "CWE-915"],
    atlas: HIDDEN_PAYLOAD,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/unresolved-extension",
    title: "Pickle uses a copyreg extension code",
    severity: "high",
    description:
      "EXT1/EXT2/EXT4 import whatever the loading process registered under a numeric code with copyreg.add_extension. The registry is empty by default, so the name cannot be known from the file: it depends on the code that loads it.",
    cwe: ["CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/nested-pickle",
    title: "Pickle hidden inside the pickle",
    severity: "critical",
    description:
      "A string or bytes value of the pickle is itself a pickle (raw, base64 or hex encoded), or bytes handed to pickle.loads and similar, and that inner pickle imports code. Severity depends on what the inner pickle does: critical when it imports a dangerous callable or uses a payload trick, high when it calls a callable that cannot be vouched for or could not be parsed, medium when it only references such names.",
    cwe: ["CWE-502", "CWE-94"],
    atlas: HIDDEN_PAYLOAD,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/verified-nested-loader",
    title: "Pickle unpickles nested bytes that were verified",
    severity: "low",
    description:
      "The pickle calls a library loader that unpickles its bytes argument (torch.storage._load_from_bytes, as plain-pickled tensors do), and every such call is given constant bytes that modelgate read to the end and found to hold only known-safe names. Nothing runs that the scan did not see; the note is kept because the file still needs a pickle loader.",
    cwe: ["CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Prefer saving tensors with safetensors (or torch.save) over pickling them directly.",
  },
  {
    id: "pickle/trailing-data",
    title: "Data after the last pickle stream",
    severity: "low",
    description:
      "Bytes follow the final STOP opcode that do not form a pickle stream. Pickle loaders ignore them, but they are not model data either and may carry something for another tool.",
    cwe: ["CWE-20"],
    atlas: ["AML.T0018.002"],
    owasp: OWASP,
    remediation: "Find out what the extra bytes are; re-save the model from a trusted environment so the file holds only the model.",
  },
  {
    id: "pickle/computed-call",
    title: "Pickle calls a value computed at load time",
    severity: "high",
    description:
      "A call opcode (or a known callable handed the value) calls or instantiates something that is not an imported name: the result of another call, a class made by builtins.type, an attribute fetched with getattr from something computed, or a value the analysis could not track. Picklers write calls of imported names only; what this value turns out to be is decided at load time, so the scan cannot vouch for what runs.",
    cwe: ["CWE-502", "CWE-94"],
    atlas: HIDDEN_PAYLOAD,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/frame-divergence",
    title: "Loaders read the pickle's frames differently",
    severity: "critical",
    description:
      "An operand runs past the end of its FRAME, or a joblib array is rebuilt inside a frame that goes on after it. CPython's C unpickler reading a file, pickle.loads, the pure-Python unpickler and joblib.load then run different opcodes from the same bytes. No pickler writes this; it is how a payload shows one reading to a scanner and another to the loader. Every reading was analysed; this finding reports the divergence itself.",
    cwe: ["CWE-502", "CWE-436"],
    atlas: HIDDEN_PAYLOAD,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/loader-dos",
    title: "Pickle would exhaust the loader's memory",
    severity: "medium",
    description:
      "The pickle stores a memo index so large that CPython's C unpickler allocates gigabytes for its memo table when loading it (a memo bomb). It runs no code, but loading it takes down the process that loads it. Severity is medium because it is denial of service, not code execution; gate on medium where availability matters.",
    cwe: ["CWE-400", "CWE-789"],
    atlas: ["AML.T0029"],
    owasp: OWASP,
    remediation: "Do not load the file in a shared process; re-save the model from a trusted environment.",
  },
  {
    id: "pickle/memo-overflow",
    title: "Pickle memo larger than the analysis tracks",
    severity: "low",
    description:
      "The pickle stores more memo entries than ScanLimits.maxPickleMemo. The analysis goes on without the values past the limit: anything later called through one of them is reported as a call of an untracked value (high), so nothing that runs is missed, but those values are not described.",
    cwe: ["CWE-400"],
    atlas: ["AML.T0029"],
    owasp: OWASP,
    remediation: "Raise the limit (--limit maxPickleMemo=N) to describe every value.",
  },
  {
    id: "pickle/state-code",
    title: "Pickle state carries code a library's __setstate__ runs",
    severity: "critical",
    description:
      "The pickle rebuilds an instance of a library class whose __setstate__ executes code taken from the state (scipy.stats distributions exec() their _parse_arg_template), and the state holds something other than what the library itself writes there. Loading the file runs that code. The reviewed rules and the benign shapes they accept are in src/rules/data/pickle-state-rules.ts.",
    cwe: ["CWE-502", "CWE-94"],
    atlas: HIDDEN_PAYLOAD,
    owasp: OWASP,
    remediation: DO_NOT_LOAD,
  },
  {
    id: "pickle/verified-state",
    title: "Pickle rebuilds a class whose state was checked",
    severity: "low",
    description:
      "The pickle rebuilds an instance of a library class whose __setstate__ runs code taken from the state (scipy.stats distributions), and the state holds exactly what the library writes there (its generated argument-parsing template), so nothing runs that the library would not. The note is kept because such classes are a known gadget: a state that differs is reported as pickle/state-code (critical).",
    cwe: ["CWE-502"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "No action needed; prefer formats without code where the model allows it.",
  },
];
