/**
 * Reviewed name lists for the chat-template check. Data, not code: change them with a test that shows why.
 *
 * The principle comes from Jinja2's own sandbox (jinja2/sandbox.py): a template must never reach Python
 * internals (names starting with an underscore, function/frame/generator internals), because from there
 * `__subclasses__()` / `__globals__` lead to `os`, `subprocess` and `eval` — the CVE-2024-34359 pattern that
 * ran code in llama-cpp-python < 0.2.72, which rendered GGUF chat templates with an unsandboxed Environment.
 * A chat template only formats messages, so it has no reason to touch any of the names below.
 */

/** A dunder: `__name__`. Every one is a Python internal; Jinja2's sandbox refuses them all. */
export function isDunder(name: string): boolean {
  // `__x__` with a letter or digit inside: a line of underscores ("_____") is a fill-in blank, not a name.
  return /^__\w*[A-Za-z0-9]\w*__$/.test(name);
}

/** Non-dunder attributes that expose interpreter internals (Jinja2 sandbox UNSAFE_* sets and known SSTI hops). */
export const PYTHON_INTERNAL_ATTRIBUTES: ReadonlySet<string> = new Set([
  // functions and methods (Python 2 names still used in payload lists)
  "func_globals",
  "func_code",
  "func_closure",
  "func_defaults",
  "im_func",
  "im_self",
  "im_class",
  // generators, coroutines, async generators
  "gi_frame",
  "gi_code",
  "gi_yieldfrom",
  "cr_frame",
  "cr_code",
  "cr_await",
  "ag_frame",
  "ag_code",
  // frames, tracebacks, code objects
  "f_globals",
  "f_locals",
  "f_builtins",
  "f_back",
  "f_code",
  "tb_frame",
  "tb_next",
  "co_code",
  "co_consts",
  "co_names",
  // type internals and known SSTI hops
  "mro",
  "_module", // warnings.catch_warnings()._module.__builtins__ (the CVE-2024-34359 payload)
  "_TemplateReference__context", // {{ self._TemplateReference__context }} reaches the render context
]);

/**
 * Python modules and functions that run code, start processes, open files or sockets.
 * Flagged when a template names them as an attribute or a constant key (`x.popen`, `__globals__['os']`),
 * calls them, or reads an attribute of them — unless the template itself binds the name as a variable.
 */
export const DANGEROUS_NAMES: ReadonlySet<string> = new Set([
  // code execution and reflection
  "eval",
  "exec",
  "execfile",
  "compile",
  "getattr",
  "setattr",
  "delattr",
  "globals",
  "locals",
  "vars",
  "builtins",
  "__builtin__",
  "import_module",
  "breakpoint",
  // processes
  "system",
  "popen",
  "popen2",
  "popen3",
  "popen4",
  "spawnl",
  "spawnle",
  "spawnlp",
  "spawnv",
  "spawnve",
  "spawnvp",
  "execl",
  "execle",
  "execlp",
  "execv",
  "execve",
  "execvp",
  "fork",
  "forkpty",
  "check_output",
  "check_call",
  "getoutput",
  "getstatusoutput",
  "Popen",
  // modules
  "os",
  "sys",
  "subprocess",
  "importlib",
  "socket",
  "shutil",
  "pty",
  "posix",
  "ctypes",
  "pickle",
  "marshal",
  "commands",
  "runpy",
  "urllib",
  "urllib2",
  "requests",
  // deserialisation and network
  "loads",
  "urlopen",
  "urlretrieve",
]);

/** Called as a function: these names are harmless as attributes (`file.open` is not a thing in chat templates). */
export const DANGEROUS_CALLS: ReadonlySet<string> = new Set(["open", "input", "__import__"]);

/**
 * Globals of Jinja2 (cycler, joiner, lipsum, namespace, range, dict), of template inheritance (self), of Flask
 * (config, request, session, g, url_for, get_flashed_messages) and of transformers' chat rendering
 * (raise_exception, strftime_now). Calling them is fine (`namespace(found=false)`); reading attributes of the
 * global itself is the first hop of every published SSTI chain (`cycler.__init__.__globals__`).
 */
export const TEMPLATE_GLOBALS: ReadonlySet<string> = new Set([
  "cycler",
  "joiner",
  "lipsum",
  "namespace",
  "range",
  "dict",
  "self",
  "config",
  "request",
  "session",
  "g",
  "url_for",
  "get_flashed_messages",
  "raise_exception",
  "strftime_now",
]);

/** The classification of one attribute or key name reached by a template. */
export type NameClass = "internal" | "dangerous" | "none";

/** Classifies an attribute name or a constant subscript key. */
export function classifyAttribute(name: string): NameClass {
  if (isDunder(name) || PYTHON_INTERNAL_ATTRIBUTES.has(name)) return "internal";
  if (DANGEROUS_NAMES.has(name)) return "dangerous";
  return "none";
}

/**
 * What payload strings (eval / str.format arguments) carry: the dunders of sandbox escapes and calls into
 * modules that run commands. Prose a system prompt may hold ("explain __init__", "never use eval()") is
 * deliberately not matched.
 */
const PAYLOAD_MARKERS =
  /__(?:class|mro|base|bases|subclasses|globals|builtins|import|getattribute|code|reduce|reduce_ex|loader)__|\b(?:os|subprocess|sys|builtins|importlib|socket|pty)\s*\.\s*[A-Za-z_]\w*\s*\(/;

/** True when a string literal carries Python code that reaches internals, imports or runs commands. */
export function looksLikePayload(text: string): boolean {
  return PAYLOAD_MARKERS.test(text);
}

/** Python str.format fields that walk attributes: `{0.__class__}`, `{x[__globals__]}`. */
const FORMAT_TRAVERSAL = /\{[^{}]*?(?:\.|\[)[^{}]*?\}/;

/** True when a format string (str.format / format_map) walks attributes or items of its arguments. */
export function formatStringTraverses(text: string): boolean {
  return FORMAT_TRAVERSAL.test(text) && /__\w+__|\b_\w+/.test(text);
}
