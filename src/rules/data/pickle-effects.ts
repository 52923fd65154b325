/**
 * What known-safe pickle callables do with their arguments — reviewed data beside the allowlist.
 *
 * A callable on the allowlist gives a pickle no power of its own, but some of them call, instantiate or look up
 * what they are handed: `copyreg._reconstructor(cls, base, state)` calls `base.__new__(cls, state)`,
 * `torch._tensor._rebuild_from_type_v2(func, type, args, state)` returns `func(*args)`, `builtins.getattr(obj,
 * name)` fetches an attribute, `builtins.type(name, bases, dict)` makes a class out of any callables. The pickle
 * machine (src/analyzers/pickle/machine.ts) applies these effects, so that a global handed to such a callable
 * counts as called (or instantiated), and what a call returns is followed when it matters.
 *
 * Each entry was written from the callable's source in the library versions named by the allowlist generator
 * (tools/pickle-allowlist) and, for numpy 2 and torch 2 spellings, from those libraries' published sources.
 * Keys are exact `module.qualname` pairs as find_class receives them (after CPython's Python 2 renames).
 */

export interface PickleCallEffect {
  /** Positional arguments it calls, and with which of its own arguments as theirs (`[callee, argsIndex]`; argsIndex -1: arguments the pickle cannot see). */
  readonly calls?: ReadonlyArray<readonly [callee: number, args: number]>;
  /** Positional arguments whose items (tuple/list items, dict values) it calls, now or later (hooks, class bodies, bases). */
  readonly callsItems?: readonly number[];
  /** Positional arguments it instantiates without their constructor (`cls.__new__(cls)`): the class's __new__, and whatever BUILD then runs. */
  readonly instantiates?: readonly number[];
  /** What the call returns, when the analysis must follow it: the result of one of its calls, an attribute, a new class, an instance of an argument. */
  readonly returns?: "call0" | "attribute" | "class" | "instance0" | "namedType";
  /** For a class: the item of BUILD's state tuple its __setstate__ stores as a callable and calls later (the next item holds its arguments). */
  readonly stateCalls?: number;
  readonly reason: string;
}

const REBUILD_WITH_HOOKS = (hooks: number): PickleCallEffect => ({
  callsItems: [hooks],
  reason: `rebuilds a tensor; the hooks in argument ${hooks + 1} (an OrderedDict of callables) run on every backward pass`,
});

const NUMPY_RECONSTRUCT: PickleCallEffect = {
  instantiates: [0],
  returns: "instance0",
  reason: "ndarray.__new__(subtype, shape, dtype): a subtype's __array_finalize__ runs, and BUILD calls its __setstate__",
};

const NUMPY_MA_RECONSTRUCT: PickleCallEffect = {
  calls: [[0, -1]],
  instantiates: [1],
  returns: "instance0",
  reason: "subtype.__new__(subtype, data, mask=…) after ndarray.__new__(baseclass, …): both classes' code runs",
};

/** Exact `module.qualname` → effect. */
export const PICKLE_CALL_EFFECTS: Readonly<Record<string, PickleCallEffect>> = {
  "builtins.getattr": { returns: "attribute", reason: "returns the named attribute of its first argument: a bound method, enum member or class attribute" },
  "builtins.type": {
    callsItems: [1, 2],
    returns: "class",
    reason: "type(name, bases, namespace) makes a class: the bases' code and every callable in the namespace (__init__, __setstate__, __del__…) run when the class is used",
  },
  "builtins.object": { reason: "object() and object.__new__ run nothing" },
  "functools.partial": {
    reason: "partial(func, *args) binds a callable for later (an LR lambda, a norm_layer factory): func is classified as referenced, and calling the partial at load time is a call of a computed value",
  },
  "dill._dill._load_type": {
    returns: "namedType",
    reason: "returns a type from dill's own table by name (NoneType, CodeType, FunctionType…): what a later call of it builds is classified as that type",
  },
  "dill._dill._create_array": {
    calls: [[0, 1]],
    returns: "call0",
    reason: "array = f(*args), then array.__setstate__(state): calls its first argument with the second",
  },
  "copyreg._reconstructor": {
    calls: [[1, 2]],
    instantiates: [0],
    returns: "instance0",
    reason: "obj = base.__new__(cls, state), then base.__init__(obj, state) when base defines it",
  },
  "copyreg.__newobj__": { instantiates: [0], returns: "instance0", reason: "cls.__new__(cls, *args)" },
  "copyreg.__newobj_ex__": { instantiates: [0], returns: "instance0", reason: "cls.__new__(cls, *args, **kwargs)" },
  "collections.defaultdict": { calls: [[0, -1]], reason: "calls its default_factory for every missing key" },
  "numpy.core.multiarray._reconstruct": NUMPY_RECONSTRUCT,
  "numpy._core.multiarray._reconstruct": NUMPY_RECONSTRUCT,
  "numpy.core._multiarray_umath._reconstruct": NUMPY_RECONSTRUCT,
  "numpy._core._multiarray_umath._reconstruct": NUMPY_RECONSTRUCT,
  "numpy.ma.core._mareconstruct": NUMPY_MA_RECONSTRUCT,
  "numpy.ma.mrecords._mrreconstruct": NUMPY_MA_RECONSTRUCT,
  "numpy.random._pickle.__generator_ctor": {
    calls: [[1, 0]],
    reason: "Generator(bit_generator_ctor(bit_generator_name)): calls its second argument",
  },
  "numpy.random._pickle.__randomstate_ctor": {
    calls: [[1, 0]],
    reason: "RandomState(bit_generator_ctor(bit_generator_name)): calls its second argument",
  },
  "numpy.random._pickle.__bit_generator_ctor": {
    calls: [[0, -1]],
    reason: "numpy >= 2 instantiates its argument when it is a class (a name is looked up in numpy's own table)",
  },
  "torch._utils._rebuild_tensor_v2": REBUILD_WITH_HOOKS(5),
  "torch._utils._rebuild_tensor_v3": REBUILD_WITH_HOOKS(5),
  "torch._utils._rebuild_parameter": REBUILD_WITH_HOOKS(2),
  "torch._utils._rebuild_parameter_with_state": REBUILD_WITH_HOOKS(2),
  "torch._utils._rebuild_qtensor": REBUILD_WITH_HOOKS(6),
  "torch._utils._rebuild_wrapper_subclass": { instantiates: [0], returns: "instance0", reason: "Tensor._make_wrapper_subclass(cls, …): an instance of its first argument" },
  "torch._tensor._rebuild_from_type": {
    calls: [[0, 2]],
    instantiates: [1],
    returns: "call0",
    reason: "ret = func(*args), then ret.__class__ = type: calls its first argument with the third",
  },
  "torch._tensor._rebuild_from_type_v2": {
    calls: [[0, 2], [1, -1]],
    returns: "call0",
    reason: "ret = func(*args), then ret.as_subclass(new_type) and new_type's __setstate__: calls its first argument with the third",
  },
  "pandas.core.indexes.base._new_Index": { calls: [[0, 1]], returns: "instance0", reason: "cls.__new__(cls, **d): runs its first argument's __new__" },
  "pandas.core.indexes.datetimes._new_DatetimeIndex": { calls: [[0, 1]], returns: "instance0", reason: "cls._simple_new / cls.__new__(cls, **d)" },
  "pandas.core.indexes.period._new_PeriodIndex": { calls: [[0, -1]], returns: "instance0", reason: "cls._simple_new(values, **d)" },
};

/** Cython's pickling helpers (`__pyx_unpickle_<Class>(type, checksum, state)`) call `type.__new__(type)` then set its state. */
export const CYTHON_UNPICKLE_EFFECT: PickleCallEffect = {
  instantiates: [0],
  returns: "instance0",
  reason: "Cython's __pyx_unpickle helper: type.__new__(type), then __setstate_cython__(state)",
};

/** scikit-learn's BallTree/KDTree/DistanceMetric helper `newObj(obj)` returns `obj.__new__(obj)`. */
export const SKLEARN_NEWOBJ_EFFECT: PickleCallEffect = { instantiates: [0], returns: "instance0", reason: "newObj(cls): cls.__new__(cls)" };

/** The effect of `module.name`, or undefined when it does nothing the analysis must follow. */
export function callEffectOf(module: string, name: string): PickleCallEffect | undefined {
  const key = `${module}.${name}`;
  if (Object.hasOwn(PICKLE_CALL_EFFECTS, key)) return PICKLE_CALL_EFFECTS[key];
  if (name.startsWith("__pyx_unpickle_")) return CYTHON_UNPICKLE_EFFECT;
  if (name === "newObj" && module.startsWith("sklearn.")) return SKLEARN_NEWOBJ_EFFECT;
  return undefined;
}
