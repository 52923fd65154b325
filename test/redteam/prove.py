#!/usr/bin/python3
"""Loads every manifest entry with its real loader in a fresh temporary working directory (one subprocess per
entry, 60 s timeout, no network) and reports whether MARKER_<id> appeared.

Usage: /usr/bin/python3 test/redteam/prove.py [--json] [ID...]
Exit 0 when every selected entry fired.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

LOADERS = {
    "pickle.load": "import pickle; pickle.load(open(F, 'rb'))",
    "pickle.loads": "import pickle; pickle.loads(open(F, 'rb').read())",
    "torch.load": "import torch; torch.load(F)",
    "joblib.load": "import joblib; joblib.load(F)",
    "pandas.read_pickle": "import pandas; pandas.read_pickle(F)",
    "numpy.load": "import numpy; numpy.load(F, allow_pickle=True)",
    "dill.load": "import dill; dill.load(open(F, 'rb'))",
}


def materialize(entry, dest):
    """Copies the entry's file (or folder) into dest, putting back any filler cut out of it."""
    src = os.path.join(HERE, "files", entry["file"])
    target = os.path.join(dest, os.path.basename(entry["file"].rstrip("/")))
    if os.path.isdir(src):
        shutil.copytree(src, target)
        return target
    data = open(src, "rb").read()
    if "expand" in entry:
        off, byte, count = entry["expand"]
        data = data[:off] + bytes([byte]) * count + data[off:]
    with open(target, "wb") as f:
        f.write(data)
    return target


def prove(entry):
    loader = entry["loader"]
    with tempfile.TemporaryDirectory(prefix="mg-redteam-") as tmp:
        inputs = os.path.join(tmp, "in")
        cwd = os.path.join(tmp, "cwd")
        os.makedirs(inputs)
        os.makedirs(cwd)
        path = materialize(entry, inputs)
        if loader.startswith("folder:"):
            _, loader, rel = loader.split(":", 2)
            path = os.path.join(path, rel)
        code = "import sys, warnings; warnings.filterwarnings('ignore'); F = sys.argv[1]\n" + LOADERS[loader]
        env = {"PATH": "/usr/bin:/bin", "HOME": cwd, "PYTHONDONTWRITEBYTECODE": "1", "no_proxy": "*",
               "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "PIP_NO_INDEX": "1"}
        try:
            r = subprocess.run(["/usr/bin/python3", "-c", code, path], cwd=cwd, env=env, timeout=60,
                               stdin=subprocess.DEVNULL, capture_output=True)
            err = r.stderr.decode(errors="replace").strip().splitlines()[-1:] if r.returncode else []
        except subprocess.TimeoutExpired:
            err = ["timeout"]
        fired = os.path.exists(os.path.join(cwd, f"MARKER_{entry['id']}"))
        return {"id": entry["id"], "fired": fired, "error": err[0] if err else None}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    manifest = json.load(open(os.path.join(HERE, "manifest.json")))
    entries = [e for e in manifest if not args or e["id"] in args]
    results = [prove(e) for e in entries]
    if "--json" in sys.argv:
        print(json.dumps(results))
    else:
        for r in results:
            print(f"{r['id']}\t{'FIRED' if r['fired'] else 'no'}\t{r['error'] or ''}")
    sys.exit(0 if all(r["fired"] for r in results) else 1)


if __name__ == "__main__":
    main()
