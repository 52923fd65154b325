/**
 * Hand-reviewed pickle allowlist: the exact names that the generated list
 * (pickle-allowlist.generated.ts, written by tools/pickle-allowlist/generate.py from the installed libraries)
 * cannot produce — builtins and copyreg helpers, objects that are not classes (torch dtypes and layouts, pandas
 * and pytz singletons), names of other library versions (numpy 2's numpy._core, scipy < 1.8's scipy.sparse.csr,
 * torch 2 helpers) and libraries not installed where the list is generated (transformers, lightgbm). Where an
 * entry was not seen in a file written by the library here, its reason says where it comes from.
 *
 * What "safe" means: importing the global and calling it with any arguments a pickle can build gives the
 * pickle no power it does not already have — no code from strings, no processes, files, network or imports by
 * name. What a safe callable does with its arguments (calls them, instantiates them, returns an attribute) is
 * data beside it (pickle-effects.ts), so a global handed to it is classified on its own.
 *
 * Matching (src/analyzers/pickle/classify.ts; deny entries always win): `module` and each of `names` are compared
 * exactly, after CPython's own Python 2 renames (__builtin__ → builtins, copy_reg → copyreg). No wildcards and
 * no submodules: a name reached through another module (`sklearn.utils.discovery` + `Path`) is not this name. The
 * one prefix rule is `__torch__`, TorchScript's class namespace, which Python's find_class cannot import.
 */

export interface PickleAllowEntry {
  readonly module: string;
  readonly names: readonly string[];
  readonly reason: string;
}

const TORCH_STORAGE_CLASSES = [
  "BFloat16Storage", "BoolStorage", "ByteStorage", "CharStorage", "ComplexDoubleStorage", "ComplexFloatStorage",
  "DoubleStorage", "FloatStorage", "HalfStorage", "IntStorage", "LongStorage", "QInt32Storage", "QInt8Storage",
  "QUInt2x4Storage", "QUInt4x2Storage", "QUInt8Storage", "ShortStorage",
] as const;

export const PICKLE_ALLOWLIST: readonly PickleAllowEntry[] = [
  // ------------------------------------------------------------------------------ standard library
  {
    module: "builtins",
    names: [
      "set", "frozenset", "bytearray", "bytes", "complex", "slice", "range", "object", "int", "float", "str", "list",
      "dict", "tuple", "bool", "type", "Ellipsis", "NotImplemented", "getattr",
      "abs", "max", "min", "pow", "round", "sum", "divmod",
      "long", "unicode", "xrange", "basestring",
    ],
    reason:
      "value types rebuilt from their own data (protocols 0-2 spell them __builtin__.long/xrange/…); object is the base passed to copyreg._reconstructor; type(None) and type(...) pickle as builtins.type. getattr (enum members and bound methods pickle as getattr(cls, name)) is followed by the machine: what it fetches is classified as Class.attr, and calling that is what counts. print is not here (a pickle that calls it is a proof-of-concept payload; skorch's PrintLog only references it, which is medium). memoryview and the other functions are not here: no data file needs them",
  },
  { module: "copyreg", names: ["_reconstructor", "__newobj__", "__newobj_ex__"], reason: "the helpers every protocol uses to rebuild instances: cls.__new__ then __setstate__/BUILD" },
  { module: "_codecs", names: ["encode"], reason: "protocols 0-2 write bytes as _codecs.encode(text, 'latin1'); it only re-encodes a string" },
  { module: "collections", names: ["OrderedDict", "defaultdict", "deque", "Counter", "UserDict", "UserList", "UserString"], reason: "containers: state dicts are OrderedDicts; defaultdict's factory is another global, classified on its own" },
  { module: "datetime", names: ["datetime", "date", "time", "timedelta", "timezone"], reason: "date and time values rebuilt from their packed bytes" },
  { module: "decimal", names: ["Decimal"], reason: "decimal numbers rebuilt from a string" },
  { module: "fractions", names: ["Fraction"], reason: "rational numbers rebuilt from a string" },
  { module: "uuid", names: ["UUID", "SafeUUID"], reason: "UUID values rebuilt from an integer (uuid's node-id helpers that run commands are denied)" },
  {
    module: "pathlib",
    names: ["PurePath", "PurePosixPath", "PureWindowsPath", "Path", "PosixPath", "WindowsPath"],
    reason: "path values: building one touches nothing; the Path methods that read or write files are denied as dotted names",
  },
  { module: "argparse", names: ["Namespace"], reason: "command-line arguments saved in checkpoints (fairseq, many training scripts): a plain attribute bag" },
  { module: "types", names: ["SimpleNamespace"], reason: "a plain attribute bag used for configs" },
  { module: "re", names: ["_compile"], reason: "compiled regular expressions pickle as re._compile(pattern, flags); compiling runs no code" },
  { module: "array", names: ["array", "_array_reconstructor"], reason: "typed arrays rebuilt from their machine bytes" },

  // ------------------------------------------------------------------------------------------ numpy
  {
    module: "numpy",
    names: [
      "ndarray", "dtype", "matrix", "recarray", "record", "generic",
      "bool_", "bool8", "byte", "ubyte", "short", "ushort", "intc", "uintc", "int_", "uint", "longlong", "ulonglong",
      "intp", "uintp", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
      "half", "single", "double", "longdouble", "float_", "float16", "float32", "float64", "float96", "float128", "longfloat",
      "csingle", "cdouble", "clongdouble", "complex_", "complex64", "complex128", "complex192", "complex256",
      "cfloat", "clongfloat", "longcomplex", "singlecomplex",
      "object_", "str_", "unicode_", "bytes_", "string_", "void", "datetime64", "timedelta64",
    ],
    reason: "arrays, dtypes and scalar types (estimators store dtype classes such as numpy.float64 as parameters)",
  },
  { module: "numpy.core.multiarray", names: ["_reconstruct", "scalar"], reason: "ndarray.__reduce__ and numpy scalars rebuild through these (numpy 2 spells the module numpy._core.multiarray)" },
  { module: "numpy.core._multiarray_umath", names: ["_reconstruct", "scalar"], reason: "the C module that defines numpy.core.multiarray's _reconstruct and scalar" },
  { module: "numpy.core.numeric", names: ["_frombuffer"], reason: "protocol-5 array pickles rebuild from an out-of-band buffer" },
  { module: "numpy.core.records", names: ["recarray", "record"], reason: "record arrays rebuilt from their buffer" },
  { module: "numpy.matrixlib.defmatrix", names: ["matrix"], reason: "numpy.matrix's defining module" },
  { module: "numpy.ma.core", names: ["MaskedArray", "_mareconstruct", "MaskedConstant", "mvoid"], reason: "masked arrays rebuild through _mareconstruct" },
  { module: "numpy.ma.mrecords", names: ["MaskedRecords", "_mrreconstruct"], reason: "masked record arrays rebuilt through _mrreconstruct" },
  { module: "numpy.random._pickle", names: ["__randomstate_ctor", "__generator_ctor", "__bit_generator_ctor"], reason: "random states and generators pickle through these constructors (sklearn estimators keep RandomState objects)" },
  { module: "numpy.random", names: ["__RandomState_ctor"], reason: "numpy < 1.17 spelling of the RandomState constructor" },

  // ------------------------------------------------------------------------------------------ torch
  { module: "torch", names: TORCH_STORAGE_CLASSES, reason: "storage types named in torch.save's persistent ids (zip and legacy formats)" },
  { module: "torch", names: ["UntypedStorage", "TypedStorage", "Size", "device", "Tensor"], reason: "shapes, devices and the tensor type recorded in checkpoints" },
  {
    module: "torch",
    names: [
      "float32", "float", "float64", "double", "float16", "half", "bfloat16", "complex32", "chalf", "complex64", "cfloat",
      "complex128", "cdouble", "uint8", "int8", "int16", "short", "int32", "int", "int64", "long", "bool",
      "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
      "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "uint16", "uint32", "uint64",
    ],
    reason: "dtype objects, pickled by name when a checkpoint stores a dtype",
  },
  {
    module: "torch",
    names: [
      "strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "_mkldnn",
      "per_tensor_affine", "per_channel_affine", "per_tensor_symmetric", "per_channel_symmetric", "per_channel_affine_float_qparams",
      "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
    ],
    reason: "layout, quantisation-scheme and memory-format objects pickled by name (quantised and sparse tensors)",
  },
  { module: "torch.cuda", names: TORCH_STORAGE_CLASSES, reason: "CUDA storage types named in old (pre-1.0) checkpoints" },
  {
    module: "torch._utils",
    names: [
      "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter", "_rebuild_parameter_with_state",
      "_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_sparse_csr_tensor", "_rebuild_nested_tensor",
      "_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor", "_rebuild_meta_tensor_no_storage",
      "_rebuild_wrapper_subclass", "_rebuild_xla_tensor", "_rebuild_mps_tensor",
    ],
    reason: "tensor.__reduce_ex__ rebuilds tensors and parameters from storages through these (backward hooks they accept only run during backward, and must come from other globals)",
  },
  { module: "torch._tensor", names: ["_rebuild_from_type", "_rebuild_from_type_v2"], reason: "tensor subclasses (and Parameter in torch 2) rebuild through these; the function they call is another global" },
  { module: "torch.storage", names: ["UntypedStorage", "TypedStorage"], reason: "storage classes (torch >= 2 names); _load_from_bytes is denied separately" },
  { module: "torch.serialization", names: ["_get_layout"], reason: "layout lookup by name used by sparse-tensor pickles" },
  { module: "torch.nn.parameter", names: ["Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"], reason: "parameters in whole-module saves" },
  {
    module: "torch.nn.functional",
    names: [
      "relu", "relu6", "gelu", "silu", "mish", "elu", "selu", "celu", "leaky_relu", "rrelu", "glu", "hardtanh", "hardswish",
      "hardsigmoid", "logsigmoid", "softplus", "softshrink", "tanhshrink", "softsign", "tanh", "sigmoid", "softmax",
      "log_softmax", "softmin",
    ],
    reason: "activation functions stored as attributes (TransformerEncoderLayer.activation = F.relu)",
  },
  {
    module: "torch.jit._pickle",
    names: ["build_intlist", "build_doublelist", "build_boollist", "build_tensorlist", "build_tensor_from_id", "restore_type_tag"],
    reason: "TorchScript archives (data.pkl, constants.pkl) rebuild typed lists through these; they return their argument",
  },


  // -------------------------------------------------------------------------------- scikit-learn
  { module: "sklearn", names: ["newObj"], reason: "BallTree/KDTree/DistanceMetric __reduce__ helper: cls.__new__(cls)" },
  { module: "joblib.numpy_pickle", names: ["NumpyArrayWrapper"], reason: "joblib's marker for an array stored inline after it; object arrays continue as a pickle in the same stream, which the joblib analyzer must scan" },

  // ------------------------------------------------------------------------------- xgboost, lightgbm
  {
    module: "xgboost.sklearn",
    names: ["XGBModel", "XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor"],
    reason: "xgboost's scikit-learn wrappers (parameters plus a Booster)",
  },
  { module: "xgboost.core", names: ["Booster"], reason: "Booster.__setstate__ loads the model from the pickled raw bytes" },
  { module: "xgboost.compat", names: ["XGBoostLabelEncoder"], reason: "label encoder kept by older xgboost classifiers" },
  {
    module: "lightgbm.sklearn",
    names: ["LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker"],
    reason: "LightGBM's scikit-learn wrappers (not installed here: from LightGBM's documented pickling of its estimators)",
  },
  { module: "lightgbm.basic", names: ["Booster"], reason: "Booster.__setstate__ loads the model from its text dump (lightgbm.basic.Dataset, which can start network training, is not here)" },

  // ------------------------------------------------------------------------------------------ pandas
  {
    module: "pandas",
    names: [
      "DataFrame", "Series", "Index", "RangeIndex", "MultiIndex", "DatetimeIndex", "TimedeltaIndex", "PeriodIndex",
      "CategoricalIndex", "IntervalIndex", "Categorical", "CategoricalDtype", "Timestamp", "Timedelta", "Period",
      "Interval", "NaT", "NA", "DatetimeTZDtype", "PeriodDtype", "IntervalDtype", "SparseDtype", "StringDtype",
      "BooleanDtype", "Int8Dtype", "Int16Dtype", "Int32Dtype", "Int64Dtype", "UInt8Dtype", "UInt16Dtype", "UInt32Dtype",
      "UInt64Dtype", "Float32Dtype", "Float64Dtype",
    ],
    reason: "pandas data types re-exported at the top level",
  },
  { module: "pandas.core.indexes.base", names: ["_new_Index"], reason: "Index.__reduce__ helper" },
  { module: "pandas.core.indexes.datetimes", names: ["_new_DatetimeIndex"], reason: "DatetimeIndex.__reduce__ helper" },
  { module: "pandas.core.indexes.period", names: ["_new_PeriodIndex"], reason: "PeriodIndex.__reduce__ helper" },
  { module: "pandas.core.internals.blocks", names: ["new_block", "_unpickle_block"], reason: "block rebuilding helpers" },
  { module: "pandas._libs.internals", names: ["_unpickle_block"], reason: "block rebuilding helper" },
  { module: "pandas._libs.tslibs.timestamps", names: ["_unpickle_timestamp"], reason: "Timestamp.__reduce__ helper" },
  { module: "pandas._libs.tslibs.timedeltas", names: ["_timedelta_unpickle"], reason: "Timedelta.__reduce__ helper" },
  { module: "pandas._libs.tslibs.nattype", names: ["__nat_unpickle"], reason: "NaT.__reduce__ helper" },
  { module: "pytz", names: ["_p", "_UTC", "utc", "UTC"], reason: "pytz time zones pickle as _p(zone, …), which only looks the zone up in pytz's own table" },
  { module: "dateutil.tz.tz", names: ["tzutc", "tzoffset"], reason: "fixed-offset dateutil zones used by pandas timestamps (tzfile/tzlocal, which read files, are not here)" },

  // ------------------------------------------------------------------------------------------- scipy
  {
    module: "scipy.sparse",
    names: [
      "csr_matrix", "csc_matrix", "coo_matrix", "lil_matrix", "dok_matrix", "bsr_matrix", "dia_matrix",
      "csr_array", "csc_array", "coo_array", "lil_array", "dok_array", "bsr_array", "dia_array", "spmatrix",
    ],
    reason: "sparse matrices (TF-IDF outputs, one-hot encodings); the defining module varies by version (scipy.sparse._csr, .csr, ._arrays)",
  },

  // ------------------------------------------------------------------------------- Hugging Face Trainer
  {
    module: "transformers.training_args",
    names: ["TrainingArguments", "OptimizerNames"],
    reason: "training_args.bin, written by the HF Trainer with torch.save on most fine-tuned model repositories: a dataclass and an enum",
  },
  { module: "transformers.training_args_seq2seq", names: ["Seq2SeqTrainingArguments"], reason: "training_args.bin of seq2seq fine-tunes: a TrainingArguments subclass" },
  {
    module: "transformers.trainer_utils",
    names: ["IntervalStrategy", "SchedulerType", "HubStrategy", "EvaluationStrategy", "SaveStrategy", "FSDPOption", "ShardedDDPOption"],
    reason: "enums stored inside TrainingArguments",
  },

  // --------------------------------------------------------------- other versions of the same libraries
  {
    module: "numpy._core.multiarray",
    names: ["_reconstruct", "scalar"],
    reason: "numpy 2 spelling of numpy.core.multiarray (numpy/_core/multiarray.py in numpy 2.0 and later)",
  },
  { module: "numpy._core.numeric", names: ["_frombuffer"], reason: "numpy 2 spelling of numpy.core.numeric._frombuffer" },
  { module: "numpy._core.records", names: ["recarray", "record"], reason: "numpy 2 spelling of numpy.core.records" },
  {
    module: "numpy.dtypes",
    names: [
      "BoolDType", "ByteDType", "UByteDType", "ShortDType", "UShortDType", "IntDType", "UIntDType", "LongDType", "ULongDType",
      "LongLongDType", "ULongLongDType", "Int8DType", "UInt8DType", "Int16DType", "UInt16DType", "Int32DType", "UInt32DType",
      "Int64DType", "UInt64DType", "Float16DType", "Float32DType", "Float64DType", "LongDoubleDType", "Complex64DType",
      "Complex128DType", "CLongDoubleDType", "ObjectDType", "BytesDType", "StrDType", "VoidDType", "DateTime64DType",
      "TimeDelta64DType", "StringDType",
    ],
    reason: "numpy >= 1.25 dtype classes (numpy/dtypes.pyi): pickled when an estimator stores a dtype class",
  },
  {
    module: "scipy.sparse.csr",
    names: ["csr_matrix"],
    reason: "scipy < 1.8 defined the sparse classes in public submodules; pickles written then name them there",
  },
  { module: "scipy.sparse.csc", names: ["csc_matrix"], reason: "scipy < 1.8 spelling (see scipy.sparse.csr)" },
  { module: "scipy.sparse.coo", names: ["coo_matrix"], reason: "scipy < 1.8 spelling (see scipy.sparse.csr)" },
  { module: "scipy.sparse.lil", names: ["lil_matrix"], reason: "scipy < 1.8 spelling (see scipy.sparse.csr)" },
  { module: "scipy.sparse.dok", names: ["dok_matrix"], reason: "scipy < 1.8 spelling (see scipy.sparse.csr)" },
  { module: "scipy.sparse.bsr", names: ["bsr_matrix"], reason: "scipy < 1.8 spelling (see scipy.sparse.csr)" },
  { module: "scipy.sparse.dia", names: ["dia_matrix"], reason: "scipy < 1.8 spelling (see scipy.sparse.csr)" },
  {
    module: "torch._utils",
    names: ["_rebuild_tensor_v3", "_rebuild_parameter_with_state", "_rebuild_nested_tensor", "_rebuild_device_tensor_from_cpu_tensor", "_rebuild_xla_tensor", "_rebuild_mps_tensor"],
    reason: "torch 2 tensor rebuild helpers (torch/_utils.py in 2.x), same contract as _rebuild_tensor_v2",
  },
  {
    module: "sklearn.externals.joblib.numpy_pickle",
    names: ["NumpyArrayWrapper"],
    reason: "scikit-learn < 0.23 vendored joblib as sklearn.externals.joblib; its estimators' .pkl files name the array wrapper there",
  },
  {
    module: "pandas._libs.missing",
    names: ["NA"],
    reason: "the pd.NA singleton, pickled by name (an object, not a class, so the generator cannot list it)",
  },
  { module: "functools", names: ["partial"], reason: "norm_layer=partial(LayerNorm, eps=…) in torchvision models, LR lambdas: the machine follows the callable it binds (pickle-effects.ts)" },
  {
    module: "dill._dill",
    names: ["_load_type", "_create_array", "_create_namedtuple"],
    reason: "dill's data helpers: a type from its own table by name (classified as that type when called), numpy arrays rebuilt through the callable they are handed (followed), namedtuple classes from identifiers",
  },
  {
    module: "math",
    names: ["pow", "exp", "log", "log2", "log10", "sqrt", "cos", "sin", "tan", "floor", "ceil", "fabs", "isclose", "prod", "hypot"],
    reason: "pure numeric functions kept as LR-schedule factors (partial(math.pow, 0.95)); they compute on numbers only",
  },
  { module: "scipy.optimize._optimize", names: ["OptimizeResult"], reason: "a dict subclass of optimiser results, kept by statsmodels Holt-Winters results (scipy.optimize is not walked by the generator)" },
  {
    module: "torch.ao.nn.quantized.dynamic.modules.linear",
    names: ["Linear"],
    reason: "dynamically quantised Linear layers in whole-module saves (torch.ao is not walked by the generator; the class only stores packed weights)",
  },
  { module: "torch.ao.nn.quantized.modules.linear", names: ["Linear", "LinearPackedParams"], reason: "quantised Linear and its packed-weight holder; __setstate__ repacks tensors" },
  { module: "torch", names: ["ScriptObject"], reason: "TorchScript custom-class objects (quantised packed params) restored by their registered C++ __setstate__ from tensors" },
];

/**
 * Hand-reviewed classes that are safe to rebuild (cls.__new__ and BUILD's state) but not to call, like the
 * generator's GENERATED_REBUILDABLE: their constructor does more than a rebuild runs.
 */
export const PICKLE_REBUILD_ONLY: readonly PickleAllowEntry[] = [
  {
    module: "optuna.study.study",
    names: ["Study"],
    reason:
      "optuna 3.1 Study.__setstate__ only updates __dict__ and makes a thread-local; its constructor opens the storage URL it is given (a database), so calling it is not vouched for",
  },
];

