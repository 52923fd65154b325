#!/usr/bin/python3
"""Generates src/rules/data/pickle-allowlist.generated.ts from the real libraries.

Run with Debian's CPython and its python3-* packages (the versions are recorded in the output):

    /usr/bin/python3 tools/pickle-allowlist/generate.py           # writes the output files
    /usr/bin/python3 tools/pickle-allowlist/generate.py --check   # exit 1 when the committed files differ

What it lists, per module, is what pickle writes and what Unpickler.find_class resolves: a class `cls` is listed
as (module, qualname) only when `cls.__module__ == module`, its `__qualname__` has no `<locals>`, and walking the
qualname from `sys.modules[module]` returns `cls` itself. Re-exports (sklearn.utils.discovery.Path is
pathlib.Path), module objects, aliases and functions are never listed as classes. GENERATED_FUNCTIONS holds only
the reduce/rebuild helpers that library `__reduce__` methods return (HELPER_PATTERNS, HELPER_FUNCTIONS).

What it leaves out, and why, is reviewed in this file:
- HAND_EXCLUDED: module prefixes (never imported) and classes that touch files, processes, the network, imports
  or code at load.
- an automatic source check (risk_findings): every Python-level method the unpickler, or a callable it is handed,
  can trigger on a class (TRIGGER_METHODS, resolved through the MRO), and what those methods call within the same
  library (self.x(), cls.x(), super().x(), module-level functions and classes, up to CALL_DEPTH calls deep), is
  searched for RISKY_TOKENS. A hit excludes the class; tools/pickle-allowlist/excluded.txt lists every one with the
  token and the function it is in. REINCLUDE_FINDINGS holds the hits reviewed as harmless, each with a reason.
"""

from __future__ import annotations

import os

# Nothing here may use the network, a GPU or many threads; set before any library is imported.
os.environ.update(
    {
        "CUDA_VISIBLE_DEVICES": "",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "NO_PROXY": "*",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "NUMEXPR_MAX_THREADS": "1",
        "MPLBACKEND": "Agg",
        "NLTK_DATA": "/nonexistent-nltk-data",
        "GENSIM_DATA_DIR": "/nonexistent-gensim-data",
        "TORCH_HOME": "/nonexistent-torch-home",
        "PYTHONWARNINGS": "ignore",
    }
)

import argparse
import ast
import contextlib
import difflib
import enum
import fnmatch
import importlib
import inspect
import io
import json
import pkgutil
import platform
import re
import socket
import sys
import textwrap
import time
import types
import warnings

sys.dont_write_bytecode = True
warnings.simplefilter("ignore")


def _no_network(*_args, **_kwargs):
    raise OSError("tools/pickle-allowlist/generate.py: network access is disabled")


socket.socket.connect = _no_network  # type: ignore[method-assign]
socket.socket.connect_ex = _no_network  # type: ignore[method-assign]
socket.create_connection = _no_network  # type: ignore[assignment]
socket.getaddrinfo = _no_network  # type: ignore[assignment]

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUTPUT_TS = os.path.join(REPO, "src", "rules", "data", "pickle-allowlist.generated.ts")
OUTPUT_EXCLUDED = os.path.join(HERE, "excluded.txt")

#: The whole run (imports included) must finish within this many seconds; past it the script fails rather than
#: write a partial, non-reproducible list.
TIME_BUDGET_S = 170.0

# --------------------------------------------------------------------------------------------------- what to walk


class Root:
    """A module to read, optionally with every submodule below it."""

    def __init__(self, module: str, walk: bool = True, classes: bool = True, functions: bool = True, only=None):
        self.module = module
        self.walk = walk
        self.classes = classes
        self.functions = functions
        #: explicit names (qualnames) to consider in `module` itself; None = every name
        self.only = None if only is None else frozenset(only)


TORCH_TOP_LEVEL = [
    "Size", "device", "dtype", "layout", "memory_format", "qscheme", "finfo", "iinfo",
    "BFloat16Storage", "BoolStorage", "ByteStorage", "CharStorage", "ComplexDoubleStorage", "ComplexFloatStorage",
    "DoubleStorage", "FloatStorage", "HalfStorage", "IntStorage", "LongStorage", "QInt32Storage", "QInt8Storage",
    "QUInt2x4Storage", "QUInt4x2Storage", "QUInt8Storage", "ShortStorage",
    "BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor",
    "IntTensor", "LongTensor", "ShortTensor", "Tensor",
]  # fmt: skip

#: library (distribution whose version is recorded) → roots. The torch top level is an explicit list: most classes
#: whose __module__ is "torch" are TorchScript/JIT bindings (PyTorchFileReader/Writer open files by name,
#: ScriptModule, Graph, FileCheck, ThroughputBenchmark…), not data.
LIBRARIES: dict[str, list[Root]] = {
    "torch": [
        Root("torch", walk=False, functions=False, only=TORCH_TOP_LEVEL),
        Root("torch._tensor", walk=False),
        Root("torch._utils", walk=False, classes=False),
        Root("torch.storage", walk=False, functions=False),
        Root("torch.serialization", walk=False, classes=False),
        Root("torch.jit._pickle", walk=False, classes=False),
        Root("torch.nn"),
        Root("torch.optim"),
        Root("torch.distributions"),
        Root("torch.utils.data", functions=False),
    ],
    "torchvision": [
        Root("torchvision.transforms"),
        Root("torchvision.models"),
        # nn.Module building blocks detection/segmentation checkpoints pickle (misc.Conv2dNormActivation,
        # SqueezeExcitation, stochastic_depth.StochasticDepth, FeaturePyramidNetwork, MultiScaleRoIAlign…)
        Root("torchvision.ops"),
    ],
    "numpy": [Root("numpy")],
    "scipy": [Root("scipy.sparse"), Root("scipy.stats"), Root("scipy.spatial"), Root("scipy.interpolate")],
    "sklearn": [Root("sklearn")],
    "joblib": [Root("joblib.numpy_pickle", walk=False)],
    "pandas": [Root("pandas.core"), Root("pandas._libs"), Root("pandas.tseries")],
    "statsmodels": [Root("statsmodels")],
    "xgboost": [Root("xgboost")],
    "nltk": [
        Root("nltk.classify"),
        Root("nltk.tokenize"),
        Root("nltk.probability"),
        Root("nltk.stem"),
        # pickled taggers: perceptron.PerceptronTagger/AveragedPerceptron, the sequential n-gram/affix/regexp
        # taggers, hmm, tnt, brill (the wrappers of external binaries are HAND_EXCLUDED)
        Root("nltk.tag"),
        # pickled chunkers: regexp.RegexpParser/ChunkRule…, named_entity.NEChunkParser, util.ChunkScore
        Root("nltk.chunk"),
    ],
    # gensim.models already covers gensim.models.phrases (Phrases, FrozenPhrases)
    "gensim": [Root("gensim.models"), Root("gensim.corpora.dictionary"), Root("gensim.corpora.hashdictionary")],
    "networkx": [Root("networkx.classes")],
    # Debian's python3-optuna: studies' data classes as pickled by joblib.dump(study/sampler) and optuna's
    # storages. Only these modules: the RDB/Redis/journal storages connect to databases and write files, Study
    # holds a storage, and integration/visualization/cli import other frameworks.
    "optuna": [
        Root("optuna.trial._frozen", walk=False),  # FrozenTrial
        Root("optuna.trial._state", walk=False),  # TrialState (an enum)
        Root("optuna.study._study_direction", walk=False),  # StudyDirection (an enum)
        Root("optuna.study._frozen", walk=False),  # FrozenStudy
        Root("optuna.distributions", walk=False),  # Float/Int/Categorical and the deprecated Uniform… distributions
        Root("optuna.samplers"),  # TPE, CMA-ES, NSGA-II, random, grid, QMC, partial-fixed samplers
        Root("optuna.pruners"),  # median, percentile, hyperband, successive-halving, threshold, patient pruners
        Root("optuna.storages._in_memory", walk=False),  # InMemoryStorage (its __setstate__ only makes a new lock)
    ],
}

#: Standard-library modules and the classes taken from each (None = every class that passes the checks). Also
#: checked by the source check. copyreg, builtins, _codecs and re._compile are in the hand-written allowlist.
STDLIB: dict[str, list[str] | None] = {
    "collections": None,
    "datetime": None,
    "decimal": None,
    "fractions": ["Fraction"],
    "uuid": ["UUID", "SafeUUID"],
    "pathlib": ["PurePath", "PurePosixPath", "PureWindowsPath"],  # Path/PosixPath construct fine but their methods read and write files
    "argparse": ["Namespace"],
    "types": ["SimpleNamespace"],
    "re": ["Pattern", "RegexFlag"],
    "array": ["array"],
    "enum": ["Enum", "IntEnum", "Flag", "IntFlag", "StrEnum", "ReprEnum"],
    "ipaddress": None,  # IPv4/IPv6 Address, Network, Interface (pickle as cls(str/int)) and their value errors
    # the urlsplit/urlparse/urldefrag result named tuples only; the module's functions are not listed
    "urllib.parse": ["SplitResult", "ParseResult", "DefragResult", "SplitResultBytes", "ParseResultBytes", "DefragResultBytes"],
    # ZoneInfo pickles as ZoneInfo._unpickle(key, from_cache) (HELPER_FUNCTIONS); both read the system tzdata
    # file named by key (zoneinfo rejects absolute keys and keys that leave TZPATH), a bounded read of tz data
    "zoneinfo": ["ZoneInfo"],
    "http": ["HTTPStatus", "HTTPMethod"],  # enums
    "numbers": None,  # abstract base classes (no instances); pickles only reference the classes
    # string.Template is left out on purpose: substitute() reads arbitrary attributes through its pattern
}

#: Besides their listed names, the Enum subclasses defined in each STDLIB module are taken (re.RegexFlag,
#: uuid.SafeUUID, enum.FlagBoundary/EnumCheck, http.HTTPStatus…): members pickle as cls(value) or getattr(cls, name).
STDLIB_ENUMS = True

#: Module path segments never imported: test suites, benchmarks, examples, build and CLI entry points (importing
#: __main__ or setup runs them).
SKIP_SEGMENTS = frozenset(
    [
        "tests", "test", "testing", "_testing", "conftest", "benchmarks", "benchmark", "examples", "example",
        "__main__", "setup", "_build_utils", "_pyinstaller", "scripts", "docs", "sandbox",
    ]
)  # fmt: skip

#: Reviewed exclusions: module prefixes (neither imported nor listed) and single classes, each with its reason.
HAND_EXCLUDED: dict[str, str] = {
    # torch
    "torch.utils.tensorboard": "writes event files, imports tensorboard",
    "torch.hub": "downloads and imports repositories",
    "torch.utils.cpp_extension": "compiles and loads native code",
    "torch.multiprocessing": "starts processes, shares memory by file descriptor",
    "torch.distributed": "process groups, RPC and sockets",
    "torch.nn.parallel.distributed": "DistributedDataParallel joins process groups when built or unpickled",
    "torch.jit": "TorchScript compiles source strings (only torch.jit._pickle's list builders are read, as functions)",
    "torch.package": "imports modules from archives",
    "torch.utils.data._utils": "DataLoader worker machinery: worker processes, pin-memory threads, queues",
    "torch.utils.data.datapipes": "file openers, stream readers and decoders; DataPipe.__getattr__ calls registered functions by name",
    "torch.utils.data.communication": "worker-process communication (queues, threads)",
    "torch.utils.data.dataloader": "DataLoader iterators start worker processes and threads",
    "torch.utils.data.dataloader_experimental": "DataLoader2 starts worker processes",
    "torch.nn.utils.parametrize": "builds classes at run time",
    "torchvision.io": "reads and writes image and video files",
    "torchvision.datasets": "downloads and reads files",
    # numpy
    "numpy.distutils": "compiler drivers, runs commands",
    "numpy.f2py": "compiles and imports Fortran extensions",
    "numpy.testing": "test helpers, run commands",
    "numpy.ctypeslib": "loads shared libraries by path",
    "numpy.core.memmap": "memmap opens, creates and overwrites files by name",
    "numpy.lib._datasource": "DataSource opens files and URLs",
    "numpy.lib.npyio": "NpzFile/BagObj read archives from files",
    "numpy.lib._iotools": "genfromtxt's parsers: converters call functions and mutate class-level tables",
    "numpy.compat": "file-handle helpers",
    "numpy.core._internal": "ctypes views of raw memory addresses",
    "numpy.typing": "type-checking aids (mypy plugin), no data",
    "numpy._typing": "type-checking aids, no data",
    "numpy.array_api": "experimental namespace, no data pickled",
    "numpy._pytesttester": "PytestTester (numpy.test) runs the test suite when called",
    # scipy
    "scipy.io": "reads and writes files (MATLAB, NetCDF, Fortran, WAV…)",
    "scipy.weave": "compiles and runs C code",
    "scipy.sparse.linalg": "solvers and operators that wrap callables; not data containers",
    "scipy._lib": "internal helpers (MapWrapper starts a process pool)",
    # scikit-learn
    "sklearn.datasets": "fetchers download and read files",
    "sklearn.utils._testing": "test helpers (temporary files, subprocesses)",
    "sklearn.utils.estimator_checks": "test helpers",
    "sklearn.externals": "vendored third-party code",
    "sklearn.utils._show_versions": "imports modules by name, reads system information",
    "sklearn.utils._joblib": "joblib re-exports (Parallel, Memory)",
    "sklearn.experimental": "importing it enables experimental estimators; no classes",
    # pandas
    "pandas.io": "readers and writers of files, URLs, databases and clipboards",
    "pandas.core.computation": "eval/query: evaluates expression strings",
    "pandas._libs.parsers": "the CSV tokenizer reads files",
    "pandas._libs.testing": "test helpers",
    "pandas.core.window.numba_": "compiles code with numba",
    "pandas.core._numba": "compiles code with numba",
    "pandas.core.interchange": "wraps foreign data-frame buffers by raw pointer",
    # statsmodels
    "statsmodels.iolib": "reads and writes files (Stata, tables, pickles: load_pickle)",
    "statsmodels.datasets": "downloads and reads data sets (get_rdataset fetches URLs)",
    "statsmodels.formula": "patsy formulas are evaluated as Python expressions",
    "statsmodels.graphics": "matplotlib plotting",
    "statsmodels.tools.web": "opens a web browser",
    "statsmodels.tools.print_version": "imports modules by name, reads system information",
    "statsmodels.compat": "compatibility shims",
    "statsmodels.api": "re-exports only",
    "statsmodels.examples": "example scripts run at import",
    # xgboost
    "xgboost.dask": "distributed training over the network",
    "xgboost.spark": "Spark integration",
    "xgboost.rabit": "network collective communication",
    "xgboost.collective": "network collective communication",
    "xgboost.tracker": "opens sockets (RabitTracker)",
    "xgboost.federated": "federated-learning server",
    "xgboost.libpath": "locates the shared library",
    # nltk
    "nltk.downloader": "downloads data",
    "nltk.classify.megam": "runs the megam binary",
    "nltk.classify.weka": "runs Weka through java",
    "nltk.classify.tadm": "runs the tadm binary",
    "nltk.classify.senna": "runs the senna binary",
    "nltk.tokenize.stanford": "runs Stanford tools through java",
    "nltk.tokenize.stanford_segmenter": "runs Stanford tools through java",
    "nltk.tokenize.repp": "runs the REPP binary",
    "nltk.tokenize.corenlp": "talks to a CoreNLP server over HTTP",
    "nltk.tag.stanford": "runs Stanford taggers through java",
    "nltk.tag.senna": "runs the senna binary",
    "nltk.tag.hunpos": "runs the hunpos-tag binary",
    "nltk.tag.crf": "pycrfsuite's Tagger opens its model file by path",
    "nltk.chunk.named_entity.NEChunkParserTagger": "its feature detector reads the nltk words/names corpora from disk",
    # gensim
    "gensim.utils": "file and stream helpers (utils.open, unpickle reads files), threads, SaveLoad",
    "gensim.models.lsi_dispatcher": "Pyro network dispatcher",
    "gensim.models.lda_dispatcher": "Pyro network dispatcher",
    "gensim.models.lsi_worker": "Pyro network worker",
    "gensim.models.lda_worker": "Pyro network worker",
    "gensim.models.callbacks": "callbacks that talk to Visdom servers and write logs",
    "gensim.models.deprecated": "old model formats loaded from files",
    "gensim.models.ldamulticore": "starts a process pool",
    "gensim.models.wrappers": "run external binaries",
    # classes numpy re-labels as top-level numpy.<name> (their defining modules are excluded above)
    "numpy.memmap": "opens, creates and overwrites files by name",
    "numpy.DataSource": "opens files and URLs",
    # helpers matched by name that are not pickle helpers
    "pandas.core.algorithms._reconstruct_data": "not a pickle helper (matched by name only): converts values through a dtype's methods",
    # joblib: the pickle machinery itself
    "joblib.numpy_pickle.NumpyPickler": "a pickle.Pickler over a file handle",
    "joblib.numpy_pickle.NumpyUnpickler": "a pickle.Unpickler over a file handle: unpickles further data",
}

#: Modules read although a HAND_EXCLUDED prefix covers them, with the reason (only what their root reads).
HAND_EXCLUDED_EXCEPT: dict[str, str] = {
    "torch.jit._pickle": "TorchScript archives' list builders, read as functions only (HELPER_FUNCTIONS)",
}

# ------------------------------------------------------------------------------------------ the helper functions

#: Reduce/rebuild helpers, matched against a function's qualname; (library or "*", pattern).
HELPER_PATTERNS: list[tuple[str, str]] = [
    ("*", "_rebuild_*"),
    ("*", "_reconstruct*"),
    ("*", "*_unpickle*"),
    ("*", "__pyx_unpickle_*"),
    ("pandas", "_new_*"),
    ("numpy", "*_ctor"),
]

#: Helpers whose names the patterns do not cover: module → names, each with its reason.
HELPER_FUNCTIONS: dict[str, dict[str, str]] = {
    "numpy.core.multiarray": {"scalar": "numpy scalars pickle as scalar(dtype, bytes)"},
    "numpy.core.numeric": {"_frombuffer": "protocol-5 arrays rebuild from an out-of-band buffer"},
    "numpy.ma.core": {"_mareconstruct": "MaskedArray.__reduce__ helper"},
    "numpy.ma.mrecords": {"_mrreconstruct": "MaskedRecords.__reduce__ helper"},
    "torch.serialization": {"_get_layout": "layout lookup by name for sparse-tensor pickles"},
    "torch.jit._pickle": {
        name: "TorchScript archives rebuild typed lists through it; it returns its argument"
        for name in ["build_intlist", "build_doublelist", "build_boollist", "build_tensorlist", "build_tensor_from_id", "restore_type_tag"]
    },
    "sklearn.neighbors._ball_tree": {"newObj": "BallTree.__reduce__ helper: cls.__new__(cls)"},
    "sklearn.neighbors._kd_tree": {"newObj": "KDTree.__reduce__ helper: cls.__new__(cls)"},
    "sklearn.metrics._dist_metrics": {"newObj": "DistanceMetric.__reduce__ helper: cls.__new__(cls)"},
    "pandas.core.internals.blocks": {"new_block": "Block rebuilding helper"},
    "array": {"_array_reconstructor": "array.array.__reduce_ex__ helper"},
    # a classmethod reached by a dotted qualname (pickle walks it with getattr); see the STDLIB note on zoneinfo
    "zoneinfo": {"ZoneInfo._unpickle": "ZoneInfo.__reduce__ helper: ZoneInfo._unpickle(key, from_cache)"},
}

# ---------------------------------------------------------------------------------------------- the source check

#: Methods the unpickler (or a callable it is handed) triggers on an instance or class: construction (REDUCE,
#: NEWOBJ, INST/OBJ), BUILD, attribute lookups (a missing __setstate__ falls back to __getattr__), dict/set keys,
#: SETITEM(S)/APPEND(S)/ADDITEMS, dataclass __post_init__, class creation through builtins.type, finalisation, and
#: the iteration and conversion protocols the allowlisted constructors (list, dict, OrderedDict, set…) use, and
#: __call__: REDUCE's callable can be any object already on the stack, an instance built by the pickle included.
#:
#: They are checked in two groups. A pickle rebuilds most objects without calling the class (NEWOBJ, or
#: copyreg.__reduce_ex__/__newobj__: cls.__new__(cls), then BUILD: __setstate__ or a __dict__ update/__setattr__),
#: so REBUILD_METHODS are what any load of an instance runs; CALL_METHODS run only when a pickle calls the class
#: (REDUCE with cls as the callable: __init__, dataclass __post_init__) or an instance (__call__). A class whose
#: REBUILD_METHODS pass but whose CALL_METHODS do not goes to GENERATED_REBUILDABLE instead of GENERATED_CLASSES.
REBUILD_METHODS = [
    "__new__", "__setstate__", "__setattr__", "__getattr__", "__getattribute__",
    "__hash__", "__eq__", "__setitem__", "append", "extend", "add", "__set_name__", "__init_subclass__", "__del__",
    "__iter__", "__next__", "__len__", "__getitem__", "keys", "__index__",
]  # fmt: skip
CALL_METHODS = ["__init__", "__post_init__", "__call__"]
TRIGGER_METHODS = REBUILD_METHODS + CALL_METHODS

#: (label, regex) searched in the unparsed source (comments and docstrings dropped).
RISKY_TOKENS: list[tuple[str, str]] = [
    ("eval(", r"(?<![\w.])eval\("),
    ("exec(", r"(?<![\w.])exec\("),
    ("compile(", r"(?<![\w.])compile\("),
    ("__import__", r"__import__"),
    ("import_module", r"import_module"),
    ("importlib", r"importlib"),
    ("open(", r"\bopen\("),
    ("subprocess", r"subprocess"),
    ("os.system", r"os\.system"),
    ("popen", r"(?i)popen"),
    ("pickle.load", r"pickle\.load"),
    ("torch.load", r"torch\.load"),
    (".load(", r"\.load\("),
    ("loads(", r"loads\("),
    ("ctypes", r"ctypes"),
    ("socket", r"socket"),
    ("urlopen", r"urlopen"),
    ("urllib", r"urllib"),
    ("requests.", r"\brequests\."),
    ("shutil", r"shutil"),
    ("system(", r"\bsystem\("),
    ("fromfile", r"fromfile"),
    ("memmap", r"memmap"),
    ("globals()", r"\bglobals\(\)"),
    ("locals()", r"\blocals\(\)"),
    ("sys.modules", r"sys\.modules"),
    ("_getframe", r"_getframe"),
    ("__globals__", r"__globals__"),
    ("__builtins__", r"__builtins__"),
    ("__subclasses__", r"__subclasses__"),
    ("Process(", r"\bProcess\("),
    ("Thread(", r"\bThread\("),
    ("Pool(", r"\b(Pool|ThreadPool|ProcessPoolExecutor|ThreadPoolExecutor)\("),
    ("multiprocessing", r"multiprocessing"),
    ("os.<file/process>", r"\bos\.(remove|unlink|rmdir|removedirs|makedirs|mkdir|rename|replace|chmod|chown|kill|exec\w*|spawn\w*|fork|startfile|truncate|symlink|link)\b"),
    ("webbrowser", r"webbrowser"),
    ("methodcaller", r"methodcaller"),
    ("attrgetter", r"attrgetter"),
    ("cpp_extension", r"cpp_extension"),
    ("load_library", r"(?i)load_?library|LoadLibrary|dlopen|CDLL"),
    # calls into a ctypes-loaded library (xgboost's _LIB): DMatrix.__del__ frees self.handle, which BUILD can set
    # to any integer when the class has no __setstate__ that replaces it
    ("_LIB.", r"\b_LIB\."),
]

#: How many calls deep the source check follows self/cls/super()/module-level calls within the same library.
CALL_DEPTH = 3

#: Source-check hits reviewed as harmless: (function module.qualname, token) → reason. A reviewed hit no longer
#: excludes any class that reaches the function.
_SELF = "sets attributes of the object itself, as BUILD's slot state already can"
_DELEGATE = "__getattr__ delegating reads to a wrapped object; the unpickler only ever asks it for __setstate__"
_TABLE = "attribute names come from the library's own tables or literals, and the value is only read"
REINCLUDE_FINDINGS: dict[tuple[str, str], str] = {
    ("sklearn.utils._set_output._SetOutputMixin.__init_subclass__", "getattr(non-literal)"): "wraps the literal 'transform'/'fit_transform' methods of the new class",
    ("sklearn.utils._set_output._SetOutputMixin.__init_subclass__", "setattr(non-literal)"): "wraps the literal 'transform'/'fit_transform' methods of the new class",
    ("statsmodels.base.wrapper.ResultsWrapper.__getattribute__", "getattr(non-literal)"): "delegates attribute reads to the wrapped results object",
    ("torch.distributions.distribution.Distribution.__init__", "getattr(non-literal)"): "reads the parameters named by arg_constraints to validate them",
    ("statsmodels.base.model.Model._handle_data", "setattr(non-literal)"): _SELF,
    ("torch.nn.modules.container.Sequential.__setitem__", "setattr(non-literal)"): _SELF + " (Module.__setattr__ registers the submodule)",
    ("pandas.core.dtypes.base.ExtensionDtype.__hash__", "getattr(non-literal)"): "reads the attributes named by _metadata",
    ("pandas.core.dtypes.base.ExtensionDtype.__eq__", "getattr(non-literal)"): "reads the attributes named by _metadata",
    ("pandas.core.indexers.objects.BaseIndexer.__init__", "setattr(non-literal)"): _SELF,
    ("numpy.core.fromnumeric._wrapreduction", "getattr(non-literal)"): "calls the literal reduction method (sum, max, …) its caller names",
    ("numpy.core.fromnumeric._wrapfunc", "getattr(non-literal)"): "calls the literal method (reshape, take, …) its caller names",
    ("numpy.core.fromnumeric._wrapit", "getattr(non-literal)"): "calls the literal method (reshape, take, …) its caller names",
    ("pandas.core.window.rolling.BaseWindow._gotitem", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.statespace.mlemodel.MLEResults.__init__", "getattr(non-literal)"): "copies the filter results' attributes named in its own lists",
    ("statsmodels.tsa.statespace.mlemodel.MLEResults.__init__", "setattr(non-literal)"): _SELF,
    ("sklearn.gaussian_process.kernels.Kernel.get_params", "getattr(non-literal)"): "reads the attributes named by __init__'s signature",
    ("pandas.core.base.NoNewAttributesMixin.__setattr__", "getattr(non-literal)"): "checks whether the attribute exists before setting it",
    ("pandas.core.generic.NDFrame.__setattr__", "getattr(non-literal)"): "checks whether the attribute exists before setting it",
    ("pandas.core.resample.Resampler.__getattr__", "getattr(non-literal)"): "delegates attribute reads to its groupby object",
    ("scipy.sparse._compressed._cs_matrix._binopt", "getattr(non-literal)"): "picks a numeric kernel of scipy's C _sparsetools module by format and operator name",
    ("scipy.sparse._bsr.bsr_matrix._binopt", "getattr(non-literal)"): "picks a numeric kernel of scipy's C _sparsetools module by format and operator name",
    ("scipy.sparse._sputils.is_pydata_spmatrix", "sys.modules"): "only reads sys.modules to see whether pydata/sparse is already imported",
    ("torch.nn.modules.rnn.RNNBase.__setstate__", "getattr(non-literal)"): "reads its own weights named by _flat_weights_names",
    ("torch.nn.modules.rnn.RNNBase.__init__", "getattr(non-literal)"): "reads its own weights by the names it builds",
    ("torch.nn.modules.rnn.RNNBase.__init__", "setattr(non-literal)"): _SELF + " (weights it creates, named by layer)",
    ("torch._tensor._rebuild_from_type_v2", "setattr(non-literal)"): "restores a tensor subclass's slot state, as BUILD does",
    ("pandas.core.indexes.datetimes._new_DatetimeIndex", "getattr(non-literal)"): "an assert comparing the rebuilt index's attributes",
    ("nltk.tokenize.texttiling.TextTilingTokenizer.__init__", "locals()"): "self.__dict__.update(locals()): stores its own arguments",
    ("nltk.tokenize.texttiling.TokenSequence.__init__", "locals()"): "self.__dict__.update(locals()): stores its own arguments",
    ("nltk.tokenize.texttiling.TokenTableField.__init__", "locals()"): "self.__dict__.update(locals()): stores its own arguments",
    ("statsmodels.regression.linear_model.RegressionResults.__init__", "setattr(non-literal)"): _SELF,
    ("statsmodels.regression.linear_model.RegressionResults.get_robustcov_results", "getattr(non-literal)"): "reads its own cov_<TYPE> attribute",
    ("nltk.tokenize.punkt.PunktToken.__init__", "setattr(non-literal)"): _SELF,
    ("pandas.core.flags.Flags.__setitem__", "setattr(non-literal)"): _SELF + " (the key is checked against its known flags)",
    ("torch.nn.modules.container.ModuleList.__setitem__", "setattr(non-literal)"): _SELF + " (Module.__setattr__ registers the submodule)",
    ("torch.nn.modules.container.ParameterList.__setitem__", "setattr(non-literal)"): _SELF + " (Module.__setattr__ registers the parameter)",
    ("torch.nn.modules.container.ParameterDict.__setitem__", "setattr(non-literal)"): _SELF + " (Module.__setattr__ registers the parameter)",
    ("torchvision.models.shufflenetv2.ShuffleNetV2.__init__", "setattr(non-literal)"): _SELF + " (its stage modules)",
    ("statsmodels.tsa.regime_switching.markov_switching.MarkovSwitchingResults.__init__", "setattr(non-literal)"): _SELF,
    ("statsmodels.tsa.regime_switching.markov_switching.MarkovSwitchingResults.__init__", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.regime_switching.markov_switching.HamiltonFilterResults.__init__", "setattr(non-literal)"): _SELF,
    ("statsmodels.tsa.regime_switching.markov_switching.HamiltonFilterResults.__init__", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.statespace.sarimax.SARIMAXResults.__init__", "setattr(non-literal)"): _SELF,
    ("statsmodels.tsa.exponential_smoothing.ets.ETSResults.__init__", "setattr(non-literal)"): _SELF,
    ("statsmodels.regression.recursive_ls.RecursiveLSResults.__init__", "setattr(non-literal)"): _SELF,
    ("statsmodels.tsa.statespace.kalman_filter.FilterResults.update_representation", "setattr(non-literal)"): _SELF,
    ("statsmodels.tsa.statespace.kalman_filter.FilterResults.update_representation", "getattr(non-literal)"): _TABLE,
    ("statsmodels.stats.base.HolderTuple.__init__", "getattr(non-literal)"): "reads its own attributes named by its argument",
    ("statsmodels.tsa.statespace.representation.Representation.__getitem__", "getattr(non-literal)"): "reads its own _<matrix> attribute; the name is checked against its matrix names",
    ("statsmodels.tsa.statespace.representation.Representation.__setitem__", "getattr(non-literal)"): "reads its own _<matrix> attribute; the name is checked against its matrix names",
    ("statsmodels.tsa.statespace.representation.Representation.__setitem__", "setattr(non-literal)"): _SELF + " (the name is checked against its matrix names)",
    ("pandas.core.resample._GroupByMixin.__init__", "setattr(non-literal)"): _SELF,
    ("pandas.core.resample._GroupByMixin.__init__", "getattr(non-literal)"): _TABLE,
    ("pandas.core.resample._GroupByMixin._gotitem", "getattr(non-literal)"): _TABLE,
    ("pandas.core.arrays.masked.BaseMaskedArray._cmp_method", "getattr(non-literal)"): "looks up the comparison dunder (__eq__, __lt__, …) of its own ndarray",
    ("scipy.linalg.blas._get_funcs", "getattr(non-literal)"): "looks BLAS routines up by type prefix in scipy's own fblas/cblas modules",
    ("argparse.Namespace.__init__", "setattr(non-literal)"): _SELF,
    ("numpy.core.records.record.__setattr__", "getattr(non-literal)"): "checks whether its own attribute exists before setting a field",
    ("statsmodels.tsa.statespace.representation.Representation.__init__", "locals()"): "reads its own arguments by matrix name",
    ("statsmodels.tsa.statespace.kalman_filter.PredictionResults.__getattr__", "getattr(non-literal)"): "delegates reads of its known filter attributes to its results object",
    ("statsmodels.tsa.statespace.kalman_filter.PredictionResults.__getattr__", "setattr(non-literal)"): _SELF + " (caches the value it read)",
    ("statsmodels.tsa.statespace.kalman_filter.KalmanFilter.set_conserve_memory", "setattr(non-literal)"): _SELF + " (names from memory_options)",
    ("statsmodels.tsa.statespace.representation.FrozenRepresentation.__init__", "setattr(non-literal)"): _SELF + " (names from _attributes)",
    ("statsmodels.tsa.statespace.representation.FrozenRepresentation.update_representation", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.statespace.representation.Representation._clone_kwargs", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.statespace.representation.Representation.extend", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.statespace.structural.UnobservedComponents.__init__", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.statespace.structural.UnobservedComponents.__init__", "setattr(non-literal)"): _SELF,
    ("statsmodels.tsa.statespace.kalman_smoother.SmootherResults.update_representation", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.statespace.kalman_smoother.SmootherResults.update_representation", "setattr(non-literal)"): _SELF,
    ("statsmodels.tsa.statespace.dynamic_factor_mq.DynamicFactorMQStates.__getitem__", "getattr(non-literal)"): "reads its own attribute; the key is checked against a literal list",
    ("statsmodels.regression.recursive_ls.RecursiveLSResults.__init__", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.exponential_smoothing.ets.ETSResults.__init__", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.regime_switching.markov_switching.KimSmootherResults.__init__", "getattr(non-literal)"): _TABLE,
    ("statsmodels.tsa.regime_switching.markov_switching.KimSmootherResults.__init__", "setattr(non-literal)"): _SELF,
    ("torch.nn.utils.prune.BasePruningMethod.apply_mask", "getattr(non-literal)"): "reads the module's <name>_mask/<name>_orig tensors",
    ("torch.nn.utils.prune.BasePruningMethod.__call__", "setattr(non-literal)"): "forward pre-hook: sets the pruned tensor on the module it is given, as BUILD could",
    ("torch.nn.utils.weight_norm.WeightNorm.compute_weight", "getattr(non-literal)"): "reads the module's <name>_g/<name>_v tensors",
    ("torch.nn.utils.weight_norm.WeightNorm.__call__", "setattr(non-literal)"): "forward pre-hook: sets the recomputed weight on the module it is given, as BUILD could",
    ("torch.nn.utils.spectral_norm.SpectralNorm.compute_weight", "getattr(non-literal)"): "reads the module's <name>_orig/_u/_v tensors",
    ("torch.nn.utils.spectral_norm.SpectralNorm.__call__", "setattr(non-literal)"): "forward pre-hook: sets the recomputed weight on the module it is given, as BUILD could",
    ("numpy.lib.arrayterator.Arrayterator.__getattr__", "getattr(non-literal)"): _DELEGATE,
    ("sklearn.utils._array_api._NumPyApiWrapper.__getattr__", "getattr(non-literal)"): _DELEGATE,
    ("sklearn.utils._array_api._ArrayAPIWrapper.__getattr__", "getattr(non-literal)"): _DELEGATE,
    ("pandas.core.groupby.groupby.GroupByPlot.__getattr__", "getattr(non-literal)"): _DELEGATE,
    ("pandas.core.flags.Flags.__getitem__", "getattr(non-literal)"): "reads its own flag attribute; the key is checked against its known flags",
    ("torch.nn.modules.container.ParameterDict.__getitem__", "getattr(non-literal)"): "reads its own parameter attribute",
    ("torch.nn.modules.container.ParameterList.__getitem__", "getattr(non-literal)"): "reads its own parameter attribute",
    ("pandas.core.arrays.categorical._cat_compare_op.<locals>.func", "getattr(non-literal)"): "looks up the comparison dunder of its own codes array",
    ("pandas.core.arrays.sparse.array._sparse_array_op", "getattr(non-literal)"): "picks a numeric kernel of pandas' C _libs.sparse module by operator and dtype name",
    ("optuna.trial._frozen.FrozenTrial.__hash__", "getattr(non-literal)"): "hashes its own attributes, named by the keys of its own __dict__",
    ("optuna.distributions.CategoricalDistribution.__eq__", "getattr(non-literal)"): "compares the attributes named by the keys of its own __dict__",
    ("gensim.interfaces.TransformedCorpus.__init__", "setattr(non-literal)"): "sets the transformation options its caller passes on the model object it wraps",
}

#: Classes re-included as a whole after review (every hit under them reviewed), class path → reason.
REINCLUDE_CLASSES: dict[str, str] = {
    "xgboost.core.Booster": (
        "ctypes calls into libxgboost. Pickles rebuild it through cls.__new__ and __setstate__, which restores the model"
        " from the pickled raw bytes (XGBoosterUnserializeFromBuffer). Called with arguments, Booster(params, cache,"
        " model_file) reads an xgboost model file by path: a REDUCE call to it is a file read, which the classifier"
        " must not treat as safe"
    ),
}

# ----------------------------------------------------------------------------------------------------- machinery

_DEADLINE = 0.0


def check_time(what: str) -> None:
    if time.monotonic() > _DEADLINE:
        sys.stderr.write(f"generate.py: time budget of {TIME_BUDGET_S:.0f} s exceeded while {what}; nothing written\n")
        sys.exit(2)


def hand_excluded(path: str) -> str | None:
    """The reason when `path` (a module or module.qualname) is under a HAND_EXCLUDED prefix."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in HAND_EXCLUDED_EXCEPT:
            return None
        reason = HAND_EXCLUDED.get(".".join(parts[:i]))
        if reason is not None:
            return reason
    return None


def skipped_module(name: str) -> bool:
    return any(seg in SKIP_SEGMENTS for seg in name.split(".")) or hand_excluded(name) is not None


def quiet_import(name: str):
    """Imports a module with stdout/stderr swallowed; None when it fails for any reason."""
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except BaseException:  # noqa: BLE001 — SystemExit and KeyboardInterrupt-like failures from broken modules too
        return None


def walk_modules(root: Root, failed: list[str]) -> list[str]:
    """Sorted names of the importable modules of `root` (itself, and below it when it walks)."""
    if skipped_module(root.module):
        return []
    top = quiet_import(root.module)
    if top is None:
        failed.append(root.module)
        return []
    names = [root.module]
    if not root.walk:
        return names
    todo = [top]
    while todo:
        pkg = todo.pop()
        check_time(f"walking {pkg.__name__}")
        path = getattr(pkg, "__path__", None)
        if path is None:
            continue
        for info in sorted(pkgutil.iter_modules(path, pkg.__name__ + "."), key=lambda i: i.name):
            if skipped_module(info.name):
                continue
            sub = quiet_import(info.name)
            if sub is None:
                failed.append(info.name)
                continue
            names.append(info.name)
            if info.ispkg:
                todo.append(sub)
    return sorted(set(names))


def resolve(module: str, qualname: str):
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        if obj is None:
            return None
        try:
            obj = inspect.getattr_static(obj, part)
        except AttributeError:
            return None
    return obj


def classes_of(module_name: str):
    """(qualname, class) for classes defined in the module (nested ones included) that resolve by qualname."""
    mod = sys.modules[module_name]
    out: dict[str, type] = {}
    seen: set[int] = set()

    def visit(namespace: dict) -> None:
        for value in list(namespace.values()):
            if not isinstance(value, type) or id(value) in seen:
                continue
            seen.add(id(value))
            if getattr(value, "__module__", None) != module_name:
                continue
            qualname = getattr(value, "__qualname__", None)
            if not isinstance(qualname, str) or "<" in qualname:
                continue
            if resolve(module_name, qualname) is value:
                out[qualname] = value
            try:
                visit(dict(vars(value)))
            except TypeError:
                pass

    visit(dict(vars(mod)))
    return out


FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType)


def is_function(obj) -> bool:
    return isinstance(obj, FUNCTION_TYPES) or type(obj).__name__ in ("cython_function_or_method", "fused_cython_function")


def helper_functions(library: str, module_name: str):
    """(qualname, function) for the reduce/rebuild helpers defined in the module."""
    mod = sys.modules[module_name]
    explicit = HELPER_FUNCTIONS.get(module_name, {})
    out = {}
    for name, value in list(vars(mod).items()):
        if not is_function(value) or getattr(value, "__module__", None) != module_name:
            continue
        qualname = getattr(value, "__qualname__", name)
        if "<" in qualname or resolve(module_name, qualname) is not value:
            continue
        if qualname in explicit or any(lib in ("*", library) and fnmatch.fnmatchcase(qualname, pat) for lib, pat in HELPER_PATTERNS):
            out[qualname] = value
    for qualname in explicit:
        if "." in qualname and (fn := resolve_bound_method(module_name, qualname)) is not None:
            out[qualname] = fn
    return out


def resolve_bound_method(module_name: str, qualname: str):
    """A classmethod named by a dotted qualname, as pickle's find_class reaches it (getattr, step by step): the
    bound method, when the class resolves (resolve) and is defined in the module, and the method's __qualname__ is
    the qualname and it is bound to that class; else None."""
    owner_name, _, attr = qualname.rpartition(".")
    owner = resolve(module_name, owner_name)
    if not isinstance(owner, type) or owner.__module__ != module_name or owner.__qualname__ != owner_name:
        return None
    try:
        fn = getattr(owner, attr)
    except AttributeError:
        return None
    if not isinstance(fn, (types.MethodType, types.BuiltinMethodType)) or getattr(fn, "__self__", None) is not owner:
        return None
    return fn if getattr(fn, "__qualname__", None) == qualname else None


# --- source check


def _strip_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]


def _function_name(fn) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', getattr(fn, '__name__', '?'))}"


_PARSED: dict[int, tuple | None] = {}


def _parse(fn):
    """(tree, code text) of a Python function, or None when it has no readable source (C, generated code)."""
    key = id(fn)
    if key in _PARSED:
        return _PARSED[key]
    result = None
    try:
        src = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(src)
        _strip_docstrings(tree)
        result = (tree, ast.unparse(tree), fn)
    except (OSError, TypeError, SyntaxError, IndentationError, ValueError):
        result = None
    _PARSED[key] = result
    return result


def _direct_findings(fn) -> list[str]:
    parsed = _parse(fn)
    if parsed is None:
        return []
    tree, code, _ = parsed
    found = [label for label, rx in RISKY_TOKENS if re.search(rx, code)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr", "delattr"):
            if len(node.args) >= 2 and not isinstance(node.args[1], ast.Constant):
                found.append(f"{node.func.id}(non-literal)")
    return sorted(set(found))


def _unwrap(value):
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        value = value.fget
    try:
        value = inspect.unwrap(value)
    except ValueError:
        pass
    return value if isinstance(value, types.FunctionType) else None


def _lookup(cls: type, name: str, after: type | None = None):
    """(function, defining class) for `name` through cls's MRO (starting after `after` when given)."""
    mro = list(getattr(cls, "__mro__", ()))
    if after is not None and after in mro:
        mro = mro[mro.index(after) + 1 :]
    for klass in mro:
        if klass is object:
            return None
        attrs = vars(klass)
        if name in attrs:
            fn = _unwrap(attrs[name])
            return (fn, klass) if fn is not None else None
    return None


def _package(obj) -> str:
    return (getattr(obj, "__module__", None) or "").split(".")[0]


def _callees(fn, cls: type, owner: type | None):
    """Python functions `fn` calls that the check follows: methods through cls's MRO, and module-level functions
    and classes of the same top-level package as `fn`."""
    parsed = _parse(fn)
    if parsed is None:
        return []
    tree = parsed[0]
    pkg = _package(fn)
    env = dict(getattr(fn, "__globals__", {}))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute):
            base = f.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                hit = _lookup(cls, f.attr)
                if hit:
                    out.append(hit)
            elif isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super":
                hit = _lookup(cls, f.attr, after=owner)
                if hit:
                    out.append(hit)
            elif isinstance(base, ast.Name) and isinstance(env.get(base.id), types.ModuleType):
                target = getattr(env[base.id], f.attr, None)
                if _package(target) == pkg:
                    t = _unwrap(target)
                    if t is not None:
                        out.append((t, None))
        elif isinstance(f, ast.Name):
            target = env.get(f.id)
            if target is None or _package(target) != pkg:
                continue
            if isinstance(target, type):
                for meth in ("__new__", "__init__", "__post_init__"):
                    hit = _lookup(target, meth)
                    if hit and _package(hit[0]) == pkg:
                        out.append(hit)
            else:
                t = _unwrap(target)
                if t is not None:
                    out.append((t, None))
    return out


def risk_findings(cls: type, methods=TRIGGER_METHODS) -> list[tuple[str, str, str]]:
    """(token, function, trigger chain) hits for a class starting from `methods`, reviewed ones
    (REINCLUDE_FINDINGS) left out."""
    findings = []
    starts = []
    for meth in methods:
        hit = _lookup(cls, meth)
        if hit:
            starts.append((meth, hit))
    seen: set[int] = set()
    frontier = [(meth, fn, owner, 0) for meth, (fn, owner) in starts]
    while frontier:
        chain, fn, owner, depth = frontier.pop(0)
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        name = _function_name(fn)
        for token in _direct_findings(fn):
            if (name, token) not in REINCLUDE_FINDINGS:
                findings.append((token, name, chain))
        if depth < CALL_DEPTH:
            for callee, callee_owner in _callees(fn, cls, owner):
                frontier.append((f"{chain} → {getattr(callee, '__name__', '?')}", callee, callee_owner, depth + 1))
    return sorted(set(findings))


# --------------------------------------------------------------------------------------------------------- output


def library_version(name: str) -> str:
    mod = sys.modules.get(name) or quiet_import(name)
    return str(getattr(mod, "__version__", "unknown"))


def generate():
    global _DEADLINE
    started = time.monotonic()
    _DEADLINE = started + TIME_BUDGET_S
    classes: dict[str, set[str]] = {}
    rebuildable: dict[str, set[str]] = {}
    rebuildable_notes: list[str] = []
    functions: dict[str, set[str]] = {}
    excluded: list[str] = []
    reincluded: list[str] = []
    failed: list[str] = []
    versions: dict[str, str] = {}
    used_reviews: set[tuple[str, str]] = set()

    def consider_class(module_name: str, qualname: str, cls: type) -> None:
        path = f"{module_name}.{qualname}"
        reason = hand_excluded(path)
        if reason is not None:
            return
        if issubclass(cls, type):
            excluded.append(f"{path}\tmetaclass\t(builds classes from a pickled namespace)")
            return
        check_time(f"checking {path}")
        # each group is checked on its own, so a function both reach is reported under a rebuild method
        rebuild_hits = risk_findings(cls, REBUILD_METHODS)
        call_hits = risk_findings(cls, CALL_METHODS)
        if (rebuild_hits or call_hits) and path in REINCLUDE_CLASSES:
            reincluded.append(path)
            rebuild_hits = call_hits = []

        def describe(hits) -> str:
            first = "; ".join(f"{tok} in {fn} [{chain}]" for tok, fn, chain in hits[:3])
            more = f" (+{len(hits) - 3} more)" if len(hits) > 3 else ""
            return f"{path}\t{','.join(sorted({h[0] for h in hits}))}\t{first}{more}"

        if rebuild_hits:
            excluded.append(describe(rebuild_hits + call_hits))
            return
        if call_hits:
            rebuildable.setdefault(module_name, set()).add(qualname)
            rebuildable_notes.append(describe(call_hits))
            return
        classes.setdefault(module_name, set()).add(qualname)

    def consider_function(module_name: str, qualname: str, fn) -> None:
        path = f"{module_name}.{qualname}"
        if hand_excluded(path) is not None:
            return
        hits = []
        if isinstance(fn, types.MethodType):  # a classmethod reached by a dotted qualname
            fn = fn.__func__
        if isinstance(fn, types.FunctionType):
            seen: set[int] = set()
            frontier = [(fn, 0)]
            while frontier:
                f, depth = frontier.pop(0)
                if id(f) in seen:
                    continue
                seen.add(id(f))
                hits += [(t, _function_name(f)) for t in _direct_findings(f) if (_function_name(f), t) not in REINCLUDE_FINDINGS]
                if depth < CALL_DEPTH:
                    frontier += [(c, depth + 1) for c, _ in _callees(f, object, None)]
        if hits:
            excluded.append(f"{path}\t{','.join(sorted({h[0] for h in hits}))}\t" + "; ".join(f"{t} in {w}" for t, w in sorted(set(hits))[:3]))
            return
        functions.setdefault(module_name, set()).add(qualname)

    for library, roots in LIBRARIES.items():
        for root in roots:
            for module_name in walk_modules(root, failed):
                if module_name not in sys.modules:
                    continue
                if root.classes:
                    for qualname, cls in sorted(classes_of(module_name).items()):
                        if module_name == root.module and root.only is not None and qualname not in root.only:
                            continue
                        consider_class(module_name, qualname, cls)
                if root.functions:
                    for qualname, fn in sorted(helper_functions(library, module_name).items()):
                        consider_function(module_name, qualname, fn)
        versions[library] = library_version(library)

    for module_name, names in STDLIB.items():
        mod = quiet_import(module_name)
        if mod is None:
            failed.append(module_name)
            continue
        for qualname, cls in sorted(classes_of(module_name).items()):
            is_enum = STDLIB_ENUMS and issubclass(cls, enum.Enum) and cls is not enum.Enum
            if names is None or qualname in names or is_enum:
                consider_class(module_name, qualname, cls)
        for qualname, fn in sorted(helper_functions("stdlib", module_name).items()):
            consider_function(module_name, qualname, fn)

    for key in REINCLUDE_FINDINGS:
        used_reviews.add(key)
    elapsed = time.monotonic() - started
    return {
        "python": platform.python_version(),
        "versions": dict(sorted(versions.items())),
        "classes": {m: sorted(v) for m, v in sorted(classes.items()) if v},
        "rebuildable": {m: sorted(v) for m, v in sorted(rebuildable.items()) if v},
        "rebuildable_notes": sorted(set(rebuildable_notes)),
        "functions": {m: sorted(v) for m, v in sorted(functions.items()) if v},
        "excluded": sorted(set(excluded)),
        "reincluded": sorted(set(reincluded)),
        "failed": sorted(set(failed)),
        "elapsed": elapsed,
    }


def js(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def render_ts(result) -> str:
    lines = [
        "// generated by tools/pickle-allowlist/generate.py — do not edit",
        "// Regenerate: /usr/bin/python3 tools/pickle-allowlist/generate.py (check: … --check). What is left out and why:",
        "// tools/pickle-allowlist/README.md, HAND_EXCLUDED and REINCLUDE_* in the script, tools/pickle-allowlist/excluded.txt.",
        "",
        "export const GENERATED_ALLOWLIST_SOURCE: { readonly python: string; readonly libraries: Readonly<Record<string, string>> } = {",
        f"  python: {js(result['python'])},",
        "  libraries: { " + ", ".join(f"{js(k)}: {js(v)}" for k, v in result["versions"].items()) + " },",
        "};",
        "",
        "/** module → sorted qualnames of classes whose __module__ is that module and that resolve from it by qualname. */",
        "export const GENERATED_CLASSES: Readonly<Record<string, readonly string[]>> = {",
    ]
    for module_name, names in result["classes"].items():
        lines.append(f"  {js(module_name)}: [{', '.join(js(n) for n in names)}],")
    lines += [
        "};",
        "",
        "/** module → qualnames of classes safe to rebuild (cls.__new__ + BUILD state) but not to call: excluded from GENERATED_CLASSES only because __init__/__call__/__post_init__ (methods a rebuild does not run) looked risky. */",
        "export const GENERATED_REBUILDABLE: Readonly<Record<string, readonly string[]>> = {",
    ]
    for module_name, names in result["rebuildable"].items():
        lines.append(f"  {js(module_name)}: [{', '.join(js(n) for n in names)}],")
    lines += [
        "};",
        "",
        "/** module → sorted qualnames of reduce/rebuild helper functions defined there. */",
        "export const GENERATED_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {",
    ]
    for module_name, names in result["functions"].items():
        lines.append(f"  {js(module_name)}: [{', '.join(js(n) for n in names)}],")
    lines += ["};", ""]
    return "\n".join(lines)


def render_excluded(result) -> str:
    lines = [
        "# generated by tools/pickle-allowlist/generate.py — do not edit",
        "# Classes and helpers the automatic source check left out: path<TAB>tokens<TAB>where (function [trigger chain]).",
        "# Review a hit and, when it is harmless, add it to REINCLUDE_FINDINGS in generate.py with the reason.",
        "",
    ]
    lines += result["excluded"]
    lines += [
        "",
        "# rebuildable only (GENERATED_REBUILDABLE): the rebuild methods passed, these __init__/__post_init__/__call__ hits did not",
    ]
    lines += result["rebuildable_notes"]
    if result["reincluded"]:
        lines += ["", "# re-included as a whole (REINCLUDE_CLASSES)"] + result["reincluded"]
    lines += ["", "# modules that failed to import (not listed)"] + result["failed"]
    return "\n".join(lines) + "\n"


def summarize_diff(label: str, old: str, new: str) -> list[str]:
    out = []
    removed = [l[1:] for l in difflib.ndiff(old.splitlines(), new.splitlines()) if l.startswith("- ")]
    added = [l[1:] for l in difflib.ndiff(old.splitlines(), new.splitlines()) if l.startswith("+ ")]
    out.append(f"{label}: {len(removed)} line(s) would be removed, {len(added)} added")
    for l in removed[:40]:
        out.append(f"  - {l.strip()[:200]}")
    for l in added[:40]:
        out.append(f"  + {l.strip()[:200]}")
    if len(removed) > 40 or len(added) > 40:
        out.append("  …")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed output differs")
    args = parser.parse_args()
    result = generate()
    outputs = {OUTPUT_TS: render_ts(result), OUTPUT_EXCLUDED: render_excluded(result)}
    n_classes = sum(len(v) for v in result["classes"].values())
    n_rebuildable = sum(len(v) for v in result["rebuildable"].values())
    n_functions = sum(len(v) for v in result["functions"].values())
    modules = len(set(result["classes"]) | set(result["rebuildable"]) | set(result["functions"]))
    summary = (
        f"{modules} modules, {n_classes} classes, {n_rebuildable} rebuildable-only classes, {n_functions} functions, "
        f"{len(result['excluded'])} auto-excluded, "
        f"{len(result['failed'])} modules failed to import; {result['elapsed']:.1f} s"
    )
    if args.check:
        problems = []
        for path, text in outputs.items():
            try:
                with open(path, encoding="utf-8") as fh:
                    old = fh.read()
            except FileNotFoundError:
                old = ""
            if old != text:
                problems += summarize_diff(os.path.relpath(path, REPO), old, text)
        if problems:
            print("generated pickle allowlist is out of date (regenerate with /usr/bin/python3 tools/pickle-allowlist/generate.py):")
            print("\n".join(problems))
            print(summary)
            return 1
        print(f"up to date: {summary}")
        return 0
    for path, text in outputs.items():
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    print(f"wrote {os.path.relpath(OUTPUT_TS, REPO)} and {os.path.relpath(OUTPUT_EXCLUDED, REPO)}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
