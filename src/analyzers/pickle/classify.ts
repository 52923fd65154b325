/**
 * Classifies a global imported by a pickle (GLOBAL, INST or STACK_GLOBAL operands) against the reviewed
 * denylist and allowlist in src/rules/data/. Pure and deterministic; never imports or evaluates anything.
 *
 * Order of the rules:
 * 1. Names that are not dotted identifiers (empty, `<non-string>`, stray whitespace) → unknown; the pickle
 *    machine reports those on its own.
 * 2. Normalise the way CPython's unpickler does (its Python 2 mapping: __builtin__ → builtins, copy_reg →
 *    copyreg, (__builtin__, reduce) → functools.reduce, …) and the way the same object is reachable under
 *    another module name (posix/nt → os, _pickle/cPickle → pickle, _io → io, _operator → operator, …).
 * 3. The resolved path `module.name` against the denylist (most specific entry wins) → dangerous.
 * 4. Any segment of the name that is an introspection attribute (__globals__, __dict__, __subclasses__, …) →
 *    dangerous: such a path turns any object into a gadget.
 * 5. A dotted name is an attribute walk from the module (`bdb` + `Bdb.run`, `pathlib` + `os.system`): every
 *    suffix of the name that starts a segment is also tried as a path of its own, because modules re-export
 *    the modules they import (pathlib.os is os) → dangerous when one is denied.
 * 6. A path that names a module rather than an attribute (`torch` + `_utils`) → dangerous: standard pickling
 *    never writes module objects, and BUILD/SETITEM on one overwrites the functions later calls run.
 * 7. The allowlist → safe: the exact `module.qualname` (after CPython's Python 2 renames only) is in the generated
 *    list of classes and helpers defined in that module (pickle-allowlist.generated.ts) or in the reviewed hand
 *    list (pickle-allowlist.ts). No wildcards, no submodules: a name reached through another module, or re-exported
 *    by one, is not the name the list vouches for.
 * 8. Anything else → unknown.
 *
 * The denylist explains why a name is critical; the allowlist is the gate.
 */
import { PICKLE_ALLOWLIST, PICKLE_REBUILD_ONLY } from "../../rules/data/pickle-allowlist.js";
import { GENERATED_ALLOWLIST_SOURCE, GENERATED_CLASSES, GENERATED_FUNCTIONS, GENERATED_REBUILDABLE } from "../../rules/data/pickle-allowlist.generated.js";
import { PYTHON_STDLIB_MODULES } from "../../rules/data/python-stdlib.js";
import {
  PICKLE_DANGEROUS_ATTRIBUTES,
  PICKLE_DENYLIST,
  type DangerCategory,
  type PickleDangerousAttribute,
  type PickleDenyEntry,
} from "../../rules/data/pickle-denylist.js";

export type { DangerCategory };

export type GlobalVerdict =
  | { kind: "dangerous"; category: DangerCategory; reason: string; nestedPickleArg?: boolean; libraryLoader?: boolean }
  | { kind: "safe" }
  /** `rebuildable`: safe to rebuild (cls.__new__ and BUILD's state) but not to call — its constructor does more. */
  | { kind: "unknown"; rebuildable?: boolean };

/**
 * Module names that are the same module, or a module the unpickler substitutes, as another.
 * Applied to the longest matching dotted prefix of a module path.
 */
const MODULE_ALIASES: Readonly<Record<string, string>> = {
  // CPython's _compat_pickle.IMPORT_MAPPING (what Python 3 substitutes when loading protocol 0-2 pickles)
  __builtin__: "builtins",
  copy_reg: "copyreg",
  Queue: "queue",
  SocketServer: "socketserver",
  ConfigParser: "configparser",
  repr: "reprlib",
  Tkinter: "tkinter",
  markupbase: "_markupbase",
  _winreg: "winreg",
  thread: "_thread",
  dummy_thread: "_dummy_thread",
  dbhash: "dbm.bsd",
  dumbdbm: "dbm.dumb",
  gdbm: "dbm.gnu",
  anydbm: "dbm",
  whichdb: "dbm",
  xmlrpclib: "xmlrpc.client",
  SimpleXMLRPCServer: "xmlrpc.server",
  DocXMLRPCServer: "xmlrpc.server",
  httplib: "http.client",
  htmlentitydefs: "html.entities",
  HTMLParser: "html.parser",
  Cookie: "http.cookies",
  cookielib: "http.cookiejar",
  BaseHTTPServer: "http.server",
  SimpleHTTPServer: "http.server",
  CGIHTTPServer: "http.server",
  "test.test_support": "test.support",
  commands: "subprocess",
  urlparse: "urllib.parse",
  robotparser: "urllib.robotparser",
  urllib2: "urllib.request",
  _abcoll: "collections.abc",
  cPickle: "pickle",
  UserDict: "collections",
  UserList: "collections",
  UserString: "collections",
  StringIO: "io",
  cStringIO: "io",
  exceptions: "builtins",
  // the same objects under their implementation module's name
  __builtins__: "builtins",
  posix: "os",
  nt: "os",
  posixpath: "os.path",
  ntpath: "os.path",
  genericpath: "os.path",
  macpath: "os.path",
  _pickle: "pickle",
  _compat_pickle: "pickle",
  _io: "io",
  _pyio: "io",
  _operator: "operator",
  _collections: "collections",
  _socket: "socket",
  _ssl: "ssl",
  _ctypes: "ctypes",
  _signal: "signal",
  _multiprocessing: "multiprocessing",
  _asyncio: "asyncio",
  _frozen_importlib: "importlib",
  _frozen_importlib_external: "importlib",
  _datetime: "datetime",
  _pydatetime: "datetime",
  _decimal: "decimal",
  _pydecimal: "decimal",
  // renamed or vendored copies of the same packages
  "numpy._core": "numpy.core",
  "numpy.lib._npyio_impl": "numpy.lib.npyio",
  "numpy.lib._format_impl": "numpy.lib.format",
  "sklearn.externals.joblib": "joblib",
  "joblib.externals.cloudpickle": "cloudpickle",
  "pip._vendor": "pip",
};

/** CPython's _compat_pickle.IMPORT_MAPPING: the module a protocol 0-2 pickle's module name is imported as. */
const COMPAT_IMPORTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(MODULE_ALIASES).slice(0, Object.keys(MODULE_ALIASES).indexOf("__builtins__")),
);

/** CPython's _compat_pickle.NAME_MAPPING entries that change what a global means (module\tname → path). */
const NAME_ALIASES: Readonly<Record<string, readonly [string, string]>> = {
  "__builtin__\txrange": ["builtins", "range"],
  "__builtin__\treduce": ["functools", "reduce"],
  "__builtin__\tintern": ["sys", "intern"],
  "__builtin__\tunichr": ["builtins", "chr"],
  "__builtin__\tunicode": ["builtins", "str"],
  "__builtin__\tlong": ["builtins", "int"],
  "__builtin__\tbasestring": ["builtins", "str"],
  "itertools\tizip": ["builtins", "zip"],
  "itertools\timap": ["builtins", "map"],
  "itertools\tifilter": ["builtins", "filter"],
  "urllib\tgetproxies": ["urllib.request", "getproxies"],
  "urllib\tpathname2url": ["urllib.request", "pathname2url"],
  "urllib\turl2pathname": ["urllib.request", "url2pathname"],
  "urllib\turlcleanup": ["urllib.request", "urlcleanup"],
  "urllib\turlopen": ["urllib.request", "urlopen"],
  "urllib\turlretrieve": ["urllib.request", "urlretrieve"],
  "_socket\tfromfd": ["socket", "fromfd"],
  "_multiprocessing\tConnection": ["multiprocessing.connection", "Connection"],
  "multiprocessing.process\tProcess": ["multiprocessing.context", "Process"],
  "multiprocessing.forking\tPopen": ["multiprocessing.popen_fork", "Popen"],
};

/**
 * Conventional import-as names under which modules hold other modules (`import numpy as np`), so that an
 * attribute path such as `sklearn.base` + `np.load` is recognised as numpy.load. Used for suffixes of dotted
 * names only, never for the module a global names.
 */
const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = {
  np: "numpy",
  pd: "pandas",
  osp: "os.path",
  _os: "os",
  _sys: "sys",
  _subprocess: "subprocess",
  _shutil: "shutil",
  _pickle: "pickle",
  pickle5: "pickle",
  _builtins: "builtins",
};

const SAFE: GlobalVerdict = Object.freeze({ kind: "safe" });
const UNKNOWN: GlobalVerdict = Object.freeze({ kind: "unknown" });
const REBUILDABLE: GlobalVerdict = Object.freeze({ kind: "unknown", rebuildable: true });

const SEGMENT = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

interface DenyHit {
  entry: PickleDenyEntry;
  /** The path the entry denies (`module` or `module.name`). */
  path: string;
}

const denyByPath = new Map<string, DenyHit>();
for (const entry of PICKLE_DENYLIST) {
  const paths = entry.names === "*" ? [entry.module] : entry.names.map((n) => `${entry.module}.${n}`);
  for (const path of paths) {
    const previous = denyByPath.get(path);
    // names-list entries are more specific than a "*" entry on the same path; otherwise the first one wins
    if (previous === undefined || (previous.entry.names === "*" && entry.names !== "*")) {
      denyByPath.set(path, { entry, path });
    }
  }
}

const dangerousAttributes = new Map<string, PickleDangerousAttribute>(PICKLE_DANGEROUS_ATTRIBUTES.map((a) => [a.name, a]));

/**
 * The lists as lookups, built on first use and cheaply: a scan's start-up pays for every table it builds, so the
 * generated lists are searched where they are (sorted qualnames per module) rather than copied into sets.
 */
interface Lookups {
  /** Hand-listed `module → qualnames` the allowlist vouches for. */
  allowed: Map<string, Set<string>>;
  /** Hand-listed classes vouched for when rebuilt without their constructor only. */
  rebuildOnly: Map<string, Set<string>>;
  /** Every module the lists name, with all its parent packages: a global resolving to one is a module object. */
  knownModules: Set<string>;
}

let built: Lookups | undefined;
const lookups = (): Lookups => (built ??= buildLookups());

function byModule(entries: readonly { module: string; names: readonly string[] }[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const { module, names } of entries) {
    const set = map.get(module) ?? new Set<string>();
    for (const name of names) set.add(name);
    map.set(module, set);
  }
  return map;
}

function buildLookups(): Lookups {
  const knownModules = new Set<string>();
  const addModuleAndParents = (path: string): void => {
    for (let end = path.length; end > 0 && !knownModules.has(path.slice(0, end)); end = path.lastIndexOf(".", end - 1)) {
      knownModules.add(path.slice(0, end));
    }
  };
  for (const entry of PICKLE_DENYLIST) addModuleAndParents(entry.module);
  for (const entry of PICKLE_ALLOWLIST) addModuleAndParents(entry.module);
  for (const table of [GENERATED_CLASSES, GENERATED_FUNCTIONS]) for (const module in table) addModuleAndParents(module);
  for (const target of Object.values(MODULE_ALIASES)) addModuleAndParents(target);
  return { allowed: byModule(PICKLE_ALLOWLIST), rebuildOnly: byModule(PICKLE_REBUILD_ONLY), knownModules };
}

/** Binary search in a generated list (sorted by the generator, in code-unit order; a test checks it). */
function inSorted(names: readonly string[] | undefined, name: string): boolean {
  if (names === undefined) return false;
  let lo = 0;
  let hi = names.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const here = names[mid]!;
    if (here === name) return true;
    if (here < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function generated(table: Readonly<Record<string, readonly string[]>>, module: string, name: string): boolean {
  return Object.hasOwn(table, module) && inSorted(table[module], name);
}

function isDottedIdentifier(value: string): boolean {
  if (value.length === 0 || value.length > 1_000) return false;
  return value.split(".").every((segment) => SEGMENT.test(segment));
}

/** Replaces the longest dotted prefix of `path` found in `aliases`. */
function applyAliases(path: string, aliases: Readonly<Record<string, string>>): string {
  const segments = path.split(".");
  for (let i = segments.length; i >= 1; i--) {
    const prefix = segments.slice(0, i).join(".");
    const target = Object.hasOwn(aliases, prefix) ? aliases[prefix] : undefined;
    if (target !== undefined) return i === segments.length ? target : `${target}.${segments.slice(i).join(".")}`;
  }
  return path;
}

function normalizeCandidate(path: string): string {
  const first = path.split(".", 1)[0]!;
  if (Object.hasOwn(ATTRIBUTE_ALIASES, first) && !Object.hasOwn(MODULE_ALIASES, first)) {
    return applyAliases(path, ATTRIBUTE_ALIASES);
  }
  return applyAliases(path, MODULE_ALIASES);
}

/** Most specific deny entry covering `path` (longest matching prefix). */
function findDeny(path: string): DenyHit | undefined {
  const segments = path.split(".");
  for (let i = segments.length; i >= 1; i--) {
    const hit = denyByPath.get(segments.slice(0, i).join("."));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** CPython's _compat_pickle renames (what find_class imports for a protocol 0-2 name); nothing else. */
export function compatRename(module: string, name: string): [string, string] {
  const renamed = NAME_ALIASES[`${module}\t${name}`];
  if (renamed !== undefined) return [renamed[0], renamed[1]];
  return [Object.hasOwn(COMPAT_IMPORTS, module) ? COMPAT_IMPORTS[module]! : module, name];
}

function isAllowed(rawModule: string, rawName: string): boolean {
  const [module, name] = compatRename(rawModule, rawName);
  // TorchScript archives name their classes __torch__.…; TorchScript resolves them from the archive itself,
  // and Python's find_class cannot import a module of that name.
  if (module === "__torch__" || module.startsWith("__torch__.")) return true;
  return lookups().allowed.get(module)?.has(name) === true || generated(GENERATED_CLASSES, module, name) || generated(GENERATED_FUNCTIONS, module, name);
}

function dangerous(hit: DenyHit, resolved: string, raw: string): GlobalVerdict {
  const { entry } = hit;
  const via = resolved === raw ? "" : `resolves to ${resolved}: `;
  const verdict: { kind: "dangerous"; category: DangerCategory; reason: string; nestedPickleArg?: boolean; libraryLoader?: boolean } = {
    kind: "dangerous",
    category: entry.category,
    reason: `${via}${entry.reason}${entry.ref === undefined ? "" : ` (${entry.ref})`}`,
  };
  if (entry.nestedPickleArg === true && hit.path === resolved) {
    verdict.nestedPickleArg = true;
    if (entry.libraryLoader === true) verdict.libraryLoader = true;
  }
  return verdict;
}

function classifyUncached(rawModule: string, rawName: string): GlobalVerdict {
  if (!isDottedIdentifier(rawModule) || !isDottedIdentifier(rawName)) return UNKNOWN;
  const raw = `${rawModule}.${rawName}`;

  const renamed = NAME_ALIASES[`${rawModule}\t${rawName}`];
  const module = renamed !== undefined ? renamed[0] : applyAliases(rawModule, MODULE_ALIASES);
  const name = renamed !== undefined ? renamed[1] : rawName;
  const resolved = `${module}.${name}`;
  const nameSegments = name.split(".");

  const direct = findDeny(resolved);
  if (direct !== undefined) return dangerous(direct, resolved, raw);

  for (const segment of nameSegments) {
    const attribute = dangerousAttributes.get(segment);
    if (attribute !== undefined) {
      return { kind: "dangerous", category: attribute.category, reason: `reaches ${segment}: ${attribute.reason}` };
    }
  }

  // an attribute walk may pass through a module that the parent module imported (pathlib.os.system)
  for (let i = 0; i + 1 < nameSegments.length; i++) {
    const candidate = normalizeCandidate(nameSegments.slice(i).join("."));
    const hit = findDeny(candidate);
    if (hit !== undefined) return dangerous(hit, candidate, raw);
  }

  if (lookups().knownModules.has(resolved)) {
    return {
      kind: "dangerous",
      category: "gadget",
      reason: `${resolved} is a module object: pickles never contain one, and BUILD/SETITEM on it overwrites the functions that later calls run`,
    };
  }

  if (isAllowed(rawModule, rawName)) return SAFE;
  const [m, n] = compatRename(rawModule, rawName);
  if (generated(GENERATED_REBUILDABLE, m, n) || lookups().rebuildOnly.get(m)?.has(n) === true) return REBUILDABLE;
  return UNKNOWN;
}

const CACHE_LIMIT = 4_096;
const cache = new Map<string, GlobalVerdict>();

/**
 * Classifies the global `module`.`name` that a pickle imports.
 *
 * - `dangerous`: a denylisted callable or object (with its category and why); `nestedPickleArg` when the
 *   callable unpickles its bytes argument, so the caller should analyse that argument as a nested pickle.
 * - `safe`: on the reviewed allowlist of what real model files import.
 * - `unknown`: neither; also for names that are not dotted identifiers.
 */
export function classifyGlobal(module: string, name: string): GlobalVerdict {
  const key = `${module}\n${name}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const verdict = classifyUncached(module, name);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, Object.isFrozen(verdict) ? verdict : Object.freeze(verdict));
  return verdict;
}

/**
 * True when `module` belongs to code the allowlist generator introspected (the standard library and the
 * libraries named in GENERATED_ALLOWLIST_SOURCE): a class there that is not on the allowlist exists wherever the
 * file is loaded and was left out on purpose (it calls, opens or imports) or never reviewed. A module outside
 * that set is code the scan has never seen — a user's own, or a library not installed where the list was made.
 */
export function isIntrospectedModule(module: string): boolean {
  const [mapped] = compatRename(module, "");
  const top = mapped.split(".", 1)[0]!;
  return PYTHON_STDLIB_MODULES.has(top) || Object.hasOwn(GENERATED_ALLOWLIST_SOURCE.libraries, top);
}
