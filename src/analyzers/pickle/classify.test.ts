import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PICKLE_ALLOWLIST } from "../../rules/data/pickle-allowlist.js";
import { PICKLE_DANGEROUS_ATTRIBUTES, PICKLE_DENYLIST, type DangerCategory } from "../../rules/data/pickle-denylist.js";
import { classifyGlobal } from "./classify.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "pickle-globals");
const CORPUS = join(ROOT, "..", "shared", "corpus");

interface RealGlobals {
  versions: Record<string, string>;
  globals: { module: string; name: string; usedBy: string[] }[];
}
interface CorpusGlobals {
  samples: { file: string; label: "malicious" | "benign"; format: string; what: string; globals: [string, string][] }[];
}

const realGlobals = JSON.parse(readFileSync(join(FIXTURES, "real-globals.json"), "utf8")) as RealGlobals;
const corpusGlobals = JSON.parse(readFileSync(join(FIXTURES, "corpus-globals.json"), "utf8")) as CorpusGlobals;

function expectDangerous(module: string, name: string, category?: DangerCategory): void {
  const verdict = classifyGlobal(module, name);
  expect(verdict, `${module} ${name}`).toMatchObject({ kind: "dangerous" });
  if (verdict.kind === "dangerous") {
    expect(verdict.reason.length, `${module} ${name} reason`).toBeGreaterThan(10);
    if (category !== undefined) expect(verdict.category, `${module} ${name} category`).toBe(category);
  }
}

/**
 * The global each malicious corpus sample uses, as its LABELS.tsv `what_it_does` line names it
 * (../shared/corpus/{picklescan,modelscan,modelaudit}/LABELS.tsv).
 */
const CORPUS_LABEL_GLOBALS: readonly [module: string, name: string, category: DangerCategory, sample: string][] = [
  ["os", "system", "process", "modelaudit exploit1/3/4/5/6/9, picklescan malicious11/23, keyerror-exploit"],
  ["subprocess", "call", "process", "modelaudit exploit2, memo_attack"],
  ["subprocess", "Popen", "process", "modelaudit exploit7"],
  ["subprocess", "run", "process", "picklescan malicious8"],
  ["builtins", "eval", "code-execution", "multiple_stream_attack, malicious1_v3/v4, malicious_eval.pt, mixed model.pkl"],
  ["__builtin__", "eval", "code-execution", "picklescan malicious1_v0, pytorch_magic_bypass"],
  ["builtins", "exec", "code-execution", "broken_model.pkl, sys_module_override_sploit"],
  ["__builtin__", "exec", "code-execution", "picklescan malicious10 (INST)"],
  ["nt", "system", "process", "nt_alias_attack"],
  ["posix", "system", "process", "posix_alias_attack, stack_global_attack, evil.pickle, malicious2_v*, unsafe_zip_pytorch.pt"],
  ["dill._dill", "_create_function", "code-object", "dill_func.pkl"],
  ["dill._dill", "_create_code", "code-object", "dill_func.pkl"],
  ["__builtin__", "globals", "gadget", "picklescan malicious0 (Sour Pickles)"],
  ["__builtin__", "compile", "code-object", "picklescan malicious0"],
  ["__builtin__", "apply", "gadget", "picklescan malicious0"],
  ["operator", "attrgetter", "gadget", "picklescan malicious12"],
  ["builtins", "__import__", "dynamic-import", "picklescan malicious12, GHSA-46h3-79wf-xr6c"],
  ["pickle", "loads", "deserialization", "picklescan malicious13a"],
  ["cPickle", "loads", "deserialization", "picklescan malicious13a (Python 2 name)"],
  ["_pickle", "loads", "deserialization", "picklescan malicious13b"],
  ["runpy", "_run_code", "code-execution", "picklescan malicious14"],
  ["bdb", "Bdb", "code-execution", "picklescan malicious15a"],
  ["bdb", "Bdb.run", "code-execution", "picklescan malicious15b"],
  ["pip", "main", "process", "picklescan malicious16 (CVE-2025-1716)"],
  ["torch._inductor.codecache", "compile_file", "code-execution", "picklescan malicious17"],
  ["pydoc", "pipepager", "process", "picklescan malicious18"],
  ["torch.serialization", "load", "deserialization", "picklescan malicious19"],
  ["venv", "create", "process", "picklescan malicious20"],
  ["httplib", "HTTPSConnection", "network", "picklescan malicious3"],
  ["requests.api", "get", "network", "picklescan malicious4, malicious6"],
  ["aiohttp.client", "ClientSession", "network", "picklescan malicious5"],
  ["socket", "create_connection", "network", "picklescan malicious7"],
  ["sys", "exit", "exit", "picklescan malicious9"],
  ["asyncio.unix_events", "_UnixSubprocessTransport._start", "process", "GHSA-jgw4-cr84-mqxg, GHSA-q77w-mwjj-7mqx"],
  ["cloudpickle.cloudpickle", "_make_function", "code-object", "cloudpickle_codeinjection"],
  ["cloudpickle.cloudpickle", "_builtin_type", "code-object", "cloudpickle_codeinjection"],
  ["ssl", "get_server_certificate", "network", "dns_exfiltration.npy"],
  ["_io", "FileIO", "filesystem", "io_FileIO.pkl (GHSA-9726-w42j-3qjr)"],
  ["logging", "FileHandler", "filesystem", "logging_FileHandler.pkl (GHSA-m7j5-r2p5-c39r)"],
  ["timeit", "timeit", "code-execution", "malicious21"],
  ["numpy.testing._private.utils", "runstring", "code-execution", "malicious22"],
  ["types", "CodeType", "code-object", "types_CodeType.pkl"],
  ["urllib.request", "urlopen", "network", "urllib_request_urlopen.pkl"],
  ["_pyrepl.pager", "pipe_pager", "process", "GHSA-g38g-8gr9-h9xp pyrepl"],
  ["test.support.script_helper", "assert_python_ok", "process", "GHSA-g38g-8gr9-h9xp test"],
  ["uuid", "_get_command_stdout", "process", "GHSA-g38g-8gr9-h9xp uuid"],
  ["_osx_support", "_read_output", "process", "GHSA-g38g-8gr9-h9xp osx-support"],
  ["_aix_support", "_read_cmd_output", "process", "GHSA-g38g-8gr9-h9xp aix-support"],
  ["imaplib", "IMAP4_stream", "process", "GHSA-g38g-8gr9-h9xp imaplib"],
  ["torch.utils.bottleneck.__main__", "run_cprofile", "code-execution", "GHSA-4r9r-ch6f-vxmx"],
  ["torch.utils.bottleneck.__main__", "run_autograd_prof", "code-execution", "GHSA-4whj-rm5r-c2v8"],
  ["torch._dynamo.guards", "GuardBuilder.get", "code-execution", "GHSA-86cj-95qr-2p4f"],
  ["torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression", "code-execution", "GHSA-f4x7-rfwp-v3xw"],
  ["torch.utils.collect_env", "run", "process", "GHSA-f745-w6jp-hpxx"],
  ["torch.utils.collect_env", "run_and_read_all", "process", "GHSA-jhph-76pp-mggw"],
  ["torch.utils.data.datapipes.utils.decoder", "basichandlers", "deserialization", "GHSA-h3qp-7fh3-f8h4"],
  ["torch.jit.unsupported_tensor_ops", "execWrapper", "code-execution", "GHSA-vr7h-p6mm-wpmh"],
  ["torch.utils._config_module", "ConfigModule.load_config", "deserialization", "GHSA-vv6j-3g6g-2pvj"],
  ["trace", "Trace.run", "code-execution", "GHSA-5qwp-399c-mjwf"],
  ["trace", "Trace.runctx", "code-execution", "GHSA-g344-hcph-8vgg"],
  ["profile", "Profile.run", "code-execution", "GHSA-x696-vm39-cp64"],
  ["profile", "Profile.runctx", "code-execution", "GHSA-6vqj-c2q5-j97w"],
  ["profile", "run", "code-execution", "GHSA-7wx9-6375-f5wh"],
  ["lib2to3.pgen2.grammar", "Grammar.loads", "deserialization", "GHSA-f54q-57x4-jg88"],
  ["lib2to3.pgen2.pgen", "ParserGenerator.make_label", "code-execution", "GHSA-p9w7-82w4-7q8m"],
  ["idlelib.debugobj", "ObjectTreeItem.SetText", "code-execution", "GHSA-3vg9-h568-4w9m"],
  ["idlelib.autocomplete", "AutoComplete.get_entity", "code-execution", "GHSA-6w4w-5w54-rjvr"],
  ["idlelib.autocomplete", "AutoComplete.fetch_completions", "code-execution", "GHSA-7cq8-mj8x-j263"],
  ["code", "InteractiveInterpreter.runcode", "code-execution", "GHSA-cj3c-v495-4xqh"],
  ["idlelib.calltip", "Calltip.fetch_tip", "code-execution", "GHSA-8r4j-24qv-fmq9"],
  ["idlelib.calltip", "get_entity", "code-execution", "GHSA-9xph-j2h6-g47v"],
  ["ensurepip", "_run_pip", "process", "GHSA-xp4f-hrf8-rxw7"],
  ["idlelib.run", "Executive.runcode", "code-execution", "GHSA-m869-42cg-3xwr"],
  ["idlelib.pyshell", "ModifiedInterpreter.runcommand", "code-execution", "GHSA-j343-8v2j-ff7w"],
  ["idlelib.pyshell", "ModifiedInterpreter.runcode", "code-execution", "GHSA-3gf5-cxq9-w223"],
  ["doctest", "debug_script", "code-execution", "GHSA-fqq6-7vqf-w3fg"],
  ["cProfile", "runctx", "code-execution", "GHSA-9w88-8rmg-7g2p"],
  ["cProfile", "run", "code-execution", "GHSA-49gj-c84q-6qm9"],
  ["distutils.file_util", "write_file", "filesystem", "GHSA-m273-6v24-x4m4"],
  ["ctypes", "CDLL", "native-code", "GHSA-4675-36f9-wf6r"],
  ["operator", "methodcaller", "gadget", "GHSA-84r2-jw7c-4r5q"],
  ["pydoc", "locate", "dynamic-import", "GHSA-84r2-jw7c-4r5q"],
  ["pty", "spawn", "process", "GHSA-vqmv-47xg-9wpr"],
  ["numpy.f2py.crackfortran", "getlincoef", "code-execution", "GHSA-r8g5-cgf2-4m4m"],
  ["pkgutil", "resolve_name", "dynamic-import", "GHSA-vvpj-8cmc-gx39"],
  ["_operator", "attrgetter", "gadget", "GHSA-46h3-79wf-xr6c"],
  ["_operator", "methodcaller", "gadget", "GHSA-955r-x9j8-7rhh"],
  ["torch", "_utils", "gadget", "sys_module_override_sploit (module object rewritten with BUILD)"],
];

describe("classifyGlobal: globals the corpus's malicious samples use", () => {
  it.each(CORPUS_LABEL_GLOBALS)("%s.%s is dangerous (%s) — %s", (module, name, category) => {
    expectDangerous(module, name, category);
  });

  it("every malicious corpus pickle imports at least one dangerous global, and no benign one does", () => {
    // corpus-globals.json is what gen_corpus_globals.py found walking the corpus pickles with pickletools
    expect(corpusGlobals.samples.length).toBeGreaterThan(100);
    const misses: string[] = [];
    const falseAlarms: string[] = [];
    for (const sample of corpusGlobals.samples) {
      const dangerous = sample.globals.filter(([m, n]) => classifyGlobal(m, n).kind === "dangerous");
      if (sample.label === "malicious" && dangerous.length === 0) misses.push(sample.file);
      if (sample.label === "benign" && dangerous.length > 0) falseAlarms.push(`${sample.file}: ${dangerous.join(" ")}`);
    }
    expect(misses).toEqual([]);
    expect(falseAlarms).toEqual([]);
  });

  it("the ML-looking decoys next to the payloads stay safe, so the payload is what gets reported", () => {
    for (const [m, n] of [["torch", "FloatStorage"], ["collections", "OrderedDict"], ["torch._utils", "_rebuild_tensor_v2"], ["torch.nn.modules.linear", "Linear"]] as const) {
      expect(classifyGlobal(m, n), `${m}.${n}`).toEqual({ kind: "safe" });
    }
  });

  describe.skipIf(!existsSync(join(CORPUS, "picklescan", "LABELS.tsv")))("against ../shared/corpus", () => {
    it("corpus-globals.json covers every malicious pickle sample that imports something", () => {
      const listed = new Set(corpusGlobals.samples.map((s) => s.file));
      for (const source of ["picklescan", "modelscan", "modelaudit"]) {
        const rows = readFileSync(join(CORPUS, source, "LABELS.tsv"), "utf8").trim().split("\n").slice(1);
        for (const row of rows) {
          const [path, label, format, what] = row.split("\t") as [string, string, string, string];
          const pickleLike = /^pickle/.test(format) && label === "malicious" && !what.startsWith("[inert");
          if (pickleLike) expect(listed.has(`${source}/${path}`), `${source}/${path}`).toBe(true);
        }
      }
    });
  });
});

describe("classifyGlobal: globals real model files use", () => {
  it("the fixture was generated from real libraries", () => {
    expect(Object.keys(realGlobals.versions)).toEqual(expect.arrayContaining(["torch", "numpy", "sklearn", "pandas", "xgboost", "scipy"]));
    expect(realGlobals.globals.length).toBeGreaterThan(200);
  });

  it.each(realGlobals.globals.map((g) => [g.module, g.name, g.usedBy[0] ?? ""] as const))("%s.%s is safe (%s)", (module, name) => {
    expect(classifyGlobal(module, name)).toEqual({ kind: "safe" });
  });

  it.each([
    ["numpy._core.multiarray", "_reconstruct", "numpy 2 arrays"],
    ["numpy._core.multiarray", "scalar", "numpy 2 scalars"],
    ["numpy._core.numeric", "_frombuffer", "numpy 2 protocol-5 arrays"],
    ["numpy.random._pcg64", "PCG64", "bit generator class"],
    ["numpy.random.mtrand", "RandomState", "RandomState class"],
    ["copyreg", "__newobj__", "protocol 2 objects"],
    ["copyreg", "__newobj_ex__", "protocol 4 objects with kwargs"],
    ["torch", "bfloat16", "dtype"],
    ["torch._utils", "_rebuild_parameter_with_state", "torch 2 parameters"],
    ["torch._tensor", "_rebuild_from_type_v2", "tensor subclasses"],
    ["torch.nn.modules.conv", "Conv3d", "layer class not in the generated files"],
    ["torch.jit._pickle", "restore_type_tag", "TorchScript"],
    ["__torch__.my_model", "Net", "TorchScript class"],
    ["sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper", "old vendored joblib"],
    ["sklearn.ensemble._hist_gradient_boosting.predictor", "TreePredictor", "sklearn class"],
    ["sklearn._loss._loss", "__pyx_unpickle_CyHalfSquaredError", "Cython unpickle helper"],
    ["lightgbm.sklearn", "LGBMClassifier", "LightGBM"],
    ["transformers.training_args", "TrainingArguments", "training_args.bin"],
    ["argparse", "Namespace", "saved CLI args"],
  ])("%s.%s is safe (%s)", (module, name) => {
    expect(classifyGlobal(module, name)).toEqual({ kind: "safe" });
  });
});

describe("classifyGlobal: aliases", () => {
  it.each([
    ["__builtins__", "exec", "code-execution"],
    ["posix", "system", "process"],
    ["nt", "spawnv", "process"],
    ["posixpath", "exists", "filesystem"],
    ["_operator", "itemgetter", "gadget"],
    ["cPickle", "load", "deserialization"],
    ["_pickle", "Unpickler", "deserialization"],
    ["_io", "open", "filesystem"],
    ["_pyio", "FileIO", "filesystem"],
    ["httplib", "HTTPConnection", "network"],
    ["urllib2", "urlopen", "network"],
    ["urllib", "urlretrieve", "network"],
    ["commands", "getoutput", "process"],
    ["copy_reg", "add_extension", "gadget"],
    ["__builtin__", "reduce", "gadget"],
    ["_functools", "reduce", "gadget"],
    ["_socket", "socket", "network"],
    ["_ctypes", "dlopen", "native-code"],
    ["SocketServer", "TCPServer", "network"],
    ["xmlrpclib", "ServerProxy", "network"],
    ["numpy._core.multiarray", "fromfile", "filesystem"],
    ["numpy.lib._npyio_impl", "load", "deserialization"],
    ["sklearn.externals.joblib", "load", "deserialization"],
    ["joblib.externals.cloudpickle", "subimport", "code-object"],
  ] as const)("%s.%s is dangerous (%s)", (module, name, category) => {
    expectDangerous(module, name, category);
  });

  it("maps Python 2 builtins the way CPython's unpickler does", () => {
    for (const name of ["long", "xrange", "unicode", "basestring", "set", "object"]) {
      expect(classifyGlobal("__builtin__", name), name).toEqual({ kind: "safe" });
    }
  });
});

describe("classifyGlobal: dotted names", () => {
  it.each([
    ["bdb", "Bdb.run", "code-execution"],
    ["pathlib", "os.system", "process"],
    ["uuid", "os.system", "process"],
    ["torch", "serialization.load", "deserialization"],
    ["torch", "ops.load_library", "native-code"],
    ["numpy", "f2py.crackfortran.getlincoef", "code-execution"],
    ["collections", "abc.sys.modules", "gadget"],
    ["sklearn.base", "np.load", "deserialization"],
    ["pandas.core.frame", "DataFrame.to_pickle", "filesystem"],
    ["pandas.core.frame", "DataFrame.query", "filesystem"],
    ["pathlib", "Path.write_text", "filesystem"],
    ["pathlib", "PosixPath.unlink", "filesystem"],
    ["numpy", "ndarray.tofile", "filesystem"],
    ["torch.nn.modules.linear", "Linear.__init__.__globals__", "gadget"],
    ["builtins", "object.__subclasses__", "gadget"],
    ["builtins", "type.__getattribute__", "gadget"],
    ["some_module", "Thing.posix.system", "process"],
  ] as const)("%s + %s is dangerous (%s)", (module, name, category) => {
    expectDangerous(module, name, category);
  });

  it("dotted names under allowlisted classes are not safe unless listed", () => {
    expect(classifyGlobal("sklearn.linear_model._logistic", "LogisticRegression.fit")).toEqual({ kind: "unknown" });
    expect(classifyGlobal("torch.nn.modules.linear", "Linear.forward")).toEqual({ kind: "unknown" });
    expect(classifyGlobal("collections", "OrderedDict.fromkeys")).toEqual({ kind: "unknown" });
  });

  it("nested-class qualnames of unknown modules stay unknown", () => {
    expect(classifyGlobal("mypkg.models", "Outer.Inner")).toEqual({ kind: "unknown" });
  });
});

describe("classifyGlobal: submodules and specificity", () => {
  it.each([
    ["asyncio.unix_events", "_UnixSubprocessTransport", "process"],
    ["asyncio.subprocess", "create_subprocess_shell", "process"],
    ["multiprocessing.popen_fork", "Popen", "process"],
    ["http.server", "HTTPServer", "network"],
    ["importlib.machinery", "SourceFileLoader", "dynamic-import"],
    ["xmlrpc.client", "ServerProxy", "network"],
    ["distutils.spawn", "spawn", "filesystem"],
    ["logging.handlers", "SocketHandler", "filesystem"],
    ["torch.hub", "load", "network"],
    ["torch._inductor.codecache", "AsyncCompile", "code-execution"],
    ["idlelib.whatever", "Anything", "code-execution"],
  ] as const)("%s.%s is dangerous (%s) through its parent module", (module, name, category) => {
    expectDangerous(module, name, category);
  });

  it("the most specific entry gives the category and the nested-pickle flag", () => {
    expect(classifyGlobal("pickle", "loads")).toMatchObject({ kind: "dangerous", category: "deserialization", nestedPickleArg: true });
    expect(classifyGlobal("pickle", "Unpickler")).not.toHaveProperty("nestedPickleArg");
    expect(classifyGlobal("os", "system")).toMatchObject({ category: "process" });
    expect(classifyGlobal("os", "remove")).toMatchObject({ category: "filesystem" });
    expect(classifyGlobal("os", "_exit")).toMatchObject({ category: "exit" });
    expect(classifyGlobal("imaplib", "IMAP4")).toMatchObject({ category: "network" });
    expect(classifyGlobal("imaplib", "IMAP4_stream")).toMatchObject({ category: "process" });
    expect(classifyGlobal("dill", "loads")).toMatchObject({ category: "deserialization", nestedPickleArg: true });
    expect(classifyGlobal("dill._dill", "_import_module")).toMatchObject({ category: "dynamic-import" });
  });

  it("flags the callables that unpickle their bytes argument", () => {
    for (const [m, n] of [
      ["pickle", "loads"],
      ["_pickle", "loads"],
      ["cPickle", "loads"],
      ["dill", "loads"],
      ["cloudpickle", "loads"],
      ["torch.storage", "_load_from_bytes"],
      ["torch.utils._config_module", "ConfigModule.load_config"],
      ["torch.utils.data.datapipes.utils.decoder", "basichandlers"],
      ["lib2to3.pgen2.grammar", "Grammar.loads"],
      ["numpy", "loads"],
    ] as const) {
      expect(classifyGlobal(m, n), `${m}.${n}`).toMatchObject({ kind: "dangerous", nestedPickleArg: true });
    }
    expect(classifyGlobal("torch", "load")).not.toHaveProperty("nestedPickleArg");
    expect(classifyGlobal("joblib", "load")).not.toHaveProperty("nestedPickleArg");
  });
});

describe("classifyGlobal: deny wins over allow", () => {
  it.each([
    ["torch._inductor.codecache", "compile_file", "torch is allowed in part"],
    ["torch", "load", "torch dtypes and storages are allowed"],
    ["torch", "save", "same module as torch.Size"],
    ["torch.serialization", "load", "torch.serialization._get_layout is allowed"],
    ["torch.storage", "_load_from_bytes", "torch.storage.UntypedStorage is allowed"],
    ["numpy.f2py.crackfortran", "getlincoef", "numpy is allowed in part"],
    ["numpy", "load", "numpy.ndarray is allowed"],
    ["numpy", "memmap", "numpy.ndarray is allowed"],
    ["numpy.testing._private.utils", "runstring", "numpy"],
    ["sklearn.utils._testing", "TempMemmap", "sklearn classes are allowed"],
    ["sklearn.datasets._openml", "OpenMLError", "sklearn classes are allowed"],
    ["sklearn.utils._joblib", "Memory", "sklearn classes are allowed"],
    ["pandas", "HDFStore", "pandas top-level types are allowed"],
    ["pandas.io.pytables", "HDFStore", "pandas.core classes are allowed"],
    ["pandas.core.computation.expr", "Expr", "pandas.core classes are allowed"],
    ["pandas._libs.parsers", "TextReader", "pandas._libs classes are allowed"],
    ["uuid", "getnode", "uuid.UUID is allowed"],
    ["uuid", "uuid1", "uuid.UUID is allowed"],
    ["joblib.numpy_pickle", "load", "joblib.numpy_pickle.NumpyArrayWrapper is allowed"],
    ["joblib.numpy_pickle_compat", "NDArrayWrapper", "loads the file it names with allow_pickle"],
  ] as const)("%s.%s is dangerous (%s)", (module, name, _why) => {
    expectDangerous(module, name);
  });

  it("no explicitly allowlisted name is also denied (a reviewer would have to pick one)", () => {
    const contradictions: string[] = [];
    for (const entry of PICKLE_ALLOWLIST) {
      for (const name of entry.names) {
        if (classifyGlobal(entry.module, name).kind !== "safe") contradictions.push(`${entry.module}.${name}`);
      }
    }
    expect(contradictions).toEqual([]);
  });
});

describe("classifyGlobal: module objects and introspection attributes", () => {
  it.each([
    ["torch", "nn"],
    ["torch", "utils"],
    ["torch.utils", "data"],
    ["numpy", "random"],
    ["numpy", "core"],
    ["os", "path"],
    ["collections", "abc"],
  ] as const)("%s.%s (a module object) is dangerous", (module, name) => {
    expectDangerous(module, name);
  });

  it.each(PICKLE_DANGEROUS_ATTRIBUTES.map((a) => [a.name] as const))("a path through %s is dangerous", (attribute) => {
    expectDangerous("mypkg.models", `Model.${attribute}`);
    expectDangerous("torch.nn.modules.linear", `Linear.${attribute}`);
  });

  it("a module's __dict__ is dangerous on its own (SETITEM on it overwrites functions)", () => {
    expectDangerous("tests.test_pickle_scanner", "__dict__", "gadget");
    expectDangerous("torch._utils", "__dict__", "gadget");
  });
});

describe("classifyGlobal: class-shaped wildcards", () => {
  it("wildcard allow entries with classesOnly accept classes, not functions", () => {
    expect(classifyGlobal("torch.nn.modules.module", "Module")).toEqual({ kind: "safe" });
    expect(classifyGlobal("torch.nn.modules.module", "register_module_forward_hook")).toEqual({ kind: "unknown" });
    expect(classifyGlobal("sklearn.base", "BaseEstimator")).toEqual({ kind: "safe" });
    expect(classifyGlobal("sklearn.base", "clone")).toEqual({ kind: "unknown" });
    expect(classifyGlobal("sklearn.tree", "export_graphviz")).toEqual({ kind: "unknown" });
    expect(classifyGlobal("pandas.core.frame", "DataFrame")).toEqual({ kind: "safe" });
    expect(classifyGlobal("pandas.core.frame", "_from_nested_dict")).toEqual({ kind: "unknown" });
  });
});

describe("classifyGlobal: unknowns", () => {
  it.each([
    ["__main__", "MyModel"],
    ["mypkg.models", "Net"],
    ["builtins", "len"],
    ["builtins", "memoryview"],
    ["email.message", "Message"],
    ["urllib.parse", "urlparse"],
    ["torch.nn", "Linear"],
    ["sklearn.utils.discovery", "Path"],
    ["sklearn.utils._available_if", "MethodType"],
    ["_collections", "deque"],
    ["torch.utils.data", "DataLoader"],
    ["scipy.stats._continuous_distns", "norm_gen"],
    ["transformers.models.bert.modeling_bert", "BertModel"],
    ["tokenizers", "Tokenizer"],
  ] as const)("%s.%s is unknown", (module, name) => {
    expect(classifyGlobal(module, name)).toEqual({ kind: "unknown" });
  });

  it.each([
    ["", "system"],
    ["os", ""],
    ["<non-string>", "os"],
    ["os", "sys tem"],
    ["os ", "system"],
    ["os", "system\n"],
    [".os", "system"],
    ["os", "system."],
    ["os..path", "join"],
    ["torch", "<locals>.f"],
  ] as const)("odd names (%j, %j) are unknown", (module, name) => {
    expect(classifyGlobal(module, name)).toEqual({ kind: "unknown" });
  });

  it("returns the same verdict on repeated calls (cache)", () => {
    const first = classifyGlobal("os", "system");
    expect(classifyGlobal("os", "system")).toEqual(first);
    for (let i = 0; i < 5_000; i++) classifyGlobal("mypkg", `Class${i}`);
    expect(classifyGlobal("os", "system")).toEqual(first);
  });
});

describe("pickle deny/allow data", () => {
  const identifierPath = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

  it("every deny entry is well-formed and has a reason", () => {
    for (const entry of PICKLE_DENYLIST) {
      expect(entry.module, JSON.stringify(entry)).toMatch(identifierPath);
      expect(entry.reason.length, entry.module).toBeGreaterThan(10);
      if (entry.names !== "*") {
        expect(entry.names.length, entry.module).toBeGreaterThan(0);
        for (const name of entry.names) expect(name, entry.module).toMatch(identifierPath);
      }
      if (entry.ref !== undefined) expect(entry.ref, entry.module).toMatch(/(GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}|CVE-\d{4}-\d+)/);
    }
  });

  it("every allow entry is well-formed and has a reason", () => {
    for (const entry of PICKLE_ALLOWLIST) {
      expect(entry.module, JSON.stringify(entry)).toMatch(identifierPath);
      expect(entry.reason.length, entry.module).toBeGreaterThan(10);
      for (const name of entry.names) expect(name, entry.module).toMatch(identifierPath);
    }
  });

  it("no deny path is listed twice", () => {
    const seen = new Map<string, number>();
    for (const entry of PICKLE_DENYLIST) {
      const paths = entry.names === "*" ? [`${entry.module} *`] : entry.names.map((n) => `${entry.module}.${n}`);
      for (const p of paths) seen.set(p, (seen.get(p) ?? 0) + 1);
    }
    expect([...seen].filter(([, count]) => count > 1)).toEqual([]);
  });
});
