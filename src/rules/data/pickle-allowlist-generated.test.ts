import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { GENERATED_ALLOWLIST_SOURCE, GENERATED_CLASSES, GENERATED_FUNCTIONS, GENERATED_REBUILDABLE } from "./pickle-allowlist.generated.js";
import { pythonHas, runPython } from "../../../test/helpers/python.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function has(table: Readonly<Record<string, readonly string[]>>, module: string, qualname: string): boolean {
  return table[module]?.includes(qualname) ?? false;
}

function allPaths(table: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.entries(table).flatMap(([module, names]) => names.map((n) => `${module}.${n}`));
}

describe("generated pickle allowlist: shape", () => {
  it("records the Python and library versions it was generated from", () => {
    expect(GENERATED_ALLOWLIST_SOURCE.python).toMatch(/^3\.\d+\.\d+/);
    for (const lib of ["torch", "numpy", "sklearn", "pandas", "scipy"]) {
      expect(GENERATED_ALLOWLIST_SOURCE.libraries[lib], lib).toMatch(/^\d/);
    }
  });

  it("lists dotted identifiers only, sorted (classify.ts binary-searches them), without duplicates, locals or empty modules", () => {
    for (const table of [GENERATED_CLASSES, GENERATED_REBUILDABLE, GENERATED_FUNCTIONS]) {
      const modules = Object.keys(table);
      expect(modules).toEqual([...modules].sort());
      for (const [module, names] of Object.entries(table)) {
        expect(module, module).toMatch(DOTTED);
        expect(names.length, module).toBeGreaterThan(0);
        expect([...names], module).toEqual([...new Set(names)].sort());
        for (const name of names) {
          expect(name, `${module}.${name}`).toMatch(DOTTED);
          expect(name).not.toContain("<locals>");
        }
      }
    }
  });

  it("never lists a module object as a class or function", () => {
    const modules = new Set([...Object.keys(GENERATED_CLASSES), ...Object.keys(GENERATED_FUNCTIONS)]);
    for (const p of [...allPaths(GENERATED_CLASSES), ...allPaths(GENERATED_FUNCTIONS)]) {
      expect(modules.has(p), p).toBe(false);
    }
    // module objects that sit in the libraries' namespaces
    for (const p of ["torch.nn.modules", "torch.nn.functional", "sklearn.utils", "numpy.core", "enum.bltns", "pathlib.os", "torch._utils"]) {
      const dot = p.lastIndexOf(".");
      expect(has(GENERATED_CLASSES, p.slice(0, dot), p.slice(dot + 1)), p).toBe(false);
    }
  });

  it("lists classes at their defining module", () => {
    const expected: [string, string][] = [
      ["sklearn.linear_model._logistic", "LogisticRegression"],
      ["sklearn.tree._tree", "Tree"],
      ["sklearn.pipeline", "Pipeline"],
      ["torch.nn.modules.linear", "Linear"],
      ["torch.nn.modules.container", "Sequential"],
      ["torch.nn.parameter", "Parameter"],
      ["torch.optim.adam", "Adam"],
      ["torch.optim.lr_scheduler", "StepLR"],
      ["torch", "Size"],
      ["torch", "FloatStorage"],
      ["collections", "OrderedDict"],
      ["numpy", "ndarray"], // numpy.ndarray.__module__ is "numpy"
      ["numpy", "dtype"],
      ["numpy", "float64"],
      ["numpy.ma.core", "MaskedArray"],
      ["pandas.core.frame", "DataFrame"],
      ["pandas.core.series", "Series"],
      ["pandas.core.indexes.base", "Index"],
      ["scipy.sparse._csr", "csr_matrix"],
      ["joblib.numpy_pickle", "NumpyArrayWrapper"],
      ["xgboost.sklearn", "XGBClassifier"],
      ["xgboost.core", "Booster"],
      ["datetime", "datetime"],
      ["pathlib", "PurePosixPath"],
      ["argparse", "Namespace"],
      ["types", "SimpleNamespace"],
      ["enum", "Enum"],
    ];
    for (const [module, name] of expected) expect(has(GENERATED_CLASSES, module, name), `${module}.${name}`).toBe(true);
  });

  it("lists the reduce/rebuild helpers as functions", () => {
    const expected: [string, string][] = [
      ["torch._utils", "_rebuild_tensor_v2"],
      ["torch._utils", "_rebuild_parameter"],
      ["torch._tensor", "_rebuild_from_type_v2"],
      ["numpy.core.multiarray", "_reconstruct"],
      ["numpy.core.multiarray", "scalar"],
      ["numpy.random._pickle", "__randomstate_ctor"],
      ["pandas.core.indexes.base", "_new_Index"],
      ["pandas._libs.internals", "_unpickle_block"],
      ["sklearn.neighbors._kd_tree", "newObj"],
    ];
    for (const [module, name] of expected) expect(has(GENERATED_FUNCTIONS, module, name), `${module}.${name}`).toBe(true);
    expect(has(GENERATED_FUNCTIONS, "torch.storage", "_load_from_bytes")).toBe(false);
  });

  it("leaves out re-exports, runners and everything that touches files, processes or code", () => {
    const absent: [string, string][] = [
      ["sklearn.utils.discovery", "Path"], // pathlib.Path
      ["sklearn.utils._available_if", "MethodType"], // types.MethodType
      ["enum", "bltns"], // the builtins module
      ["builtins", "eval"],
      ["builtins", "exec"],
      ["numpy", "memmap"], // opens files by name
      ["numpy", "DataSource"],
      ["pathlib", "Path"],
      ["pathlib", "PosixPath"],
      ["torch", "PyTorchFileReader"],
      ["torch", "PyTorchFileWriter"],
      ["torch.storage", "_load_from_bytes"],
      ["scipy.stats._continuous_distns", "norm_gen"], // rv_generic.__setstate__ execs a template from the instance
      ["numpy.ma.core", "_frommethod"], // calls a method named by its state
      ["xgboost.core", "DMatrix"], // reads files by URI
    ];
    for (const [module, name] of absent) {
      if (module === "numpy.ma.core" && name === "_frommethod") {
        // rebuild-only: its __call__ calls a method named by its state, so it is never callable-safe
        expect(has(GENERATED_CLASSES, module, name) || has(GENERATED_FUNCTIONS, module, name), `${module}.${name}`).toBe(false);
        continue;
      }
      expect(has(GENERATED_CLASSES, module, name) || has(GENERATED_REBUILDABLE, module, name) || has(GENERATED_FUNCTIONS, module, name), `${module}.${name}`).toBe(false);
    }
    const deniedPrefixes = [
      "os", "posix", "subprocess", "socket", "shutil", "pickle", "builtins", "importlib", "sys", "io", "functools", "operator",
      "copyreg", "sympy", "dill", "cloudpickle", "torch.jit._script", "torch.hub", "torch.distributed", "torch.multiprocessing",
      "torch.utils.tensorboard", "torch.utils.data.dataloader", "torch.package", "sklearn.datasets", "sklearn.utils._testing",
      "sklearn.externals", "pandas.io", "pandas.core.computation", "numpy.distutils", "numpy.f2py", "numpy.testing", "scipy.io",
      "statsmodels.iolib", "nltk.downloader", "gensim.utils",
    ];
    for (const module of [...Object.keys(GENERATED_CLASSES), ...Object.keys(GENERATED_REBUILDABLE), ...Object.keys(GENERATED_FUNCTIONS)]) {
      for (const prefix of deniedPrefixes) {
        expect(module === prefix || module.startsWith(`${prefix}.`), `${module} under ${prefix}`).toBe(false);
      }
    }
  });
});

describe("generated pickle allowlist: safe to rebuild vs safe to call", () => {
  it("lists classes whose only risky methods are __init__/__call__/__post_init__ as rebuildable, never in both lists", () => {
    for (const [module, name] of [
      ["gensim.models.word2vec", "Word2Vec"],
      ["gensim.models.fasttext", "FastText"],
      ["gensim.models.doc2vec", "Doc2Vec"],
    ] as [string, string][]) {
      expect(has(GENERATED_REBUILDABLE, module, name), `${module}.${name}`).toBe(true);
      expect(has(GENERATED_CLASSES, module, name), `${module}.${name}`).toBe(false);
    }
    for (const p of allPaths(GENERATED_REBUILDABLE)) {
      const dot = p.lastIndexOf(".");
      expect(has(GENERATED_CLASSES, p.slice(0, dot), p.slice(dot + 1)), p).toBe(false);
    }
  });

  it("covers the new roots, and keeps scipy.stats distributions and xgboost DMatrix out of both", () => {
    for (const [module, name] of [
      ["ipaddress", "IPv4Address"],
      ["ipaddress", "IPv6Network"],
      ["urllib.parse", "SplitResult"],
      ["zoneinfo", "ZoneInfo"],
      ["http", "HTTPStatus"],
      ["torchvision.ops.misc", "Conv2dNormActivation"],
      ["nltk.tag.perceptron", "PerceptronTagger"],
      ["nltk.tag.perceptron", "AveragedPerceptron"],
      ["optuna.trial._frozen", "FrozenTrial"],
      ["optuna.trial._state", "TrialState"],
    ] as [string, string][]) {
      expect(has(GENERATED_CLASSES, module, name) || has(GENERATED_REBUILDABLE, module, name), `${module}.${name}`).toBe(true);
    }
    expect(has(GENERATED_FUNCTIONS, "zoneinfo", "ZoneInfo._unpickle")).toBe(true);
    expect(has(GENERATED_CLASSES, "urllib.parse", "urlsplit") || has(GENERATED_FUNCTIONS, "urllib.parse", "urlsplit")).toBe(false);
    for (const [module, name] of [
      ["scipy.stats._continuous_distns", "norm_gen"], // rv_generic.__setstate__ execs a template from the state
      ["scipy.stats._distn_infrastructure", "rv_continuous"],
      ["xgboost.core", "DMatrix"], // __del__ frees self.handle, which BUILD sets
    ] as [string, string][]) {
      expect(has(GENERATED_CLASSES, module, name) || has(GENERATED_REBUILDABLE, module, name), `${module}.${name}`).toBe(false);
    }
  });
});

describe("generated pickle allowlist: drift", () => {
  const libs = ["torch", "torchvision", "numpy", "scipy", "sklearn", "joblib", "pandas", "statsmodels", "xgboost", "nltk", "gensim", "networkx", "optuna"];
  it.skipIf(!pythonHas(...libs))(
    "matches what tools/pickle-allowlist/generate.py produces from the installed libraries",
    () => {
      const r = runPython([path.join(REPO, "tools/pickle-allowlist/generate.py"), "--check"], { cwd: REPO, timeoutMs: 280_000 });
      expect(r.stdout + r.stderr).toContain("up to date");
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
    300_000,
  );
});
