/**
 * Benign baseline: real files written by the real libraries (test/fixtures/baseline/generate.py, see its
 * PROVENANCE.md): torch, torchvision, numpy, scikit-learn, imbalanced-learn, joblib, pandas, scipy, statsmodels,
 * xgboost, nltk, gensim, networkx, dill, cloudpickle, optuna, skorch, sympy, onnx, h5py and the standard library's
 * pickle. modelgate must not fail any of them, must recognise each one's format, and may only report the `medium`
 * findings listed here (a user's own class rebuilt by pickle). Every class these files name is a library's own
 * (the generator pickles no `__main__` class, function or lambda except pytorch/whole_module.pt's TinyNet), and none
 * of them carries code: functions appear only by reference (torch.nn.functional.gelu as a Transformer activation,
 * numpy ufuncs in a FunctionTransformer, functools.partial(math.pow, 0.95) as a LambdaLR factor, builtins.print as
 * skorch's PrintLog sink, numpy/torch functions in cloudpickle/library_functions_by_ref.pkl), none is called by the
 * unpickler except the libraries' own reconstructors.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Finding } from "../src/core/finding.js";
import type { FormatId } from "../src/core/format.js";
import type { FileReport } from "../src/core/report.js";
import { meetsGate } from "../src/core/severity.js";
import { scan } from "../src/scan/scan.js";
import { PYTHON, pythonHas } from "./helpers/python.js";

const BASELINE = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "baseline");

interface Expectation {
  /** Format of the file itself (report.files[0].format). */
  format: FormatId;
  /** Formats that must appear among the members the container analyzer handed back to the scan. */
  members?: FormatId[];
  /** Exact rule ids (sorted, distinct) of the `medium` findings; default none. */
  medium?: string[];
  /** Names the medium findings must mention (the user class they are about). */
  mentions?: string[];
  /**
   * A file a real library writes that the scan does NOT vouch for, on purpose: the modules of the names that
   * block it, and why. The test checks that exactly these block it.
   */
  blockedBy?: { modules: string[]; why: string };
}

/** A pickled reference to a class defined by the user (`__main__.TinyNet`): rebuilt without running code. */
const USER_CLASS_RULE = "pickle/unknown-global-rebuilt";

const SKLEARN_MODELS = ["logreg", "random_forest", "pipeline_svc", "gbr", "kmeans", "tfidf"] as const;
/** joblib.dump(compress=…) writes one compressed stream holding the joblib pickle. */
const JOBLIB_STREAMS: ReadonlyArray<[ext: string, format: FormatId]> = [
  ["zlib", "zlib"],
  ["gzip", "gzip"],
  ["bz2", "bzip2"],
  ["xz", "xz"],
  ["lzma", "lzma"],
];

const EXPECTED: Record<string, Expectation> = {
  // Zip checkpoints: data.pkl must come back as a pickle member (it is what torch.load unpickles).
  "pytorch/state_dict.pt": { format: "pytorch-zip", members: ["pickle"] },
  "pytorch/state_dict_legacy.pt": { format: "pytorch-legacy" },
  "pytorch/whole_module.pt": { format: "pytorch-zip", members: ["pickle"], medium: [USER_CLASS_RULE], mentions: ["__main__.TinyNet"] },
  "pytorch/optimizer_state.pt": { format: "pytorch-zip", members: ["pickle"] },
  "pytorch/torchscript_scripted.pt": { format: "torchscript", members: ["pickle"] },
  "pytorch/torchscript_traced.pt": { format: "torchscript", members: ["pickle"] },
  "pytorch/tensor_dtypes.pt": { format: "pytorch-zip", members: ["pickle"] },
  "pytorch/nested_tensors.pt": { format: "pytorch-zip", members: ["pickle"] },

  "numpy/numeric.npy": { format: "numpy" },
  "numpy/object_array.npy": { format: "numpy" },
  "numpy/arrays.npz": { format: "npz", members: ["numpy"] },
  "numpy/arrays_compressed.npz": { format: "npz", members: ["numpy"] },

  "xgboost/xgb_classifier.pkl": { format: "pickle" },
  "xgboost/xgb_model.json": { format: "json" },
  // Universal Binary JSON: plain data that no analyzer claims (an info note at most).
  "xgboost/xgb_model.ubj": { format: "unknown" },

  "pandas/dataframe.pkl": { format: "pickle" },
  "pandas/dataframe.pkl.gz": { format: "gzip", members: ["pickle"] },
  "pandas/dataframe.pkl.bz2": { format: "bzip2", members: ["pickle"] },
  "pandas/dataframe.pkl.xz": { format: "xz", members: ["pickle"] },
  "pandas/dataframe.pkl.zip": { format: "zip", members: ["pickle"] },

  "scipy/csr.pkl": { format: "pickle" },
  "scipy/csc.pkl": { format: "pickle" },
  "scipy/csr.npz": { format: "npz", members: ["numpy"] },
  "scipy/csc.npz": { format: "npz", members: ["numpy"] },

  "onnx/mlp.onnx": { format: "onnx" },
  "hdf5/data.h5": { format: "hdf5" },
  "safetensors/tiny.safetensors": { format: "safetensors" },
};
for (const model of SKLEARN_MODELS) {
  for (const proto of [2, 4, 5]) EXPECTED[`sklearn/${model}.p${proto}.pkl`] = { format: "pickle" };
  EXPECTED[`sklearn/${model}.joblib`] = { format: "joblib" };
  for (const [ext, format] of JOBLIB_STREAMS) EXPECTED[`sklearn/${model}.joblib.${ext}`] = { format, members: ["joblib"] };
}

// ---- the wider baseline: one block per generate.py section ----------------------------------------------------

/**
 * joblib.dump of an object that holds no numpy array writes no NumpyArrayWrapper: the bytes are a plain pickle,
 * and content is all the format can be told by.
 */
const JOBLIB_WITHOUT_ARRAYS = ["sklearn/more/text_vectorizers.joblib", "imblearn/samplers.joblib", "xgboost/booster.joblib", "xgboost/xgb_ranker.joblib", "xgboost/xgb_regressor.joblib"];

/** Adds one expectation per name: `${dir}/${name}${suffix}`. */
function expectEach(dir: string, names: readonly string[], suffix: string, want: Expectation): void {
  for (const name of names) EXPECTED[`${dir}/${name}${suffix}`] = want;
}
const PICKLE: Expectation = { format: "pickle" };
const JOBLIB: Expectation = { format: "joblib" };
const TORCH_ZIP: Expectation = { format: "pytorch-zip", members: ["pickle"] };
const TORCH_LEGACY: Expectation = { format: "pytorch-legacy" };

// torch: tensors of every dtype, sparse (COO, CSR) and quantized tensors, torch.Size/dtype/device values
const TORCH_DTYPES = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128", "uint8", "int8", "int16", "int32", "int64", "bool"];
expectEach("pytorch/tensors", [...TORCH_DTYPES, "all_dtypes_p4", "parameter_requires_grad", "non_contiguous", "metadata_values", "sparse_coo", "sparse_csr", "quantized"], ".pt", TORCH_ZIP);
expectEach("pytorch/tensors", ["all_dtypes_legacy", "sparse_coo_legacy", "quantized_legacy"], ".pt", TORCH_LEGACY);

// torch.nn whole modules (only torch.nn classes) and their state dicts
const TORCH_MODULES = ["sequential_mlp", "sequential_activations", "conv_bn", "transformer_encoder_gelu", "transformer_layer_relu", "transformer_decoder_module_act", "transformer_full", "rnns", "embedding_attention", "quantized_dynamic"];
expectEach("pytorch/modules", TORCH_MODULES, ".pt", TORCH_ZIP);
expectEach("pytorch/modules", TORCH_MODULES, ".state_dict.pt", TORCH_ZIP);
expectEach("pytorch/modules", ["sequential_mlp_p4", "checkpoint"], ".pt", TORCH_ZIP);
EXPECTED["pytorch/modules/sequential_mlp_legacy.pt"] = TORCH_LEGACY;

// torch.optim: whole optimizers and state dicts
const OPTIMIZERS = ["sgd_momentum", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam", "asgd", "rprop"];
expectEach("pytorch/optim", OPTIMIZERS, ".pt", TORCH_ZIP);
expectEach("pytorch/optim", OPTIMIZERS, ".state_dict.pt", TORCH_ZIP);
EXPECTED["pytorch/optim/sgd_param_groups.pt"] = TORCH_ZIP;

// torch.optim.lr_scheduler: whole schedulers (they pickle their optimizer) and state dicts. CyclicLR is missing:
// torch 1.13 cannot pickle it (a weakref.WeakMethod; PROVENANCE.md lists it).
const SCHEDULERS = ["step_lr", "multistep_lr", "exponential_lr", "cosine_annealing_lr", "cosine_warm_restarts", "one_cycle_lr", "one_cycle_lr_linear", "reduce_lr_on_plateau", "constant_lr", "linear_lr", "polynomial_lr", "lambda_lr", "multiplicative_lr", "sequential_lr", "chained_scheduler"];
expectEach("pytorch/lr_scheduler", SCHEDULERS, ".pt", TORCH_ZIP);
expectEach("pytorch/lr_scheduler", SCHEDULERS, ".state_dict.pt", TORCH_ZIP);
EXPECTED["pytorch/lr_scheduler/training_checkpoint.pt"] = TORCH_ZIP;
// A plain pickle of torch objects: each storage is torch.storage._load_from_bytes(<a nested legacy torch.save file>).
EXPECTED["pytorch/lr_scheduler/step_lr.p4.pkl"] = PICKLE;

// torchvision: transforms pickled whole (InterpolationMode members, AutoAugmentPolicy), architectures saved whole
expectEach("torchvision", ["compose_eval", "compose_eval.p2", "compose_eval.p5", "compose_train", "compose_tensor_ops", "autoaugment", "sequential_transforms", "weights_transforms", "interpolation_modes"], ".pkl", PICKLE);
EXPECTED["torchvision/compose_eval.pt"] = TORCH_ZIP;
expectEach("torchvision/models", ["resnet18", "resnet18.state_dict", "mobilenet_v3_small", "mobilenet_v3_small_w0.1", "squeezenet1_1", "vit_b_16", "efficientnet_b0"], ".pt", TORCH_ZIP);
EXPECTED["torchvision/models/resnet18_legacy.pt"] = TORCH_LEGACY;

// scikit-learn: fitted search CVs (scipy.stats distributions, scorers), ensembles, trees, neighbours, pipelines…
const SKLEARN_MORE = [
  "randomized_search_cv", "randomized_search_cv_rf", "grid_search_cv", "grid_search_cv_pipeline", "decision_tree", "extra_trees",
  "hist_gradient_boosting", "adaboost", "bagging", "isolation_forest", "voting", "stacking", "calibrated", "mlp", "sgd", "ridge_lasso_enet",
  "naive_bayes", "knn", "nearest_neighbors_trees", "kernel_density", "svr_oneclass", "decomposition", "discriminant", "gaussian_mixture",
  "dbscan", "gaussian_process", "isotonic", "column_transformer", "function_transformer_ufunc", "imputer_label_encoder", "text_vectorizers",
];
expectEach("sklearn/more", SKLEARN_MORE, ".pkl", PICKLE);
expectEach("sklearn/more", SKLEARN_MORE, ".joblib", JOBLIB);
const IMBLEARN = ["smote_pipeline", "samplers", "balanced_random_forest"];
expectEach("imblearn", IMBLEARN, ".pkl", PICKLE);
expectEach("imblearn", IMBLEARN, ".joblib", JOBLIB);

// joblib: every compressor this joblib has (lz4 through python3-lz4), protocols 2-5
expectEach("joblib", ["payload", "payload.p2", "payload.p3", "payload.p4", "payload.p5"], ".joblib", JOBLIB);
for (const [ext, format] of [...JOBLIB_STREAMS, ["lz4", "lz4"] as [string, FormatId]]) EXPECTED[`joblib/payload.joblib.${ext}`] = { format, members: ["joblib"] };
expectEach("joblib", ["payload_zlib1", "payload_zlib9"], ".joblib.z", { format: "zlib", members: ["joblib"] });
expectEach("joblib", ["logreg", "random_forest"], ".joblib.lz4", { format: "lz4", members: ["joblib"] });

// statsmodels: results.save() (a pickle), with and without remove_data=True
const STATSMODELS = ["ols", "wls", "glm_binomial", "glm_poisson_log", "logit", "arima", "sarimax", "holt_winters"];
expectEach("statsmodels", STATSMODELS, ".pickle", PICKLE);
expectEach("statsmodels", STATSMODELS.filter((m) => m !== "holt_winters"), ".remove_data.pickle", PICKLE);
EXPECTED["statsmodels/ols.p4.pkl"] = PICKLE;

// nltk: classifiers, taggers, punkt parameters (the nltk_data pickle format), frequency distributions
expectEach("nltk", ["naive_bayes", "naive_bayes.p2", "decision_tree", "maxent_gis", "maxent_iis", "sklearn_classifier", "unigram_bigram_tagger", "perceptron_tagger", "punkt", "punkt.p2", "freqdists"], ".pickle", PICKLE);

// gensim: .save() writes a pickle; LdaModel/LsiModel write companion files beside it
expectEach("gensim", ["word2vec.model", "word2vec.kv", "fasttext.model", "doc2vec.model", "phrases.model", "dictionary.dict", "tfidf.model", "lsi.model", "lsi.model.projection", "lda.model", "lda.model.state", "lda.model.id2word"], "", PICKLE);
EXPECTED["gensim/lda.model.expElogbeta.npy"] = { format: "numpy" };

// networkx graphs
for (const g of ["karate_club", "digraph", "multigraph", "multidigraph"]) expectEach("networkx", [`${g}.p2`, `${g}.p4`, `${g}.p5`], ".pkl", PICKLE);
EXPECTED["networkx/grid_2d.gpickle"] = PICKLE;
EXPECTED["networkx/graph_views.pkl"] = PICKLE;

// dill and cloudpickle: plain data only (a pickled function or lambda carries code and must be flagged, so none here)
expectEach("dill", ["plain_data.p0", "plain_data.p1", "plain_data.p2", "plain_data.p3", "plain_data.p4", "plain_data.p5", "plain_data.default", "plain_data.recurse", "numpy_arrays", "dataframe", "sklearn_model", "list_of_dicts"], ".pkl", PICKLE);
expectEach("cloudpickle", ["plain_data.p2", "plain_data.p3", "plain_data.p4", "plain_data.p5", "plain_data.default", "dataframe_and_model", "library_functions_by_ref"], ".pkl", PICKLE);

// optuna studies (joblib.dump is the documented way to keep an in-memory study) and skorch nets
const STUDIES = ["study_tpe", "study_random_pruner", "study_cmaes", "study_nsga2"];
expectEach("optuna", STUDIES, ".pkl", JOBLIB);
expectEach("optuna", STUDIES, ".p4.pkl", PICKLE);
expectEach("optuna", ["trials", "distributions"], ".pkl", PICKLE);
// skorch's __getstate__ embeds torch.save() bytes of module_/optimizer_/criterion_ that __setstate__ torch.loads.
expectEach("skorch", ["classifier", "regressor", "sklearn_pipeline"], ".pkl", PICKLE);
expectEach("skorch", ["classifier_params", "classifier_optimizer"], ".pt", TORCH_ZIP);
EXPECTED["skorch/classifier_history.json"] = { format: "json" };

// xgboost: more sklearn wrappers, the Booster, a GridSearchCV over XGBClassifier
const XGB_MORE = ["xgb_regressor", "xgb_rf_classifier", "xgb_ranker", "booster", "grid_search_xgb"];
expectEach("xgboost", XGB_MORE, ".pkl", PICKLE);
expectEach("xgboost", XGB_MORE, ".joblib", JOBLIB);

// pandas: many dtypes (Categorical, Period, Interval, sparse, MultiIndex, tz-aware through pytz, dateutil, zoneinfo and
// a fixed offset, nullable extension arrays, offsets) and every compression to_pickle has here
const PANDAS_DTYPES = [
  "categorical", "period", "period_index", "interval", "interval_index", "sparse", "sparse_frame", "multiindex", "multiindex_columns",
  "tz_utc", "tz_pytz_berlin", "tz_dateutil", "tz_zoneinfo", "tz_fixed_offset", "timedelta_index", "nullable", "numeric_dtypes",
  "object_mixed", "datetime_naive", "scalars", "range_index", "categorical_index", "series_named", "datetime_index_freq", "resampled_frame",
  "multiindex.p0", "multiindex.p1", "multiindex.p2", "multiindex.p3", "multiindex.p4",
];
expectEach("pandas/dtypes", PANDAS_DTYPES, ".pkl", PICKLE);
EXPECTED["pandas/dataframe.pkl.zst"] = { format: "zstd", members: ["pickle"] };
EXPECTED["pandas/dataframe.pkl.tar"] = { format: "tar", members: ["pickle"] };
EXPECTED["pandas/dataframe.pkl.tar.gz"] = { format: "gzip", members: ["tar", "pickle"] };

// scipy: every sparse format, frozen distributions, interpolators, spatial trees
expectEach("scipy/sparse", ["coo", "lil", "dok", "bsr", "dia", "csr_array"], ".pkl", PICKLE);
expectEach("scipy/sparse", ["coo", "bsr", "dia"], ".npz", { format: "npz", members: ["numpy"] });
expectEach("scipy/stats", ["frozen_distributions", "norm", "randint", "multivariate_normal", "unfrozen_generators", "gaussian_kde"], ".pkl", PICKLE);
expectEach("scipy", ["interpolate", "spatial_trees"], ".pkl", PICKLE);

// numpy: random generators (every bit generator), RandomState, SeedSequence, structured/record/masked arrays, matrix,
// datetime64, scalars, dtype objects — in protocols 2, 4 and 5 (5 writes the data out of a PickleBuffer)
const NUMPY_PICKLES = [
  "generator_pcg64", "generator_bitgens", "random_state", "seed_sequence", "structured", "nested_structured", "recarray", "masked", "matrix",
  "datetime64", "timedelta64", "dtypes_all", "strings", "scalars", "dtype_objects", "fortran_and_views", "finfo_iinfo_types",
];
for (const proto of [2, 4, 5]) expectEach("numpy/pickles", NUMPY_PICKLES, `.p${proto}.pkl`, PICKLE);
expectEach("numpy", ["structured", "datetime64", "object_nested"], ".npy", { format: "numpy" });
EXPECTED["numpy/mixed.npz"] = { format: "npz", members: ["numpy"] };

// the standard library's values in protocols 0-5 (protocol 0/1 datetimes go through _codecs.encode, enums through
// getattr(EnumClass, name), defaultdict(list) names builtins.list as its factory)
expectEach("stdlib", ["values.p0", "values.p1", "values.p2", "values.p3", "values.p4", "values.p5", "values.p4.optimized"], ".pkl", PICKLE);
for (const name of ["datetime", "defaultdict_list", "enums", "regex", "zoneinfo", "decimal"]) expectEach("stdlib", [`${name}.p0`, `${name}.p2`], ".pkl", PICKLE);

// sympy expressions
// sympy is left off the allowlist on purpose: sympify and S() evaluate strings with eval, so its objects are
// rebuilt through constructors the scan cannot vouch for.
expectEach("sympy", ["expressions.p2", "expressions.p4"], ".pkl", {
  ...PICKLE,
  blockedBy: { modules: ["sympy", "computed"], why: "sympy's constructors are not vouched for (sympify evaluates strings)" },
});
// dateutil's tzfile(fileobj) opens the path it is given: a pickle can name any file.
EXPECTED["pandas/dtypes/tz_dateutil.pkl"] = {
  ...PICKLE,
  blockedBy: { modules: ["dateutil"], why: "dateutil.tz.tz.tzfile opens the file its first argument names" },
};
for (const file of JOBLIB_WITHOUT_ARRAYS) EXPECTED[file] = PICKLE;

/**
 * Writes exactly the bytes of CPython's `pickle.dump(rows, f, protocol=4)` for
 * `rows = [{"id": i, "name": f"item-{i:08d}", "score": i * 0.5, "ok": i % 2 == 0, "rank": i % 100} for i in range(n)]`
 * (checked against /usr/bin/python3 below): 64 KiB frames cut at the same opcode boundaries as the C pickler,
 * MEMOIZE after every container and string, BINGET for the repeated keys, MARK…APPENDS batches of 1000.
 * n = 1,000,000 gives the 47 MB, one-million-memo-entry pickle of small dicts that real data dumps look like.
 */
function writeSmallDictsPickle(path: string, n: number): number {
  const FRAME_TARGET = 64 * 1024;
  const fd = openSync(path, "w");
  let total = 0;
  let frame = Buffer.alloc(FRAME_TARGET * 2);
  let len = 0;
  const put = (bytes: ArrayLike<number>): void => {
    if (len + bytes.length > frame.length) {
      const bigger = Buffer.alloc(Math.max(frame.length * 2, len + bytes.length));
      frame.copy(bigger, 0, 0, len);
      frame = bigger;
    }
    for (let k = 0; k < bytes.length; k++) frame[len++] = bytes[k] as number;
  };
  const commit = (): void => {
    if (len === 0) return;
    const head = Buffer.alloc(9);
    head[0] = 0x95; // FRAME
    head.writeBigUInt64LE(BigInt(len), 1);
    writeSync(fd, head);
    writeSync(fd, frame, 0, len);
    total += 9 + len;
    len = 0;
  };
  /** After each object is saved (an opcode boundary) the C pickler ends the frame once it holds 64 KiB. */
  const saved = (): void => {
    if (len >= FRAME_TARGET) commit();
  };
  const str = (s: string): void => {
    const b = Buffer.from(s, "utf8");
    put([0x8c, b.length]); // SHORT_BINUNICODE
    put(b);
    put([0x94]); // MEMOIZE
  };
  const int = (v: number): void => {
    if (v >= 0 && v < 256) put([0x4b, v]); // BININT1
    else if (v >= 0 && v < 65536) put([0x4d, v & 0xff, v >> 8]); // BININT2
    else {
      const b = Buffer.alloc(5);
      b[0] = 0x4a; // BININT
      b.writeInt32LE(v, 1);
      put(b);
    }
  };
  const keyMemo = new Map<string, number>();
  let memo = 0;
  const key = (k: string): void => {
    const at = keyMemo.get(k);
    if (at !== undefined) put([0x68, at]); // BINGET
    else {
      str(k);
      keyMemo.set(k, memo++);
    }
    saved();
  };
  writeSync(fd, Buffer.from([0x80, 4])); // PROTO 4 (before the first frame)
  total += 2;
  put([0x5d, 0x94]); // EMPTY_LIST MEMOIZE
  memo++;
  for (let start = 0; start < n; start += 1000) {
    const end = Math.min(n, start + 1000);
    if (n > 1) put([0x28]); // MARK (a one-item list is APPENDed on its own)
    for (let i = start; i < end; i++) {
      put([0x7d, 0x94, 0x28]); // EMPTY_DICT MEMOIZE MARK
      memo++;
      key("id");
      int(i);
      saved();
      key("name");
      str(`item-${String(i).padStart(8, "0")}`);
      memo++;
      saved();
      key("score");
      const f = Buffer.alloc(9);
      f[0] = 0x47; // BINFLOAT
      f.writeDoubleBE(i * 0.5, 1);
      put(f);
      saved();
      key("ok");
      put([i % 2 === 0 ? 0x88 : 0x89]); // NEWTRUE / NEWFALSE
      saved();
      key("rank");
      int(i % 100);
      saved();
      put([0x75]); // SETITEMS
      saved();
    }
    put([n > 1 ? 0x65 : 0x61]); // APPENDS / APPEND
  }
  put([0x2e]); // STOP
  commit();
  closeSync(fd);
  return total;
}

/** Files the generator wrote (everything but the generator and its provenance note). */
function baselineFiles(dir = BASELINE): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...baselineFiles(full));
    else if (name !== "generate.py" && name !== "PROVENANCE.md") out.push(relative(BASELINE, full).split("\\").join("/"));
  }
  return out;
}

function describeFinding(f: Finding): string {
  const where = f.location.member ? `${f.location.path} [${f.location.member}]` : f.location.path;
  return `${f.severity} ${f.ruleId} at ${relative(BASELINE, where)}: ${f.message}`;
}

describe("benign baseline (real files from real libraries)", () => {
  it("has an expectation for every generated file and a file for every expectation", () => {
    expect(baselineFiles()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file} → ${want.format}${want.members ? ` (${want.members.join(", ")} inside)` : ""}, nothing ≥ high`, async () => {
      const path = join(BASELINE, file);
      const report = await scan([path]);
      const findings = report.files.flatMap((f) => f.findings);

      // Soft assertions: a failure lists the format, the blocking findings and the mediums together.
      const top = report.files[0] as FileReport;
      expect(top.path).toBe(path);
      expect.soft(top.format, "format of the file").toBe(want.format);
      if (want.members) {
        const memberFormats = [...new Set(report.files.filter((f) => f.container !== undefined).map((f) => f.format))];
        for (const m of want.members) expect.soft(memberFormats, "formats of the members").toContain(m);
      }

      // The verdict a user relies on: a benign file from a real library passes the default gate.
      const blockingFindings = findings.filter((f) => meetsGate(f.severity, "high"));
      const blocking = blockingFindings.map(describeFinding);
      if (want.blockedBy) {
        // Deliberately not vouched for: blocked, and only by the names the expectation gives.
        // A call of a computed value (the result of partial(…)) counts as "computed".
        const modules = [...new Set(blockingFindings.map((f) => (f.ruleId === "pickle/computed-call" ? "computed" : String(f.evidence?.module ?? "").split(".", 1)[0])))];
        expect.soft(blocking.length, `${want.blockedBy.why}: expected to be blocked`).toBeGreaterThan(0);
        for (const m of modules) expect.soft(want.blockedBy.modules, `blocking findings:\n${blocking.join("\n")}\n`).toContain(m);
      } else {
        expect.soft(blocking, `findings ≥ high:\n${blocking.join("\n")}\n`).toEqual([]);
        expect.soft(report.summary.failed, "summary.failed").toBe(false);
      }

      // Medium findings are names the scan does not vouch for that run no code by themselves: references, and
      // classes of code it has never seen (a user's own, a library not installed where the allowlist is made).
      const medium = [...new Set(findings.filter((f) => f.severity === "medium").map((f) => f.ruleId))].sort();
      expect.soft(medium, `rule ids of medium findings; all findings:\n${findings.map(describeFinding).join("\n")}\n`).toEqual(
        want.medium ?? (medium.length > 0 ? [USER_CLASS_RULE] : []),
      );
      const mediumText = findings.filter((f) => f.severity === "medium").map((f) => f.message).join("\n");
      for (const name of want.mentions ?? []) expect.soft(mediumText, "medium findings name the user class").toContain(name);
    });
  }
});

describe("a large benign pickle (generated, not committed)", () => {
  it.skipIf(!pythonHas())("the generator writes the bytes CPython's pickle.dump(protocol=4) writes", () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-baseline-"));
    try {
      for (const n of [1, 2, 1000, 1001, 3000]) {
        const path = join(dir, `rows-${n}.pkl`);
        writeSmallDictsPickle(path, n);
        const code =
          "import pickle, sys\n" +
          `rows = [{"id": i, "name": f"item-{i:08d}", "score": i * 0.5, "ok": i % 2 == 0, "rank": i % 100} for i in range(${n})]\n` +
          "pickle.dump(rows, sys.stdout.buffer, protocol=4)\n";
        const py = spawnSync(PYTHON, ["-c", code], { maxBuffer: 1 << 28 });
        expect(py.status, py.stderr.toString()).toBe(0);
        expect(readFileSync(path).equals(py.stdout), `rows-${n}.pkl is byte-identical with CPython's`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a 47 MB protocol-4 pickle of 1,000,000 small dicts passes with the default limits", { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "modelgate-baseline-"));
    try {
      const path = join(dir, "rows.pkl");
      const size = writeSmallDictsPickle(path, 1_000_000);
      expect(size).toBeGreaterThan(45_000_000);
      const report = await scan([path]);
      const findings = report.files.flatMap((f) => f.findings);
      const oneLine = (f: Finding): string => `${f.severity} ${f.ruleId}: ${f.message}`;
      expect.soft(report.files[0]?.format, "format of the file").toBe("pickle");
      const blocking = findings.filter((f) => meetsGate(f.severity, "high")).map(oneLine);
      expect.soft(blocking, `findings ≥ high:\n${blocking.join("\n")}\n`).toEqual([]);
      expect.soft(report.summary.failed, "summary.failed").toBe(false);
      const medium = findings.filter((f) => f.severity === "medium").map(oneLine);
      expect.soft(medium, "medium findings").toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
