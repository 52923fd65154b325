#!/usr/bin/python3
"""Differential recorder: runs CPython's real loaders over files and records every global they resolve.

Reads a JSON list of jobs on stdin, ``[{"path": ..., "loader": ...}, ...]``, and writes one JSON line per job to
stdout::

    {"id": 3, "path": ..., "loader": ..., "imports": [[module, name], ...], "mapped": [[module, name] | null, ...],
     "via": ["find_class" | "nested:<loader>" | "joblib-object-array", ...], "notes": [...], "error": str | null}

``imports[i]`` is what the loader handed to ``find_class`` (the raw operands of GLOBAL / INST / STACK_GLOBAL / EXT*);
``mapped[i]`` is what CPython's ``_compat_pickle`` mapping (protocol < 3, fix_imports) — or the loader's own mapping
(pandas' ``_class_locations_map``, torch's ``torch.tensor`` → ``torch._tensor``) — turns it into, when different.
For the C unpickler the protocol is not visible from Python, so ``mapped`` is what the mapping *would* give.

Loaders (the real library entry points, with only ``find_class`` replaced):

- ``pickle``     ``_pickle.Unpickler(f).load()`` on the open file, repeated until EOF (torch legacy files and several
                 ``pickle.dump`` calls into one file are read that way).
- ``pickle-py``  the same with the pure-Python ``pickle._Unpickler``.
- ``joblib``     ``joblib.load`` (its compressors, ``NumpyUnpickler``); array payloads are read the way joblib's
                 ``NumpyArrayWrapper.read_array`` reads them, object arrays with a nested ``pickle.load``.
- ``torch``      ``torch.load(path, weights_only=False, pickle_module=<recording module>)`` (zip and legacy files;
                 TorchScript archives are not followed: ``torch.jit.load`` is replaced by an error).
- ``pandas``     ``pandas.read_pickle`` (compression inferred; stdlib pickle first, then ``pickle_compat``).
- ``numpy``      ``numpy.load(path, allow_pickle=True)``, every member of an ``.npz`` read.

``find_class`` records the pair and returns an inert stand-in: a fresh class (so NEWOBJ/issubclass work) whose
instances accept any call, attribute access, ``__setstate__``, item assignment, ``append``/``extend``/``add``, and
record what was done to them. Nothing named by a pickle is imported or called: the recorder resolves names only
against modules it imported itself (``sys.modules``, with ``inspect.getattr_static``) to recognise a few pieces of
plumbing whose effect on later imports it must reproduce:

- ``copyreg._reconstructor`` / ``copyreg.__newobj__`` / ``__newobj_ex__`` return an instance of their class argument;
- ``copyreg.add_extension(str, str, int)`` really registers the code (so a later EXT opcode resolves it, as it would);
- loaders that unpickle bytes (``pickle.loads``, ``_pickle.loads``, ``torch.storage._load_from_bytes``) called on a
  bytes constant are followed with the recorder (``via: nested:…``);
- ``_codecs.encode(str, 'latin1')`` (how protocol 0-2 spell bytes) is computed, so such bytes can be followed;
- ``numpy.dtype`` stand-ins are materialised (from plain data only) when joblib needs an array's item size.

Jobs run in forked workers (``--workers``, forked after the libraries are imported once), one job at a time each, in
a fresh temporary cwd, with sockets disabled, an audit hook that aborts the job on a real ``find_class`` or a process
/ socket event, an address-space cap and a timeout (``--timeout``, seconds). Imports are streamed to the parent as
they happen, so a job that hangs or crashes still reports what it resolved before; its worker is replaced.
"""
import inspect
import io
import json
import os
import select
import signal
import sys
import tempfile
import time
import traceback

import _codecs
import _compat_pickle
import codecs
import copyreg
import pickle
import _pickle

MAX_STREAMS = 256
MAX_NESTED_DEPTH = 4

# ---------------------------------------------------------------------------------------------------------------
# Recording state of the current job (one per forked child).

_OUT_FD = None
_seen = set()
_depth = 0


def _emit(obj):
    data = (json.dumps(obj) + "\n").encode("utf-8")
    while data:
        n = os.write(_OUT_FD, data)
        data = data[n:]


def _note(text):
    _emit({"note": str(text)[:500]})


def _compat_map(module, name):
    """What CPython's Unpickler.find_class does with (module, name) for protocol < 3 with fix_imports."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    if module in _compat_pickle.IMPORT_MAPPING:
        return _compat_pickle.IMPORT_MAPPING[module], name
    return module, name


def _record(module, name, mapped, via):
    if type(module) is not str or type(name) is not str:
        module, name = repr(module), repr(name)
    m = list(mapped) if mapped is not None and tuple(mapped) != (module, name) else None
    key = (module, name, tuple(m) if m else None, via)
    if key in _seen:
        return
    _seen.add(key)
    _emit({"import": [module, name], "mapped": m, "via": via})


def _static_resolve(module, name):
    """The object module.name names, looked up only in modules already imported; None when unknown."""
    mod = sys.modules.get(module)
    if mod is None:
        return None
    obj = mod
    try:
        for part in name.split("."):
            obj = inspect.getattr_static(obj, part)
    except Exception:
        return None
    return obj


# ---------------------------------------------------------------------------------------------------------------
# Inert stand-ins.


class _Both:
    """A method usable on a stand-in class and on its instances (BUILD/APPEND on a global is the class itself)."""

    def __init__(self, fn):
        self.fn = fn

    def __get__(self, obj, owner):
        target = owner if obj is None else obj
        fn = self.fn
        return lambda *a, **k: fn(target, *a, **k)


def _store(target):
    d = type.__getattribute__(target, "__dict__") if isinstance(target, type) else object.__getattribute__(target, "__dict__")
    if isinstance(d, dict):
        return d
    # a class __dict__ is a read-only mappingproxy: keep the class's record in its metaclass-side dict
    return type.__getattribute__(target, "_mg_record")


def _setstate(target, state):
    rec = _store(target)
    rec.setdefault("_mg_states", []).append(state)


def _append(target, value):
    _store(target).setdefault("_mg_items", []).append(value)


def _extend(target, values):
    try:
        values = list(values)
    except Exception:
        values = [values]
    _store(target).setdefault("_mg_items", []).extend(values)


class _StubMeta(type):
    def __getattr__(cls, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _new_instance(_stub_class(cls._mg_path + "." + attr, None))

    def __call__(cls, *args, **kwargs):
        return _on_call(cls, cls._mg_path, cls._mg_target, args, kwargs)

    def __setitem__(cls, key, value):
        cls._mg_record.setdefault("_mg_setitems", []).append((key, value))

    def __getitem__(cls, key):
        return _new_instance(_stub_class(cls._mg_path + "[]", None))

    def __delitem__(cls, key):
        pass

    def __iter__(cls):
        return iter(())

    def __len__(cls):
        return 0

    def __repr__(cls):
        return "<stand-in %s>" % cls._mg_path


class _StubBase:
    __setstate__ = _Both(_setstate)
    append = _Both(_append)
    extend = _Both(_extend)
    add = _Both(_append)

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        d = object.__getattribute__(obj, "__dict__")
        d["_mg_args"] = args
        d["_mg_kwargs"] = kwargs
        return obj

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _new_instance(_stub_class(type(self)._mg_path + "()." + attr, None))

    def __setattr__(self, key, value):
        object.__getattribute__(self, "__dict__").setdefault("_mg_attrs", []).append((key, value))

    def __delattr__(self, key):
        pass

    def __call__(self, *args, **kwargs):
        return _on_call(self, type(self)._mg_path + "()", None, args, kwargs)

    def __setitem__(self, key, value):
        object.__getattribute__(self, "__dict__").setdefault("_mg_setitems", []).append((key, value))

    def __getitem__(self, key):
        return _new_instance(_stub_class(type(self)._mg_path + "()[]", None))

    def __delitem__(self, key):
        pass

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __repr__(self):
        return "<stand-in %s instance>" % type(self)._mg_path


def _stub_class(path, target):
    safe_name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in path.rsplit(".", 1)[-1])[:64] or "stub"
    cls = _StubMeta(safe_name, (_StubBase,), {"_mg_path": path, "_mg_target": target, "_mg_record": {}})
    return cls


def _new_instance(cls, args=(), kwargs=None):
    return type.__call__(cls, *args, **(kwargs or {}))


def _state_of(obj):
    """The merged BUILD state of a stand-in instance (dict, or (dict, slotstate))."""
    states = object.__getattribute__(obj, "__dict__").get("_mg_states", [])
    merged = {}
    for st in states:
        if isinstance(st, tuple) and len(st) == 2:
            for part in st:
                if isinstance(part, dict):
                    merged.update(part)
        elif isinstance(st, dict):
            merged.update(st)
    return merged


# Plumbing whose effect on later imports the recorder reproduces (by identity of the resolved object).
_RECONSTRUCT = {id(copyreg._reconstructor), id(copyreg.__newobj__), id(copyreg.__newobj_ex__)}
_ADD_EXTENSION = {id(copyreg.add_extension)}
_ENCODE = {id(codecs.encode), id(_codecs.encode)}
_NESTED = {id(pickle.loads): "pickle.loads", id(_pickle.loads): "pickle.loads", id(pickle._loads): "pickle._loads"}


def _register_late_specials():
    try:
        import torch.storage

        _NESTED[id(torch.storage._load_from_bytes)] = "torch.storage._load_from_bytes"
    except Exception:
        pass
    try:
        import pandas.compat.pickle_compat as pc

        _NESTED[id(pc.loads)] = "pandas.compat.pickle_compat.loads"
    except Exception:
        pass


def _on_call(target, path, real, args, kwargs):
    key = id(real) if real is not None else None
    if key in _RECONSTRUCT and args and isinstance(args[0], _StubMeta):
        return _new_instance(args[0])
    if key in _ADD_EXTENSION:
        if len(args) == 3 and type(args[0]) is str and type(args[1]) is str and type(args[2]) is int:
            try:
                copyreg.add_extension(*args)
                _note("copyreg.add_extension%r registered" % (tuple(args),))
            except Exception as e:  # a conflicting registration raises in the real loader too
                raise ValueError(str(e))
    if key in _ENCODE and len(args) == 2 and type(args[0]) is str and type(args[1]) is str and not kwargs:
        # how protocol 0-2 pickles spell bytes: _codecs.encode(str, 'latin1') — plain data, computed for real so a
        # nested loader called on it can be followed
        if args[1].lower().replace("_", "-") in ("latin1", "latin-1", "iso-8859-1", "ascii", "utf-8", "utf8"):
            return codecs.encode(args[0], args[1])
    if key in _NESTED and args and isinstance(args[0], (bytes, bytearray)):
        _follow_nested(_NESTED[key], bytes(args[0]))
    if isinstance(target, _StubMeta):
        return _new_instance(target, args, kwargs)
    return _new_instance(_stub_class(path, None), args, kwargs)


def _follow_nested(kind, data):
    global _depth
    if _depth >= MAX_NESTED_DEPTH:
        _note("nested %s not followed (depth)" % kind)
        return
    _depth += 1
    _note("followed %s on %d constant bytes" % (kind, len(data)))
    try:
        via = "nested:" + kind
        if kind == "torch.storage._load_from_bytes":
            _torch_load(io.BytesIO(data), via)
        else:
            RecordingUnpickler(io.BytesIO(data), _via=via).load()
    except Exception as e:
        _note("nested %s stopped: %s: %s" % (kind, type(e).__name__, e))
    finally:
        _depth -= 1


def _stand_in(module, name, mapped_module, mapped_name, via):
    _record(module, name, (mapped_module, mapped_name), via)
    target = None
    if type(mapped_module) is str and type(mapped_name) is str:
        target = _static_resolve(mapped_module, mapped_name)
        if target is None and (mapped_module, mapped_name) != (module, name):
            target = _static_resolve(module, name)
    return _stub_class("%s.%s" % (mapped_module, mapped_name), target)


# ---------------------------------------------------------------------------------------------------------------
# Recording unpicklers and the recording pickle module handed to torch / pandas / numpy.


class RecordingUnpickler(_pickle.Unpickler):
    """C unpickler; find_class receives the raw operands (the protocol < 3 mapping lives in the default find_class)."""

    def __init__(self, *args, _via="find_class", **kwargs):
        super().__init__(*args, **kwargs)
        self._mg_via = _via
        self._mg_fix = kwargs.get("fix_imports", True)

    def find_class(self, module, name):
        m, n = _compat_map(module, name) if self._mg_fix else (module, name)
        return _stand_in(module, name, m, n, self._mg_via)


class RecordingPyUnpickler(pickle._Unpickler):
    def __init__(self, *args, _via="find_class", **kwargs):
        super().__init__(*args, **kwargs)
        self._mg_via = _via

    def find_class(self, module, name):
        m, n = (module, name)
        if self.proto < 3 and self.fix_imports:
            m, n = _compat_map(module, name)
        return _stand_in(module, name, m, n, self._mg_via)


class _RecordingPickleModule:
    """What torch.load / pandas / numpy get instead of the pickle module."""

    __name__ = "modelgate_recording_pickle"
    Unpickler = RecordingUnpickler
    Pickler = pickle.Pickler
    UnpicklingError = pickle.UnpicklingError
    PicklingError = pickle.PicklingError
    PickleError = pickle.PickleError
    HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
    DEFAULT_PROTOCOL = pickle.DEFAULT_PROTOCOL
    dump = staticmethod(pickle.dump)
    dumps = staticmethod(pickle.dumps)

    def __init__(self, via="find_class"):
        self.via = via
        via_ = via

        class _U(RecordingUnpickler):
            def __init__(self, *a, **k):
                k.setdefault("_via", via_)
                super().__init__(*a, **k)

        self.Unpickler = _U

    def load(self, file, **kwargs):
        return self.Unpickler(file, **kwargs).load()

    def loads(self, data, **kwargs):
        return self.Unpickler(io.BytesIO(data), **kwargs).load()


# ---------------------------------------------------------------------------------------------------------------
# Loaders.


def _load_streams(path, cls):
    with open(path, "rb") as f:
        for stream in range(MAX_STREAMS):
            cls(f).load()
            here = f.tell()
            if f.read(1) == b"":
                return
            f.seek(here)
        _note("stopped after %d streams" % MAX_STREAMS)


def _loader_pickle(path):
    _load_streams(path, RecordingUnpickler)


def _loader_pickle_py(path):
    _load_streams(path, RecordingPyUnpickler)


def _torch_load(f, via="find_class"):
    import torch
    import torch.serialization as ts

    # torch 1.13 ignores pickle_module when weights_only is False (it always uses its module global `pickle`), so
    # the recording module replaces that global for the call; pickle_module is passed as well for later versions.
    module = _RecordingPickleModule(via)
    saved = ts.pickle
    ts.pickle = module
    try:
        return torch.load(f, weights_only=False, pickle_module=module)
    finally:
        ts.pickle = saved


def _loader_torch(path):
    import torch.jit

    def _no_jit(*a, **k):
        raise RuntimeError("TorchScript archive: torch.jit.load not run by the recorder")

    torch.jit.load = _no_jit
    _torch_load(path)


def _materialize_dtype(obj, np, depth=0):
    """A real numpy dtype from a numpy.dtype stand-in built of plain data; raises when it is anything else."""
    if depth > 16:
        raise ValueError("dtype nesting too deep")
    if isinstance(obj, np.dtype):
        return obj
    if not isinstance(obj, _StubBase) or type(obj)._mg_target is not np.dtype:
        raise TypeError("not a numpy.dtype: %r" % (obj,))

    def conv(v):
        if isinstance(v, _StubBase):
            return _materialize_dtype(v, np, depth + 1)
        if isinstance(v, (str, bytes, int, float, bool, type(None))):
            return v
        if isinstance(v, tuple):
            return tuple(conv(x) for x in v)
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {conv(k): conv(x) for k, x in v.items()}
        raise TypeError("dtype built from %r" % type(v).__name__)

    d = object.__getattribute__(obj, "__dict__")
    dt = np.dtype(*conv(d.get("_mg_args", ())), **conv(d.get("_mg_kwargs", {})))
    for st in d.get("_mg_states", []):
        dt.__setstate__(conv(st))
    return dt


def _loader_joblib(path):
    import numpy as np
    import joblib.numpy_pickle as jnp
    from joblib.numpy_pickle_compat import NDArrayWrapper
    from joblib.numpy_pickle_utils import _read_fileobject, _read_bytes, BUFFER_SIZE

    class RecordingNumpyUnpickler(jnp.NumpyUnpickler):
        dispatch = jnp.NumpyUnpickler.dispatch.copy()

        def find_class(self, module, name):
            m, n = (module, name)
            if self.proto < 3 and self.fix_imports:
                m, n = _compat_map(module, name)
            return _stand_in(module, name, m, n, "find_class")

        def load_build(self):
            pickle._Unpickler.load_build(self)
            top = self.stack[-1]
            target = type(top)._mg_target if isinstance(top, _StubBase) else None
            if not isinstance(target, type) or not issubclass(target, (NDArrayWrapper, jnp.NumpyArrayWrapper)):
                return
            wrapper = self.stack.pop()
            if issubclass(target, NDArrayWrapper):
                self.compat_mode = True
                st = _state_of(wrapper)
                _note("joblib NDArrayWrapper companion file %r not followed" % (st.get("filename"),))
                self.stack.append(_new_instance(_stub_class("ndarray", None)))
                return
            self.stack.append(self._read_array(wrapper))

        def _read_array(self, wrapper):
            st = _state_of(wrapper)
            for attr in ("shape", "dtype"):
                if attr not in st:
                    raise AttributeError("'NumpyArrayWrapper' object has no attribute '%s'" % attr)
            shape = st["shape"]
            if self.mmap_mode is not None and st.get("allow_mmap"):
                raise RuntimeError("mmap_mode not emulated")
            if len(shape) == 0:
                count = 1
            else:
                count = int(np.multiply.reduce([np.int64(x) for x in shape]))
            dtype = _materialize_dtype(st["dtype"], np)
            if dtype.hasobject:
                # joblib: array = pickle.load(unpickler.file_handle) — the stdlib C unpickler, default arguments
                RecordingUnpickler(self.file_handle, _via="joblib-object-array").load()
            else:
                if st.get("numpy_array_alignment_bytes") is not None:
                    padding = int.from_bytes(self.file_handle.read(1), byteorder="little")
                    if padding != 0:
                        self.file_handle.read(padding)
                if count < 0:
                    raise ValueError("negative dimensions are not allowed")
                max_read_count = BUFFER_SIZE // min(BUFFER_SIZE, dtype.itemsize) if dtype.itemsize else count or 1
                for i in range(0, count, max_read_count):
                    read_count = min(max_read_count, count - i)
                    _read_bytes(self.file_handle, int(read_count * dtype.itemsize), "array data")
            return _new_instance(_stub_class("ndarray", None))

    RecordingNumpyUnpickler.dispatch[pickle.BUILD[0]] = RecordingNumpyUnpickler.load_build

    with open(path, "rb") as f:
        with _read_fileobject(f, path, None) as fobj:
            if isinstance(fobj, str):
                _note("joblib < 0.10 compatibility format (load_compatibility) not followed")
                return
            RecordingNumpyUnpickler(path, fobj).load()


def _loader_pandas(path):
    import pandas
    import pandas.io.pickle as pio
    import pandas.compat.pickle_compat as pc

    original = getattr(pc, "_mg_original_unpickler", pc.Unpickler)
    pc._mg_original_unpickler = original

    class RecordingPandasUnpickler(original):
        dispatch = original.dispatch

        def find_class(self, module, name):
            m, n = pc._class_locations_map.get((module, name), (module, name))
            if self.proto < 3 and self.fix_imports:
                m, n = _compat_map(m, n)
            return _stand_in(module, name, m, n, "find_class")

    pc.Unpickler = RecordingPandasUnpickler
    pio.pickle = _RecordingPickleModule()
    pandas.read_pickle(path)


def _loader_numpy(path):
    import numpy as np
    import numpy.lib.format as fmt
    import numpy.lib.npyio as npyio

    fmt.pickle = _RecordingPickleModule()
    npyio.pickle = _RecordingPickleModule()
    out = np.load(path, allow_pickle=True)
    if isinstance(out, npyio.NpzFile):
        with out:
            for key in out.files:
                out[key]


LOADERS = {
    "pickle": _loader_pickle,
    "pickle-py": _loader_pickle_py,
    "joblib": _loader_joblib,
    "torch": _loader_torch,
    "pandas": _loader_pandas,
    "numpy": _loader_numpy,
}

# ---------------------------------------------------------------------------------------------------------------
# Sandbox and job runner.


def _sandbox(as_limit):
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    import socket

    def _blocked(*a, **k):
        raise OSError("network disabled by the differential recorder")

    for attr in ("connect", "connect_ex", "bind", "sendto"):
        setattr(socket.socket, attr, _blocked)
    socket.create_connection = _blocked
    socket.getaddrinfo = _blocked
    try:
        import resource

        with open("/proc/self/statm") as f:
            vm_pages = int(f.read().split()[0])
        cap = vm_pages * os.sysconf("SC_PAGE_SIZE") + as_limit
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
    except Exception:
        pass
    import warnings

    warnings.simplefilter("ignore")
    sys.addaudithook(_audit)


_BLOCKED_EVENTS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen", "socket.connect", "socket.bind", "ctypes.dlopen")


def _audit(event, args):
    """Safety net: a real find_class (one the recorder did not intercept) or a process/network event aborts the job."""
    if event == "pickle.find_class":
        module, name = args[0], args[1]
        _record(module, name, None, "unintercepted-find_class")
        raise RuntimeError("recorder: a real find_class(%r, %r) was blocked" % (module, name))
    if event in _BLOCKED_EVENTS:
        raise RuntimeError("recorder: blocked %s" % event)


def _worker(rfd, wfd, as_limit):
    """A forked worker: reads job lines from rfd, runs each in a fresh temporary cwd, streams answers to wfd."""
    global _OUT_FD, _depth
    _OUT_FD = wfd
    import shutil

    _sandbox(as_limit)
    registry = (dict(copyreg._extension_registry), dict(copyreg._inverted_registry), dict(copyreg._extension_cache))
    reader = os.fdopen(rfd, "rb", buffering=0)
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = reader.read(1 << 16)
            if not chunk:
                os._exit(0)
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        job = json.loads(line)
        _seen.clear()
        _depth = 0
        tmp = tempfile.mkdtemp(prefix="mg-diff-")
        try:
            os.chdir(tmp)
            LOADERS[job["loader"]](job["path"])
            answer = None
        except BaseException as e:  # noqa: B902 — everything the loader raises is the answer
            answer = "%s: %s" % (type(e).__name__, str(e)[:300])
        try:
            os.chdir("/")
            shutil.rmtree(tmp, ignore_errors=True)
            for live, saved in zip((copyreg._extension_registry, copyreg._inverted_registry, copyreg._extension_cache), registry):
                live.clear()
                live.update(saved)
        except BaseException:
            pass
        _emit({"done": answer})


def main():
    timeout = 20.0
    workers = 2
    as_limit = 2 << 30
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--timeout":
            timeout = float(args.pop(0))
        elif a == "--workers":
            workers = max(1, int(args.pop(0)))
        elif a == "--memory":
            as_limit = int(args.pop(0))
        else:
            sys.exit("usage: recorder.py [--timeout S] [--workers N] [--memory BYTES] < jobs.json")
    jobs = json.load(sys.stdin)
    for j in jobs:
        j["path"] = os.path.abspath(j["path"])
        if j["loader"] not in LOADERS:
            sys.exit("unknown loader %r" % j["loader"])
    loaders = {j["loader"] for j in jobs}
    # Import what the loaders need once, before forking the workers (torch's import is the slow part).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if loaders & {"torch"}:
        import torch
        import torch.jit  # noqa: F401

        torch.set_num_threads(1)
    if loaders & {"joblib", "numpy", "pandas", "torch"}:
        import numpy  # noqa: F401
        import numpy.lib.format  # noqa: F401
        import numpy.lib.npyio  # noqa: F401
    if "joblib" in loaders:
        import joblib.numpy_pickle  # noqa: F401
    if "pandas" in loaders:
        import pandas  # noqa: F401
        import pandas.io.pickle  # noqa: F401
    _register_late_specials()

    out = sys.stdout
    queue = list(enumerate(jobs))
    queue.reverse()
    pool = {}  # answer fd -> worker state

    def spawn():
        jr, jw = os.pipe()
        ar, aw = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(jw)
            os.close(ar)
            for other in list(pool):
                os.close(other)
                os.close(pool[other]["jobs"])
            _worker(jr, aw, as_limit)
            os._exit(0)
        os.close(jr)
        os.close(aw)
        pool[ar] = {"pid": pid, "jobs": jw, "buf": b"", "job": None, "start": 0.0, "res": None}

    def assign(st):
        if not queue:
            return False
        idx, job = queue.pop()
        st["job"] = idx
        st["start"] = time.monotonic()
        st["res"] = {"id": idx, "path": job["path"], "loader": job["loader"], "imports": [], "mapped": [], "via": [], "notes": [], "error": None}
        os.write(st["jobs"], (json.dumps(job) + "\n").encode())
        return True

    def finish(st, error):
        res = st["res"]
        res["error"] = error
        res["seconds"] = round(time.monotonic() - st["start"], 3)
        out.write(json.dumps(res) + "\n")
        out.flush()
        st["job"] = None
        st["res"] = None

    def retire(fd, error):
        st = pool.pop(fd)
        try:
            os.kill(st["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(st["pid"], 0)
        os.close(fd)
        os.close(st["jobs"])
        if st["job"] is not None:
            finish(st, error)

    for _ in range(min(workers, len(jobs))):
        spawn()
    for st in list(pool.values()):
        assign(st)

    while pool:
        busy = [st for st in pool.values() if st["job"] is not None]
        if not busy:
            break
        now = time.monotonic()
        wait = min(max(0.0, st["start"] + timeout - now) for st in busy)
        ready, _, _ = select.select(list(pool), [], [], wait)
        for fd in ready:
            st = pool.get(fd)
            if st is None:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:  # the worker died in the middle of a job (a crash in C code, or the memory cap)
                retire(fd, "crashed: the worker died")
                if queue:
                    spawn()
                continue
            st["buf"] += chunk
            *lines, st["buf"] = st["buf"].split(b"\n")
            for line in lines:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                res = st["res"]
                if res is None:
                    continue
                if "import" in msg:
                    res["imports"].append(msg["import"])
                    res["mapped"].append(msg["mapped"])
                    res["via"].append(msg["via"])
                elif "note" in msg:
                    res["notes"].append(msg["note"])
                elif "done" in msg:
                    finish(st, msg["done"])
                    assign(st)
        now = time.monotonic()
        for fd, st in list(pool.items()):
            if st["job"] is not None and now - st["start"] >= timeout:
                retire(fd, "timeout after %.0f s" % timeout)
                if queue:
                    spawn()
        for st in pool.values():
            if st["job"] is None:
                assign(st)
    for fd in list(pool):
        retire(fd, "shutdown")


if __name__ == "__main__":
    main()
