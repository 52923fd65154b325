/**
 * Reviewed lists used to judge the Python names a Keras config points at. Data, not logic: change them in
 * review, with a reason.
 */

/**
 * Top-level packages Keras itself serializes objects from. Keras 3.9+ only imports modules of
 * keras, keras_hub, keras_cv and keras_nlp; tf_keras and tensorflow.keras are the Keras 2 spellings.
 */
export const KERAS_PACKAGES: ReadonlySet<string> = new Set([
  "keras",
  "keras_hub",
  "keras_cv",
  "keras_nlp",
  "keras_rs",
  "tf_keras",
  "tensorflow.keras",
  "tensorflow.python.keras",
]);

/**
 * Python modules whose functions run commands, evaluate code, load native code, touch files or the
 * network, or deserialize arbitrary objects. A Keras config naming any of them is an attack (CVE-2025-1550).
 * Matched on the top-level package (`os.path` matches `os`).
 */
export const DANGEROUS_MODULES: ReadonlySet<string> = new Set([
  "os",
  "posix",
  "nt",
  "subprocess",
  "sys",
  "shutil",
  "socket",
  "socketserver",
  "ssl",
  "importlib",
  "imp",
  "pkgutil",
  "zipimport",
  "runpy",
  "site",
  "pickle",
  "_pickle",
  "cPickle",
  "pickletools",
  "shelve",
  "marshal",
  "dill",
  "cloudpickle",
  "joblib",
  "ctypes",
  "_ctypes",
  "cffi",
  "code",
  "codeop",
  "pty",
  "pdb",
  "bdb",
  "trace",
  "timeit",
  "profile",
  "cProfile",
  "webbrowser",
  "urllib",
  "urllib2",
  "urllib3",
  "http",
  "httplib",
  "requests",
  "httpx",
  "aiohttp",
  "ftplib",
  "smtplib",
  "telnetlib",
  "poplib",
  "imaplib",
  "xmlrpc",
  "commands",
  "popen2",
  "platform",
  "multiprocessing",
  "concurrent",
  "asyncio",
  "threading",
  "_thread",
  "signal",
  "types",
  "operator",
  "functools",
  "inspect",
  "ast",
  "tempfile",
  "io",
  "_io",
  "pathlib",
  "glob",
  "fileinput",
  "tarfile",
  "zipfile",
  "sqlite3",
  "dbm",
  "__builtin__",
]);

/** Built-in functions that evaluate code, import, touch files or reach into objects. */
export const DANGEROUS_BUILTINS: ReadonlySet<string> = new Set([
  "eval",
  "exec",
  "execfile",
  "compile",
  "open",
  "file",
  "__import__",
  "breakpoint",
  "input",
  "raw_input",
  "exit",
  "quit",
  "getattr",
  "setattr",
  "delattr",
  "globals",
  "locals",
  "vars",
  "help",
  "reload",
  "memoryview",
]);

/** Functions of otherwise ordinary third-party packages that deserialize pickles or read arbitrary files. */
export const DANGEROUS_FUNCTIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["numpy", new Set(["load", "loads", "fromfile", "memmap", "loadtxt", "genfromtxt"])],
  ["torch", new Set(["load", "hub"])],
  ["pandas", new Set(["read_pickle", "read_csv", "read_hdf", "eval"])],
  ["scipy", new Set(["loadmat"])],
  ["yaml", new Set(["load", "unsafe_load", "full_load"])],
]);

/**
 * Functions inside Keras' namespace that have side effects beyond building a model: they download or
 * write files, load or save models, or turn safe mode off. Keras 3 lists several as NON_MODELING_APIS;
 * get_file is CVE-2025-8747.
 */
export const UNSAFE_KERAS_FUNCTIONS: ReadonlySet<string> = new Set([
  "get_file",
  "enable_unsafe_deserialization",
  "load_model",
  "save_model",
  "model_from_json",
  "model_from_yaml",
  "model_from_config",
  "clear_session",
  "load_img",
  "save_img",
  "image_dataset_from_directory",
  "text_dataset_from_directory",
  "audio_dataset_from_directory",
  "plot_model",
  "model_to_dot",
]);

/**
 * TensorFlow API names (as TFOpLambda stores them, without the `tf.` prefix) that touch files, run
 * Python, load native code or reach other hosts. A name matches when it equals an entry or starts with
 * an entry ending in ".".
 */
export const DANGEROUS_TF_SYMBOLS: readonly string[] = [
  "io.gfile.",
  "gfile.",
  "io.write_file",
  "io.read_file",
  "io.matching_files",
  "write_file",
  "read_file",
  "matching_files",
  "load_library",
  "load_op_library",
  "experimental.register_filesystem_plugin",
  "py_function",
  "numpy_function",
  "py_func",
  "experimental.numpy_function",
  "summary.",
  "saved_model.",
  "train.",
  "io.TFRecordWriter",
  "io.write_graph",
  "data.experimental.save",
  "data.Dataset.save",
  "data.experimental.load",
  "data.Dataset.load",
  "debugging.experimental.",
  "config.experimental_connect_to_",
  "distribute.",
  "tpu.",
  "keras.utils.get_file",
  "keras.models.load_model",
  "keras.config.enable_unsafe_deserialization",
];

/** Substrings of tf.raw_ops op names with the same effects (ReadFile, SaveV2, PyFunc, WriteSummary…). */
export const DANGEROUS_TF_RAW_OP_PARTS: readonly string[] = [
  "File",
  "Save",
  "Restore",
  "PyFunc",
  "Summary",
  "Checkpoint",
  "Debug",
  "TFRecord",
  "LoadLibrary",
  "ImmutableConst",
];

/** Layers that open their `vocabulary` when it is a string (a path or URL) — CVE-2025-12058. */
export const VOCABULARY_LAYERS: ReadonlySet<string> = new Set(["StringLookup", "IntegerLookup", "TextVectorization"]);
