/**
 * Reviewed denylist of pickle globals: callables and objects that a pickle can import (GLOBAL, INST,
 * STACK_GLOBAL) and that run code, start processes, touch files or the network, import modules by name,
 * build code objects, unpickle further data, or serve as gadgets that give a pickle powers it lacks
 * (attribute access by name, subscripting, calling methods by name).
 *
 * Data only: src/analyzers/pickle/classify.ts applies it. Matching rules (see classify.ts):
 * - `module` is matched after alias normalisation (posix/nt → os, _pickle/cPickle → pickle, __builtin__ →
 *   builtins, …) and covers its submodules: `asyncio` covers `asyncio.unix_events`.
 * - `names: "*"` denies the module object itself and everything reachable under it.
 * - `names: [...]` denies each `module.name` and every attribute path below it (`bdb.Bdb` covers `Bdb.run`).
 *   Names may be dotted attribute paths (`Path.write_text`).
 * - When several entries match, the most specific one (longest matched path) gives the category and reason.
 * - Deny always wins over the allowlist.
 *
 * Written for modelgate from the Python documentation and sources of the modules named, and from the
 * advisories cited in `ref`; the labelled corpus (../shared/corpus) and the public picklescan, modelscan,
 * ModelAudit and fickling lists were read to check coverage, not copied.
 */

export type DangerCategory =
  | "code-execution"
  | "process"
  | "filesystem"
  | "network"
  | "dynamic-import"
  | "code-object"
  | "deserialization"
  | "native-code"
  | "gadget"
  | "exit";

export interface PickleDenyEntry {
  readonly module: string;
  readonly names: "*" | readonly string[];
  readonly category: DangerCategory;
  readonly reason: string;
  /** Advisory ids (GHSA / CVE) that show the entry being abused. */
  readonly ref?: string;
  /** The callable unpickles a bytes argument: the pickle machine should analyse that argument as a nested pickle. */
  readonly nestedPickleArg?: boolean;
  /**
   * Libraries write this call themselves (plain-pickled torch tensors call torch.storage._load_from_bytes): when
   * every call only unpickles constant bytes verified clean, it is a low note rather than critical. Never set
   * for general-purpose loaders such as pickle.loads, which no model file needs.
   */
  readonly libraryLoader?: boolean;
}

/** Attribute names that turn any object into a gadget when a global's dotted path walks through them. */
export interface PickleDangerousAttribute {
  readonly name: string;
  readonly category: DangerCategory;
  readonly reason: string;
}

export const PICKLE_DANGEROUS_ATTRIBUTES: readonly PickleDangerousAttribute[] = [
  { name: "__globals__", category: "gadget", reason: "a function's module globals: reaches builtins and every imported module" },
  { name: "__builtins__", category: "gadget", reason: "the builtins namespace (eval, exec, __import__, open)" },
  { name: "__dict__", category: "gadget", reason: "a module's or class's namespace: SETITEM on it overwrites functions that later run" },
  { name: "__subclasses__", category: "gadget", reason: "enumerates every loaded class, the classic sandbox-escape walk" },
  { name: "__getattribute__", category: "gadget", reason: "attribute access by name (getattr in disguise)" },
  { name: "__getattr__", category: "gadget", reason: "attribute access by name (getattr in disguise)" },
  { name: "__setattr__", category: "gadget", reason: "sets any attribute (setattr in disguise)" },
  { name: "__delattr__", category: "gadget", reason: "deletes any attribute (delattr in disguise)" },
  { name: "__import__", category: "dynamic-import", reason: "imports any module by name" },
  { name: "__loader__", category: "dynamic-import", reason: "a module loader: loads and executes modules" },
  { name: "__spec__", category: "dynamic-import", reason: "a module spec: reaches the loader" },
  { name: "__code__", category: "code-object", reason: "a function's code object: replacing it changes what the function runs" },
  { name: "__closure__", category: "code-object", reason: "a function's closure cells" },
  { name: "__class__", category: "gadget", reason: "walks from an instance to its type, a step of introspection chains" },
  { name: "__bases__", category: "gadget", reason: "walks the class hierarchy towards object.__subclasses__" },
  { name: "__base__", category: "gadget", reason: "walks the class hierarchy towards object.__subclasses__" },
  { name: "__mro__", category: "gadget", reason: "walks the class hierarchy towards object.__subclasses__" },
  { name: "__reduce__", category: "gadget", reason: "calls an object's reduction protocol, used to re-enter pickling machinery" },
  { name: "__reduce_ex__", category: "gadget", reason: "calls an object's reduction protocol, used to re-enter pickling machinery" },
  { name: "func_globals", category: "gadget", reason: "Python 2 spelling of __globals__" },
];

const PATH_FS_METHODS = [
  "open",
  "read_text",
  "read_bytes",
  "write_text",
  "write_bytes",
  "touch",
  "mkdir",
  "rmdir",
  "unlink",
  "rename",
  "replace",
  "symlink_to",
  "hardlink_to",
  "link_to",
  "chmod",
  "lchmod",
  "iterdir",
  "glob",
  "rglob",
  "readlink",
  "samefile",
  "owner",
  "group",
] as const;

export const PICKLE_DENYLIST: readonly PickleDenyEntry[] = [
  // ------------------------------------------------------------------------------------------ builtins
  { module: "builtins", names: ["eval"], category: "code-execution", reason: "evaluates a Python expression from a string" },
  { module: "builtins", names: ["exec"], category: "code-execution", reason: "executes Python statements from a string" },
  { module: "builtins", names: ["execfile"], category: "code-execution", reason: "Python 2: executes a Python source file" },
  { module: "builtins", names: ["compile"], category: "code-object", reason: "compiles source into a code object that can then be run" },
  { module: "builtins", names: ["open", "file"], category: "filesystem", reason: "opens any file for reading or writing" },
  { module: "builtins", names: ["__import__"], category: "dynamic-import", reason: "imports any module by name, the first step of most gadget chains" },
  { module: "builtins", names: ["reload"], category: "dynamic-import", reason: "Python 2: re-executes a module's code" },
  { module: "builtins", names: ["setattr"], category: "gadget", reason: "overwrites any attribute, e.g. a function that later runs" },
  { module: "builtins", names: ["delattr"], category: "gadget", reason: "deletes any attribute" },
  { module: "builtins", names: ["globals", "locals", "vars"], category: "gadget", reason: "returns a live namespace dict that can be read and overwritten" },
  { module: "builtins", names: ["apply"], category: "gadget", reason: "Python 2: calls any callable with any arguments" },
  { module: "builtins", names: ["input", "raw_input"], category: "exit", reason: "blocks on standard input (Python 2's input also evaluates what it reads)" },
  { module: "builtins", names: ["breakpoint"], category: "code-execution", reason: "enters the debugger hook (sys.breakpointhook / PYTHONBREAKPOINT), which runs arbitrary code" },
  { module: "builtins", names: ["help"], category: "process", reason: "pydoc help: imports modules by name and may spawn a pager process" },
  { module: "builtins", names: ["license", "copyright", "credits"], category: "filesystem", reason: "site helpers that read files and page them interactively, waiting on input" },
  { module: "builtins", names: ["exit", "quit"], category: "exit", reason: "raises SystemExit and stops the loading process" },

  // ------------------------------------------------------------------------------ processes and the OS
  {
    module: "os",
    names: [
      "system", "popen", "popen2", "popen3", "popen4", "startfile",
      "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe",
      "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
      "posix_spawn", "posix_spawnp", "fork", "forkpty", "kill", "killpg", "putenv", "unsetenv", "environ",
    ],
    category: "process",
    reason: "runs a shell command, replaces or forks the process, signals processes, or changes the environment later commands inherit",
  },
  { module: "os", names: ["_exit", "abort"], category: "exit", reason: "terminates the loading process immediately" },
  { module: "os", names: ["add_dll_directory"], category: "native-code", reason: "adds a directory that native libraries are loaded from" },
  {
    module: "os",
    names: "*",
    category: "filesystem",
    reason: "operating-system interface: creates, removes, renames and reads files and directories, changes permissions and the working directory",
  },
  { module: "subprocess", names: "*", category: "process", reason: "starts external processes (Popen, run, call, check_output, getoutput)" },
  { module: "pty", names: "*", category: "process", reason: "pty.spawn runs a program on a pseudo-terminal", ref: "GHSA-vqmv-47xg-9wpr" },
  { module: "popen2", names: "*", category: "process", reason: "Python 2: runs shell commands" },
  { module: "pexpect", names: "*", category: "process", reason: "spawns and drives external programs" },
  { module: "sh", names: "*", category: "process", reason: "the `sh` package runs any program as a function call" },
  { module: "platform", names: "*", category: "process", reason: "several helpers run external commands (popen, _syscmd_file, architecture)" },
  { module: "_posixsubprocess", names: "*", category: "process", reason: "fork_exec: the C core of subprocess" },
  { module: "_winapi", names: "*", category: "process", reason: "Windows API bindings: CreateProcess, CreateFile" },
  { module: "msvcrt", names: "*", category: "native-code", reason: "Windows C runtime bindings" },
  { module: "winreg", names: "*", category: "filesystem", reason: "reads and writes the Windows registry" },
  { module: "multiprocessing", names: "*", category: "process", reason: "starts processes and runs callables in them; its connections unpickle what they receive" },
  { module: "concurrent.futures.process", names: "*", category: "process", reason: "ProcessPoolExecutor starts worker processes" },
  { module: "threading", names: "*", category: "process", reason: "starts threads that run callables (Thread, Timer)" },
  { module: "_thread", names: "*", category: "process", reason: "start_new_thread runs a callable on a new thread" },
  { module: "signal", names: "*", category: "process", reason: "installs signal handlers and sends signals (alarm, pthread_kill)" },
  { module: "atexit", names: "*", category: "code-execution", reason: "registers callables that run when the interpreter exits" },
  { module: "asyncio", names: "*", category: "process", reason: "runs coroutines, spawns subprocesses (create_subprocess_shell, _UnixSubprocessTransport) and opens connections", ref: "CVE-2025-10155, GHSA-q77w-mwjj-7mqx" },
  { module: "sys", names: ["exit"], category: "exit", reason: "raises SystemExit and stops the loading process" },
  { module: "sys", names: ["modules"], category: "gadget", reason: "the table of loaded modules: reading it reaches any module, writing it hijacks later imports" },
  { module: "sys", names: "*", category: "gadget", reason: "interpreter internals: trace/profile/audit hooks, module table, import path and stdio can all be rewired" },
  { module: "_osx_support", names: "*", category: "process", reason: "_read_output and _find_build_tool run shell commands through os.system", ref: "GHSA-g38g-8gr9-h9xp" },
  { module: "_aix_support", names: "*", category: "process", reason: "_read_cmd_output runs a shell command through os.system", ref: "GHSA-g38g-8gr9-h9xp" },
  {
    module: "uuid",
    names: [
      "_get_command_stdout", "_popen", "getnode", "uuid1", "_find_mac", "_find_mac_near_keyword", "_find_mac_under_heading",
      "_ifconfig_getnode", "_ip_getnode", "_arp_getnode", "_lanscan_getnode", "_netstat_getnode", "_ipconfig_getnode",
      "_netbios_getnode", "_windll_getnode", "_unix_getnode", "_load_system_functions", "_generate_time_safe",
      "_UuidCreate", "_GETTERS", "_OS_GETTERS", "os", "sys", "platform",
    ],
    category: "process",
    reason: "node-id helpers run external commands (ifconfig, ip, arp, netstat) through subprocess.Popen; uuid1 calls them",
    ref: "GHSA-g38g-8gr9-h9xp",
  },
  { module: "imaplib", names: ["IMAP4_stream"], category: "process", reason: "IMAP4_stream runs its argument as a shell command through subprocess.Popen(shell=True)", ref: "GHSA-g38g-8gr9-h9xp" },
  { module: "imaplib", names: "*", category: "network", reason: "IMAP client: connects to mail servers" },

  // ------------------------------------------------------------------ running code from strings / files
  { module: "runpy", names: "*", category: "code-execution", reason: "runs modules and files as __main__ (_run_code executes a code string)" },
  { module: "code", names: "*", category: "code-execution", reason: "interactive interpreter: InteractiveInterpreter.runcode / runsource execute code", ref: "GHSA-cj3c-v495-4xqh" },
  { module: "codeop", names: "*", category: "code-object", reason: "compiles source strings into code objects" },
  { module: "timeit", names: "*", category: "code-execution", reason: "timeit/repeat/Timer compile and execute their setup and statement strings" },
  { module: "cProfile", names: "*", category: "code-execution", reason: "run/runctx execute a code string under the profiler", ref: "GHSA-49gj-c84q-6qm9, GHSA-9w88-8rmg-7g2p" },
  { module: "profile", names: "*", category: "code-execution", reason: "run/runctx and Profile.run execute a code string", ref: "GHSA-7wx9-6375-f5wh, GHSA-x696-vm39-cp64, GHSA-6vqj-c2q5-j97w" },
  { module: "trace", names: "*", category: "code-execution", reason: "Trace.run/runctx execute a code string", ref: "GHSA-5qwp-399c-mjwf, GHSA-g344-hcph-8vgg" },
  { module: "pdb", names: "*", category: "code-execution", reason: "debugger: run/runeval/runctx execute code strings" },
  { module: "bdb", names: "*", category: "code-execution", reason: "debugger base: Bdb.run/runeval/runctx execute code strings" },
  { module: "doctest", names: "*", category: "code-execution", reason: "runs the examples embedded in strings (debug_script, run_docstring_examples)", ref: "GHSA-fqq6-7vqf-w3fg" },
  { module: "pydoc", names: ["pipepager", "pager", "tempfilepager", "getpager", "ttypager"], category: "process", reason: "pagers run a shell command (pipepager('', cmd))" },
  { module: "pydoc", names: ["locate", "safeimport", "importfile", "resolve"], category: "dynamic-import", reason: "imports any module or file and returns any object by dotted name", ref: "GHSA-84r2-jw7c-4r5q" },
  { module: "pydoc", names: "*", category: "code-execution", reason: "locate imports any object by dotted name; pipepager/pager run shell commands", ref: "GHSA-84r2-jw7c-4r5q" },
  { module: "_pyrepl", names: "*", category: "process", reason: "Python 3.13 REPL internals: pager.pipe_pager runs a shell command", ref: "GHSA-g38g-8gr9-h9xp" },
  { module: "idlelib", names: "*", category: "code-execution", reason: "IDLE internals evaluate or execute strings (runcode, fetch_tip, get_entity, SetText)", ref: "GHSA-3vg9-h568-4w9m, GHSA-m869-42cg-3xwr" },
  { module: "lib2to3", names: "*", category: "code-execution", reason: "pgen's make_label evaluates strings; Grammar.loads unpickles bytes", ref: "GHSA-p9w7-82w4-7q8m" },
  { module: "lib2to3.pgen2.grammar", names: ["Grammar.loads", "Grammar.load"], category: "deserialization", reason: "Grammar.loads unpickles its bytes argument", ref: "GHSA-f54q-57x4-jg88", nestedPickleArg: true },
  { module: "test", names: "*", category: "process", reason: "CPython's test package: script_helper runs Python subprocesses, support helpers touch files", ref: "GHSA-g38g-8gr9-h9xp" },
  { module: "unittest", names: "*", category: "code-execution", reason: "loads and runs test modules by name" },
  { module: "site", names: "*", category: "code-execution", reason: "addsitedir/main process .pth files, whose import lines are executed" },
  { module: "jinja2", names: "*", category: "code-execution", reason: "compiles templates to Python; rendering an attacker's template is server-side template injection (code execution)", ref: "CVE-2024-34359" },
  { module: "mako", names: "*", category: "code-execution", reason: "Mako templates embed Python code blocks that run when rendered" },
  { module: "_interpreters", names: "*", category: "code-execution", reason: "runs code in a subinterpreter" },
  { module: "_xxsubinterpreters", names: "*", category: "code-execution", reason: "runs code in a subinterpreter" },
  { module: "numpy.testing", names: "*", category: "code-execution", reason: "test helpers: _private.utils.runstring is exec, rundocs runs doctests, extbuild compiles C", ref: "GHSA-9gvj-pp9x-gcfr" },
  { module: "numpy.f2py", names: "*", category: "code-execution", reason: "Fortran wrapper generator: crackfortran evaluates strings (getlincoef, _eval_length) and compile runs compilers", ref: "GHSA-r8g5-cgf2-4m4m" },
  { module: "numpy._pytesttester", names: "*", category: "process", reason: "runs the pytest suite (numpy.test)" },
  { module: "numpy", names: ["test"], category: "process", reason: "runs the numpy test suite under pytest" },

  { module: "tkinter", names: "*", category: "process", reason: "embeds a Tcl interpreter (Tcl().eval), whose exec command runs programs" },
  { module: "_tkinter", names: "*", category: "process", reason: "the Tcl interpreter behind tkinter" },
  { module: "rlcompleter", names: "*", category: "code-execution", reason: "Completer.attr_matches evaluates its text argument" },
  { module: "numexpr", names: "*", category: "code-execution", reason: "evaluate() compiles and evaluates expression strings", ref: "CVE-2023-39631" },
  { module: "IPython", names: "*", category: "code-execution", reason: "interactive shell: run_cell executes code, utils.process.system runs commands" },
  { module: "sympy", names: ["sympify", "parse_expr", "parsing"], category: "code-execution", reason: "sympify/parse_expr evaluate strings with eval" },
  { module: "yaml", names: ["load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all", "Loader", "UnsafeLoader", "FullLoader"], category: "deserialization", reason: "PyYAML loaders that build arbitrary Python objects from !!python tags" },
  { module: "jsonpickle", names: "*", category: "deserialization", reason: "decode() rebuilds arbitrary Python objects from JSON" },
  { module: "transformers.dynamic_module_utils", names: "*", category: "dynamic-import", reason: "downloads and imports model code (trust_remote_code)" },
  { module: "datasets", names: ["load_dataset", "load_dataset_builder", "load_from_disk"], category: "code-execution", reason: "runs dataset loading scripts and reads or downloads data" },
  { module: "huggingface_hub", names: "*", category: "network", reason: "downloads and uploads repositories and files" },
  { module: "tensorflow.io", names: "*", category: "filesystem", reason: "gfile reads and writes files by path, also on remote filesystems" },
  { module: "tensorflow.saved_model", names: "*", category: "deserialization", reason: "loads and writes SavedModels by path" },

  // ---------------------------------------------------------------------------------- dynamic imports
  { module: "importlib", names: "*", category: "dynamic-import", reason: "imports any module by name (import_module, reload, machinery loaders)" },
  { module: "imp", names: "*", category: "dynamic-import", reason: "Python < 3.12: load_source/load_module execute any file as a module" },
  { module: "_imp", names: "*", category: "dynamic-import", reason: "import machinery internals: create_dynamic loads extension modules" },
  { module: "zipimport", names: "*", category: "dynamic-import", reason: "zipimporter loads and executes modules from any zip file" },
  { module: "pkgutil", names: "*", category: "dynamic-import", reason: "resolve_name imports any module:attribute (a trampoline to any callable); walk_packages and get_importer import code", ref: "GHSA-vvpj-8cmc-gx39" },
  { module: "pkg_resources", names: "*", category: "dynamic-import", reason: "load_entry_point and EntryPoint.load import code by name" },
  { module: "inspect", names: "*", category: "gadget", reason: "introspection: getattr_static/getmembers read any attribute, getsource reads files" },
  { module: "gc", names: "*", category: "gadget", reason: "get_objects/get_referrers reach every live object, including modules and frames" },
  { module: "numpy.compat", names: "*", category: "dynamic-import", reason: "py3k.npy_load_module imports any file as a module" },

  // ------------------------------------------------------------------------------ code objects / types
  { module: "types", names: ["CodeType"], category: "code-object", reason: "builds a code object from raw bytecode", ref: "GHSA-9m3x-qqw2-h32h" },
  { module: "types", names: ["FunctionType", "LambdaType"], category: "code-object", reason: "builds a function from a code object and globals" },
  { module: "types", names: ["CellType"], category: "code-object", reason: "builds closure cells for crafted functions" },
  { module: "types", names: ["MethodType"], category: "gadget", reason: "binds any callable to any object as a method" },
  { module: "marshal", names: "*", category: "code-object", reason: "loads/dumps code objects from bytes" },
  { module: "cloudpickle", names: "*", category: "code-object", reason: "cloudpickle rebuilds functions from code objects (_make_function, _builtin_type('CodeType'), subimport)", ref: "GHSA-9m3x-qqw2-h32h" },
  { module: "cloudpickle", names: ["loads", "load"], category: "deserialization", reason: "cloudpickle.loads is pickle.loads: unpickles its bytes argument", nestedPickleArg: true },
  {
    module: "dill._dill",
    names: ["_create_function", "_create_code", "_create_cell", "_create_type", "_create_ftype", "_create_capsule", "_create_typing_tuple", "_getattr", "_getattribute", "_create_weakproxy", "_create_weakref"],
    category: "code-object",
    reason: "dill rebuilds functions, code objects, classes and capsules (raw pointers) from pickled parts, or reads attributes by name",
  },
  { module: "dill", names: ["source", "detect", "temp", "session"], category: "code-object", reason: "dill's modules that rebuild, find or run code (dill.source evaluates source, dill.temp writes files)" },
  { module: "dill", names: ["loads", "load", "load_session", "load_module", "load_module_asdict"], category: "deserialization", reason: "dill's loaders unpickle their argument with code objects allowed", nestedPickleArg: true },
  { module: "dill._dill", names: ["loads"], category: "deserialization", reason: "dill's loader unpickles its bytes argument with code objects allowed", nestedPickleArg: true },
  { module: "dill._dill", names: ["_import_module"], category: "dynamic-import", reason: "imports any module by name" },
  { module: "dill._dill", names: ["_create_filehandle"], category: "filesystem", reason: "opens a file by path while unpickling" },
  { module: "dill._dill", names: ["_get_attr"], category: "gadget", reason: "reads any attribute by name (getattr)" },
  { module: "dill._dill", names: ["_eval_repr"], category: "code-execution", reason: "evaluates a repr string" },

  // ------------------------------------------------------------------------------ unpickling / loaders
  { module: "pickle", names: "*", category: "deserialization", reason: "the pickle module: Unpickler/load run another pickle, which can execute anything" },
  { module: "pickle", names: ["loads", "_loads"], category: "deserialization", reason: "unpickles its bytes argument", nestedPickleArg: true },
  { module: "shelve", names: "*", category: "deserialization", reason: "opens database files whose values are unpickled" },
  { module: "copyreg", names: ["pickle", "constructor", "add_extension", "remove_extension", "clear_extension_cache", "dispatch_table", "_extension_registry", "_inverted_registry"], category: "gadget", reason: "rewires how later objects are pickled or which globals EXT opcodes resolve to" },
  { module: "joblib", names: ["load"], category: "deserialization", reason: "loads another joblib/pickle file by path" },
  { module: "joblib", names: ["dump"], category: "filesystem", reason: "writes a file at any path" },
  { module: "joblib", names: ["Memory", "register_store_backend"], category: "filesystem", reason: "creates cache directories and unpickles cached results from disk" },
  { module: "joblib.numpy_pickle", names: ["load", "dump", "load_temporary_memmap", "NumpyUnpickler", "_unpickle"], category: "deserialization", reason: "joblib's file loaders: unpickle another file by path" },
  { module: "joblib.numpy_pickle_compat", names: ["load_compatibility", "ZipNumpyUnpickler", "read_zfile"], category: "deserialization", reason: "old joblib loaders: unpickle another file" },
  { module: "joblib.numpy_pickle_compat", names: ["NDArrayWrapper", "ZNDArrayWrapper"], category: "deserialization", reason: "old (<0.10) joblib wrappers: read_array loads the file named in the pickle with np.load(allow_pickle=True)" },
  { module: "joblib.memory", names: "*", category: "filesystem", reason: "disk cache: writes directories and unpickles cached results" },
  { module: "joblib._store_backends", names: "*", category: "filesystem", reason: "disk cache backends: create, read and delete files" },
  { module: "joblib.externals.loky", names: "*", category: "process", reason: "process pool executor" },
  { module: "joblib.pool", names: "*", category: "process", reason: "starts process pools that run callables" },
  { module: "joblib._parallel_backends", names: "*", category: "process", reason: "process and thread pool backends" },
  { module: "joblib._multiprocessing_helpers", names: "*", category: "process", reason: "multiprocessing helpers" },
  { module: "numpy", names: ["load"], category: "deserialization", reason: "loads a .npy/.npz/pickle file by path; with allow_pickle it unpickles it" },
  { module: "numpy", names: ["loads"], category: "deserialization", reason: "numpy < 1.15: an alias of pickle.loads", nestedPickleArg: true },
  { module: "numpy.core.multiarray", names: ["loads"], category: "deserialization", reason: "numpy < 1.15: an alias of pickle.loads", nestedPickleArg: true },
  { module: "numpy.lib.npyio", names: ["load", "NpzFile", "DataSource"], category: "deserialization", reason: "loads .npy/.npz files by path, unpickling object arrays" },
  { module: "numpy.lib.format", names: "*", category: "deserialization", reason: "read_array unpickles object arrays from a file; open_memmap creates files" },
  { module: "torch", names: ["load"], category: "deserialization", reason: "loads another checkpoint by path or URL-like name, unpickling it" },
  { module: "torch.serialization", names: ["load", "_load", "_legacy_load", "legacy_load"], category: "deserialization", reason: "torch.load and its helpers unpickle another file" },
  { module: "torch.storage", names: ["_load_from_bytes"], category: "deserialization", reason: "calls torch.load on its bytes argument (plain-pickled storages use it): the bytes are a nested pickle", nestedPickleArg: true, libraryLoader: true },
  { module: "torch.utils._config_module", names: "*", category: "deserialization", reason: "config modules save and load their state with pickle", ref: "GHSA-vv6j-3g6g-2pvj" },
  { module: "torch.utils._config_module", names: ["ConfigModule.load_config"], category: "deserialization", reason: "ConfigModule.load_config unpickles its bytes argument", ref: "GHSA-vv6j-3g6g-2pvj", nestedPickleArg: true },
  { module: "torch.utils.data.datapipes.utils.decoder", names: ["basichandlers"], category: "deserialization", reason: "decodes 'pickle'/'pyd' payloads with pickle.loads", ref: "GHSA-h3qp-7fh3-f8h4", nestedPickleArg: true },
  { module: "torch.utils.data.datapipes", names: "*", category: "filesystem", reason: "data pipes open, list and decode files and URLs" },
  { module: "torch.package", names: "*", category: "code-execution", reason: "PackageImporter imports Python code stored in the archive" },
  { module: "torch.export", names: ["load", "save"], category: "deserialization", reason: "loads or writes exported-program archives by path" },
  { module: "torch._C", names: ["import_ir_module", "import_ir_module_from_buffer", "_import_ir_module_from_package", "_load_for_lite_interpreter", "_load_for_lite_interpreter_from_buffer"], category: "deserialization", reason: "loads TorchScript modules (code) from files or buffers" },
  { module: "pandas", names: ["read_pickle"], category: "deserialization", reason: "unpickles a file or URL" },
  { module: "pandas.compat.pickle_compat", names: ["load", "loads", "Unpickler"], category: "deserialization", reason: "pandas' compatibility unpickler" },
  { module: "keras.models", names: ["load_model"], category: "deserialization", reason: "loads a model file whose Lambda layers carry code" },
  { module: "keras.saving", names: "*", category: "deserialization", reason: "loads model files whose Lambda layers carry code" },
  { module: "tensorflow.keras.models", names: ["load_model"], category: "deserialization", reason: "loads a model file whose Lambda layers carry code" },

  // ------------------------------------------------------------------------------- gadget primitives
  { module: "operator", names: ["attrgetter"], category: "gadget", reason: "attrgetter('system')(os_module) reads any attribute by name", ref: "GHSA-46h3-79wf-xr6c" },
  { module: "operator", names: ["methodcaller"], category: "gadget", reason: "methodcaller('system', cmd)(module) calls any method by name", ref: "GHSA-955r-x9j8-7rhh" },
  { module: "operator", names: ["itemgetter", "getitem"], category: "gadget", reason: "subscripting is the one operation pickle lacks: with any mapping (module dicts, __globals__) it reads arbitrary entries" },
  { module: "operator", names: ["call"], category: "gadget", reason: "calls any callable with any arguments" },
  { module: "functools", names: ["partialmethod"], category: "gadget", reason: "binds arguments to any callable so the call happens later, out of the scanner's sight" },
  { module: "functools", names: ["reduce"], category: "gadget", reason: "calls a function repeatedly over attacker data (e.g. reduce(getattr, path, module))" },
  { module: "_functools", names: "*", category: "gadget", reason: "C core of functools.partial/reduce" },

  // ---------------------------------------------------------------------------------- native code
  { module: "ctypes", names: "*", category: "native-code", reason: "foreign-function interface: loads shared libraries and calls C functions, reads and writes raw memory", ref: "GHSA-4675-36f9-wf6r" },
  { module: "cffi", names: "*", category: "native-code", reason: "loads shared libraries and calls C functions" },
  { module: "numpy.ctypeslib", names: "*", category: "native-code", reason: "load_library loads a shared library" },
  { module: "torch.utils.cpp_extension", names: "*", category: "native-code", reason: "compiles and loads C++/CUDA extensions" },
  { module: "torch._ops", names: ["ops.load_library", "_Ops.load_library"], category: "native-code", reason: "loads a shared library of custom operators" },
  { module: "torch._classes", names: ["classes.load_library", "_Classes.load_library"], category: "native-code", reason: "loads a shared library of custom classes" },
  { module: "torch", names: ["ops.load_library", "classes.load_library"], category: "native-code", reason: "loads a shared library of custom operators/classes" },
  { module: "scipy", names: ["LowLevelCallable"], category: "native-code", reason: "wraps a raw C function pointer for SciPy to call" },
  { module: "scipy._lib._ccallback", names: ["LowLevelCallable"], category: "native-code", reason: "wraps a raw C function pointer for SciPy to call" },
  { module: "scipy.weave", names: "*", category: "native-code", reason: "old SciPy: compiles and runs inline C++" },
  { module: "mmap", names: "*", category: "filesystem", reason: "maps files into memory for reading and writing" },

  // ---------------------------------------------------------------------------------- files
  { module: "io", names: ["FileIO", "open", "open_code"], category: "filesystem", reason: "opens any file by path (io.FileIO is how _io.FileIO reads /etc files)", ref: "GHSA-9726-w42j-3qjr" },
  { module: "shutil", names: "*", category: "filesystem", reason: "copies, moves and deletes files and trees; unpack_archive extracts archives" },
  { module: "tempfile", names: "*", category: "filesystem", reason: "creates files and directories" },
  { module: "glob", names: "*", category: "filesystem", reason: "lists directories and files by pattern" },
  { module: "fileinput", names: "*", category: "filesystem", reason: "reads files and can rewrite them in place" },
  { module: "linecache", names: "*", category: "filesystem", reason: "reads lines of any file" },
  { module: "filecmp", names: "*", category: "filesystem", reason: "reads and compares files" },
  { module: "tarfile", names: "*", category: "filesystem", reason: "opens archives by path and extracts them (path traversal, overwrites)" },
  { module: "zipfile", names: "*", category: "filesystem", reason: "opens archives by path, writes and extracts them" },
  { module: "gzip", names: ["open"], category: "filesystem", reason: "opens any file by path" },
  { module: "bz2", names: ["open"], category: "filesystem", reason: "opens any file by path" },
  { module: "lzma", names: ["open"], category: "filesystem", reason: "opens any file by path" },
  { module: "codecs", names: ["open", "EncodedFile"], category: "filesystem", reason: "opens any file by path" },
  { module: "gzip", names: ["GzipFile"], category: "filesystem", reason: "opens any file by path for reading or writing" },
  { module: "bz2", names: ["BZ2File"], category: "filesystem", reason: "opens any file by path for reading or writing" },
  { module: "lzma", names: ["LZMAFile"], category: "filesystem", reason: "opens any file by path for reading or writing" },
  { module: "wave", names: ["open", "Wave_write"], category: "filesystem", reason: "opens any file by path (mode 'wb' creates it)" },
  { module: "aifc", names: ["open", "Aifc_write"], category: "filesystem", reason: "opens any file by path (mode 'wb' creates it)" },
  { module: "sunau", names: ["open", "Au_write"], category: "filesystem", reason: "opens any file by path (mode 'wb' creates it)" },
  { module: "zipapp", names: "*", category: "filesystem", reason: "create_archive writes executable archives" },
  { module: "netrc", names: "*", category: "filesystem", reason: "reads ~/.netrc or any file: stored credentials" },
  { module: "mailbox", names: "*", category: "filesystem", reason: "opens, creates and rewrites mailboxes at any path" },
  { module: "sqlite3", names: "*", category: "filesystem", reason: "connect creates and writes database files" },
  { module: "_sqlite3", names: "*", category: "filesystem", reason: "C core of sqlite3: creates and writes database files" },
  { module: "dbm", names: "*", category: "filesystem", reason: "opens and creates database files" },
  { module: "compileall", names: "*", category: "filesystem", reason: "compiles source trees and writes .pyc files" },
  { module: "py_compile", names: "*", category: "filesystem", reason: "compiles a file and writes a .pyc (can shadow modules)" },
  { module: "syslog", names: "*", category: "filesystem", reason: "writes to the system log" },
  { module: "logging", names: ["FileHandler", "basicConfig"], category: "filesystem", reason: "creates or appends to a file at any path", ref: "GHSA-m7j5-r2p5-c39r" },
  { module: "logging.handlers", names: "*", category: "filesystem", reason: "handlers write files (Rotating/Watched) or send records over the network (Socket, SMTP, HTTP, SysLog)" },
  { module: "logging.config", names: "*", category: "dynamic-import", reason: "dictConfig/fileConfig import classes by name; listen() accepts configuration from a socket" },
  { module: "distutils", names: "*", category: "filesystem", reason: "file_util.write_file and friends write files; spawn runs commands", ref: "GHSA-m273-6v24-x4m4" },
  { module: "setuptools", names: "*", category: "process", reason: "runs build commands and setup scripts" },
  { module: "numpy.distutils", names: "*", category: "process", reason: "runs compilers and build commands" },
  { module: "numpy", names: ["save", "savez", "savez_compressed", "savetxt", "ndarray.tofile", "ndarray.dump"], category: "filesystem", reason: "writes a file at any path" },
  { module: "numpy", names: ["fromfile", "loadtxt", "genfromtxt", "fromregex", "recfromcsv", "recfromtxt", "memmap", "DataSource"], category: "filesystem", reason: "reads or maps a file at any path (DataSource also fetches URLs)" },
  { module: "numpy.lib.npyio", names: ["save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt", "fromregex", "recfromcsv", "recfromtxt"], category: "filesystem", reason: "reads or writes a file at any path" },
  { module: "numpy.core.multiarray", names: ["fromfile"], category: "filesystem", reason: "reads a file at any path" },
  { module: "numpy.core._multiarray_umath", names: ["fromfile"], category: "filesystem", reason: "reads a file at any path" },
  { module: "numpy.core.memmap", names: "*", category: "filesystem", reason: "memmap creates and maps files" },
  { module: "numpy.core.records", names: ["fromfile"], category: "filesystem", reason: "reads a file at any path" },
  { module: "numpy.lib._datasource", names: "*", category: "network", reason: "DataSource downloads URLs and writes them to disk" },
  { module: "torch", names: ["save"], category: "filesystem", reason: "writes a file at any path" },
  { module: "torch.serialization", names: ["save", "_save", "_legacy_save"], category: "filesystem", reason: "writes a file at any path" },
  { module: "torch.onnx", names: ["export", "dynamo_export"], category: "filesystem", reason: "writes a model file at any path" },
  { module: "torch.utils.tensorboard", names: "*", category: "filesystem", reason: "SummaryWriter creates log directories and files" },
  { module: "torch.testing._internal", names: "*", category: "process", reason: "test helpers run subprocesses and touch files" },
  { module: "torch.utils.benchmark", names: "*", category: "code-execution", reason: "Timer compiles and runs statement strings (like timeit)" },
  { module: "pathlib", names: PATH_FS_METHODS.map((m) => `Path.${m}`), category: "filesystem", reason: "unbound Path methods that read, write or change files" },
  { module: "pathlib", names: PATH_FS_METHODS.map((m) => `PosixPath.${m}`), category: "filesystem", reason: "unbound Path methods that read, write or change files" },
  { module: "pathlib", names: PATH_FS_METHODS.map((m) => `WindowsPath.${m}`), category: "filesystem", reason: "unbound Path methods that read, write or change files" },
  { module: "scipy.io", names: "*", category: "filesystem", reason: "reads and writes MATLAB, NetCDF, WAV and Matrix Market files by path" },
  { module: "scipy.sparse", names: ["load_npz", "save_npz"], category: "filesystem", reason: "reads or writes a file at any path" },
  { module: "scipy.sparse._matrix_io", names: "*", category: "filesystem", reason: "load_npz/save_npz read or write a file at any path" },
  { module: "scipy.datasets", names: "*", category: "network", reason: "downloads data sets and caches them on disk" },
  {
    module: "pandas",
    names: [
      "read_csv", "read_table", "read_fwf", "read_excel", "read_json", "read_html", "read_xml", "read_parquet", "read_orc",
      "read_feather", "read_hdf", "read_sas", "read_spss", "read_stata", "read_sql", "read_sql_query", "read_sql_table",
      "read_gbq", "HDFStore", "ExcelWriter", "ExcelFile",
    ],
    category: "filesystem",
    reason: "reads or writes files at any path, or fetches URLs",
  },
  { module: "pandas", names: ["read_clipboard"], category: "process", reason: "runs a clipboard helper program (xclip, xsel, pbpaste)" },
  { module: "pandas", names: ["eval"], category: "code-execution", reason: "evaluates an expression string" },
  { module: "pandas", names: ["test"], category: "process", reason: "runs the pandas test suite under pytest" },
  { module: "pandas._libs.parsers", names: "*", category: "filesystem", reason: "TextReader, the CSV parser behind read_csv, reads its source" },
  { module: "pandas.io", names: "*", category: "filesystem", reason: "pandas I/O: readers and writers for files and URLs, clipboard helpers that run programs, pickle" },
  { module: "pandas.core.computation", names: "*", category: "code-execution", reason: "eval/query machinery evaluates expression strings" },
  { module: "pandas._testing", names: "*", category: "filesystem", reason: "test helpers that create files and directories" },
  { module: "pandas.util._tester", names: "*", category: "process", reason: "runs the pandas test suite under pytest" },
  {
    module: "pandas.core.frame",
    names: [
      "DataFrame.eval", "DataFrame.query", "DataFrame.to_pickle", "DataFrame.to_csv", "DataFrame.to_excel", "DataFrame.to_json",
      "DataFrame.to_parquet", "DataFrame.to_feather", "DataFrame.to_hdf", "DataFrame.to_sql", "DataFrame.to_stata",
      "DataFrame.to_html", "DataFrame.to_xml", "DataFrame.to_orc", "DataFrame.to_markdown", "DataFrame.to_latex", "DataFrame.to_clipboard",
    ],
    category: "filesystem",
    reason: "unbound DataFrame methods that write files (or, for eval/query, evaluate expressions)",
  },
  { module: "pandas.core.series", names: ["Series.to_pickle", "Series.to_csv", "Series.to_excel", "Series.to_json", "Series.to_hdf", "Series.to_sql", "Series.to_clipboard"], category: "filesystem", reason: "unbound Series methods that write files" },
  { module: "pandas.core.generic", names: ["NDFrame.to_pickle", "NDFrame.to_csv", "NDFrame.to_excel", "NDFrame.to_json", "NDFrame.to_hdf", "NDFrame.to_sql", "NDFrame.to_clipboard"], category: "filesystem", reason: "unbound NDFrame methods that write files" },
  { module: "sklearn.datasets", names: "*", category: "network", reason: "fetch_* download data sets to disk; load_*/dump_svmlight_file read and write files by path" },
  { module: "sklearn.utils._testing", names: "*", category: "process", reason: "test helpers run Python subprocesses (assert_run_python_script) and create memmapped temp files" },
  { module: "sklearn.utils._joblib", names: "*", category: "deserialization", reason: "re-exports joblib's load/dump/Memory" },
  { module: "sklearn.utils.validation", names: ["check_memory"], category: "filesystem", reason: "builds a joblib.Memory cache directory from a path" },

  // ---------------------------------------------------------------------------------- network
  { module: "socket", names: "*", category: "network", reason: "opens network connections and listening sockets" },
  { module: "ssl", names: "*", category: "network", reason: "opens TLS connections (get_server_certificate exfiltrates through DNS)" },
  { module: "http", names: ["client", "server", "cookiejar", "cookies"], category: "network", reason: "HTTP client and server (http.client.HTTPSConnection, http.server); http.HTTPStatus, an enum, is not here" },
  { module: "urllib.request", names: "*", category: "network", reason: "fetches URLs (urlopen, urlretrieve writes files): SSRF and exfiltration" },
  { module: "urllib", names: ["urlopen", "urlretrieve", "URLopener", "FancyURLopener"], category: "network", reason: "Python 2 URL fetchers (mapped to urllib.request)" },
  { module: "requests", names: "*", category: "network", reason: "HTTP client (requests.get, Session)" },
  { module: "aiohttp", names: "*", category: "network", reason: "HTTP client and server (ClientSession)" },
  { module: "httpx", names: "*", category: "network", reason: "HTTP client: sends requests anywhere" },
  { module: "urllib3", names: "*", category: "network", reason: "HTTP client: sends requests anywhere" },
  { module: "smtplib", names: "*", category: "network", reason: "SMTP client: sends mail" },
  { module: "ftplib", names: "*", category: "network", reason: "FTP client: connects out, uploads and downloads files" },
  { module: "telnetlib", names: "*", category: "network", reason: "Telnet client: opens remote sessions" },
  { module: "poplib", names: "*", category: "network", reason: "POP3 client: connects to mail servers" },
  { module: "nntplib", names: "*", category: "network", reason: "NNTP client: connects to news servers" },
  { module: "xmlrpc", names: "*", category: "network", reason: "XML-RPC client and server" },
  { module: "socketserver", names: "*", category: "network", reason: "listening network servers" },
  { module: "smtpd", names: "*", category: "network", reason: "SMTP server: listens on a port" },
  { module: "asyncore", names: "*", category: "network", reason: "socket dispatcher: opens and listens on sockets" },
  { module: "asynchat", names: "*", category: "network", reason: "socket protocol helper over asyncore" },
  { module: "paramiko", names: "*", category: "network", reason: "SSH client: runs remote commands and copies files" },
  { module: "fabric", names: "*", category: "process", reason: "runs local and remote shell commands" },
  { module: "boto3", names: "*", category: "network", reason: "AWS client: reads and writes cloud resources" },
  { module: "botocore", names: "*", category: "network", reason: "AWS client core" },
  { module: "wsgiref", names: "*", category: "network", reason: "simple_server.make_server listens on a port" },
  { module: "webbrowser", names: "*", category: "process", reason: "opens URLs by launching a browser process" },
  { module: "torch.hub", names: "*", category: "network", reason: "downloads repositories and weights and runs their hubconf.py" },
  { module: "torch.utils.model_zoo", names: "*", category: "network", reason: "load_url downloads and unpickles a checkpoint" },
  { module: "torch.distributed.rpc", names: "*", category: "network", reason: "remote procedure calls: runs Python functions on peers", ref: "CVE-2024-5480, CVE-2024-48063" },
  { module: "torch.distributed.elastic", names: "*", category: "process", reason: "launches and supervises worker processes, rendezvous over the network" },
  { module: "torch.distributed.launcher", names: "*", category: "process", reason: "launches worker processes" },
  { module: "torch.distributed.run", names: "*", category: "process", reason: "torchrun: launches worker processes" },
  { module: "torch.distributed.launch", names: "*", category: "process", reason: "launches worker processes" },
  { module: "torch.distributed.distributed_c10d", names: "*", category: "network", reason: "init_process_group connects to peers" },
  { module: "torch.multiprocessing", names: "*", category: "process", reason: "starts processes that run callables" },
  { module: "xgboost.tracker", names: "*", category: "network", reason: "RabitTracker listens for workers" },
  { module: "xgboost.collective", names: "*", category: "network", reason: "connects to a distributed tracker" },
  { module: "xgboost.dask", names: "*", category: "network", reason: "distributed training over Dask" },
  { module: "xgboost.spark", names: "*", category: "network", reason: "distributed training over Spark" },

  // ------------------------------------------------------------------- package installs, environments
  { module: "pip", names: "*", category: "process", reason: "installs packages (pip.main runs setup code from the index)", ref: "CVE-2025-1716" },
  { module: "ensurepip", names: "*", category: "process", reason: "_run_pip executes pip's code", ref: "GHSA-xp4f-hrf8-rxw7" },
  { module: "venv", names: "*", category: "process", reason: "creates environments and runs pip in them (command injection through prompt)" },

  // --------------------------------------------------------------- torch internals that run code
  { module: "torch._inductor", names: "*", category: "code-execution", reason: "code generation and compilation: codecache.compile_file runs a compiler command" },
  { module: "torch._dynamo", names: "*", category: "code-execution", reason: "bytecode rewriting and guards: GuardBuilder.get evaluates strings", ref: "GHSA-86cj-95qr-2p4f" },
  { module: "torch._functorch", names: "*", category: "code-execution", reason: "AOT compilation generates and runs code" },
  { module: "torch.fx", names: "*", category: "code-execution", reason: "generates Python source and execs it (GraphModule reduce_graph_module, symbolic_shapes.ShapeEnv.evaluate_guards_expression)", ref: "GHSA-f4x7-rfwp-v3xw" },
  { module: "torch.compile", names: "*", category: "code-execution", reason: "compiles and runs generated code" },
  { module: "torch", names: ["compile"], category: "code-execution", reason: "compiles and runs generated code" },
  { module: "torch.jit.unsupported_tensor_ops", names: "*", category: "code-execution", reason: "execWrapper calls exec on its code string", ref: "GHSA-vr7h-p6mm-wpmh" },
  { module: "torch.jit.annotations", names: "*", category: "code-execution", reason: "parse_type_line evaluates type comments", ref: "CVE-2022-45907" },
  { module: "torch.jit.frontend", names: "*", category: "code-execution", reason: "parses and compiles Python source into TorchScript" },
  { module: "torch.jit._script", names: "*", category: "code-execution", reason: "compiles source strings into TorchScript (CompilationUnit, script)" },
  { module: "torch.jit._trace", names: "*", category: "code-execution", reason: "runs a callable to trace it" },
  { module: "torch.jit._recursive", names: "*", category: "code-execution", reason: "compiles methods of objects into TorchScript" },
  { module: "torch.jit._serialization", names: "*", category: "deserialization", reason: "torch.jit.load: loads TorchScript modules by path" },
  { module: "torch.jit.mobile", names: "*", category: "deserialization", reason: "loads mobile TorchScript modules by path" },
  { module: "torch.jit", names: ["load", "save", "CompilationUnit", "script", "trace", "trace_module", "fork", "_load_for_lite_interpreter", "export_opnames", "freeze", "optimize_for_inference"], category: "code-execution", reason: "loads, compiles or runs TorchScript code" },
  { module: "torch.utils.bottleneck", names: "*", category: "code-execution", reason: "__main__.run_cprofile/run_autograd_prof execute code strings", ref: "GHSA-4r9r-ch6f-vxmx, GHSA-4whj-rm5r-c2v8" },
  { module: "torch.utils.collect_env", names: "*", category: "process", reason: "run/run_and_read_all execute shell commands", ref: "GHSA-f745-w6jp-hpxx, GHSA-jhph-76pp-mggw" },
];
