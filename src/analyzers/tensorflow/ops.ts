/**
 * Reviewed data: TensorFlow ops that reach outside the graph (Python, files, network, debugger dumps), and the
 * internal ops that may legitimately appear in a serialised graph although the op registry dump omits them.
 * Each entry says why it is listed. Names are checked against standard-ops.ts by ops.test.ts.
 */
import { STANDARD_TF_OPS } from "./standard-ops.js";

export type OpCategory = "python" | "file-write" | "file-read" | "network" | "debug";

export interface RiskyOp {
  category: OpCategory;
  reason: string;
  /** Part of the checkpoint (saver) machinery: expected inside a SavedModel's own saver, a finding elsewhere. */
  checkpoint?: true;
  /** Reads a file that a SavedModel may ship as an asset (a vocabulary): expected when the model has assets. */
  asset?: true;
  /** Only risky under a condition on an attribute or an input, see analyzer.ts `conditionHolds`. */
  condition?: "cache-filename" | "print-to-file" | "proto-descriptor-file";
}

const entries: Array<[string, RiskyOp]> = [
  // --- Python: the op calls back into the Python interpreter that loaded the model.
  ["PyFunc", { category: "python", reason: "calls a Python function registered in the loading process (tf.py_func)" }],
  ["PyFuncStateless", { category: "python", reason: "calls a Python function registered in the loading process (stateless tf.py_func)" }],
  ["EagerPyFunc", { category: "python", reason: "calls a Python function in eager mode (tf.py_function)" }],

  // --- File writes.
  ["WriteFile", { category: "file-write", reason: "writes its input string to an arbitrary file path" }],
  ["Save", { category: "file-write", reason: "writes tensors to a checkpoint file at a path given by its input (V1 saver)", checkpoint: true }],
  ["SaveSlices", { category: "file-write", reason: "writes tensor slices to a checkpoint file (V1 saver)", checkpoint: true }],
  ["SaveV2", { category: "file-write", reason: "writes a V2 checkpoint (index and data files) at a path prefix given by its input", checkpoint: true }],
  ["MergeV2Checkpoints", { category: "file-write", reason: "merges checkpoint files into a new prefix and can delete the source directories", checkpoint: true }],
  ["DatasetToTFRecord", { category: "file-write", reason: "writes a dataset to a TFRecord file at a path given by its input" }],
  ["ExperimentalDatasetToTFRecord", { category: "file-write", reason: "writes a dataset to a TFRecord file at a path given by its input" }],
  ["SaveDataset", { category: "file-write", reason: "writes a dataset to a directory given by its input" }],
  ["SaveDatasetV2", { category: "file-write", reason: "writes a dataset to a directory given by its input" }],
  ["SnapshotDataset", { category: "file-write", reason: "writes dataset snapshots to a directory given by its input" }],
  ["SnapshotDatasetV2", { category: "file-write", reason: "writes dataset snapshots to a directory given by its input" }],
  ["DistributedSave", { category: "file-write", reason: "writes a distributed dataset snapshot through the tf.data service" }],
  ["CreateSummaryFileWriter", { category: "file-write", reason: "creates a TensorBoard event-file writer in a log directory given by its input" }],
  ["CreateSummaryDbWriter", { category: "file-write", reason: "creates a summary writer to an SQLite database file given by its input" }],
  ["CacheDataset", { category: "file-write", reason: "writes cache files to a path given by its input (unless the filename is empty)", condition: "cache-filename" }],
  ["CacheDatasetV2", { category: "file-write", reason: "writes cache files to a path given by its input (unless the filename is empty)", condition: "cache-filename" }],
  ["PrintV2", { category: "file-write", reason: "prints to a file when its output_stream attribute is a file:// URL", condition: "print-to-file" }],

  // --- File reads (the content becomes tensors that outputs can leak).
  ["ReadFile", { category: "file-read", reason: "reads an arbitrary file into a string tensor" }],
  ["MatchingFiles", { category: "file-read", reason: "lists files matching a glob pattern (file system discovery)" }],
  ["Restore", { category: "file-read", reason: "reads tensors from a checkpoint file (V1 saver)", checkpoint: true }],
  ["RestoreSlice", { category: "file-read", reason: "reads tensor slices from a checkpoint file (V1 saver)", checkpoint: true }],
  ["RestoreV2", { category: "file-read", reason: "reads tensors from a V2 checkpoint at a path prefix given by its input", checkpoint: true }],
  ["DTensorRestoreV2", { category: "file-read", reason: "reads tensors from a V2 checkpoint (DTensor)", checkpoint: true }],
  ["ImmutableConst", { category: "file-read", reason: "memory-maps a file named by its memory_region_name attribute into a tensor" }],
  ["LoadAndRemapMatrix", { category: "file-read", reason: "reads a matrix from a checkpoint path given by its input" }],
  ["GenerateVocabRemapping", { category: "file-read", reason: "reads two vocabulary files named by its inputs" }],
  ["InitializeTableFromTextFile", { category: "file-read", reason: "fills a lookup table from a text file (a vocabulary asset when the model ships one)", asset: true }],
  ["InitializeTableFromTextFileV2", { category: "file-read", reason: "fills a lookup table from a text file (a vocabulary asset when the model ships one)", asset: true }],
  ["RecordInput", { category: "file-read", reason: "reads records from files matching its file_pattern attribute" }],
  ["WholeFileReader", { category: "file-read", reason: "reader that returns whole files from a filename queue" }],
  ["WholeFileReaderV2", { category: "file-read", reason: "reader that returns whole files from a filename queue" }],
  ["TextLineReader", { category: "file-read", reason: "reader that returns lines of files from a filename queue" }],
  ["TextLineReaderV2", { category: "file-read", reason: "reader that returns lines of files from a filename queue" }],
  ["TFRecordReader", { category: "file-read", reason: "reader that returns records of TFRecord files" }],
  ["TFRecordReaderV2", { category: "file-read", reason: "reader that returns records of TFRecord files" }],
  ["FixedLengthRecordReader", { category: "file-read", reason: "reader that returns fixed-length records of files" }],
  ["FixedLengthRecordReaderV2", { category: "file-read", reason: "reader that returns fixed-length records of files" }],
  ["LMDBReader", { category: "file-read", reason: "reader that returns records of an LMDB database file" }],
  ["TextLineDataset", { category: "file-read", reason: "dataset of the lines of files named by its input" }],
  ["TFRecordDataset", { category: "file-read", reason: "dataset of the records of TFRecord files named by its input" }],
  ["TFRecordDatasetV2", { category: "file-read", reason: "dataset of the records of TFRecord files named by its input" }],
  ["FixedLengthRecordDataset", { category: "file-read", reason: "dataset of fixed-length records of files named by its input" }],
  ["FixedLengthRecordDatasetV2", { category: "file-read", reason: "dataset of fixed-length records of files named by its input" }],
  ["MatchingFilesDataset", { category: "file-read", reason: "dataset of the file names matching glob patterns" }],
  ["ExperimentalMatchingFilesDataset", { category: "file-read", reason: "dataset of the file names matching glob patterns" }],
  ["CSVDataset", { category: "file-read", reason: "dataset of the rows of CSV files named by its input" }],
  ["CSVDatasetV2", { category: "file-read", reason: "dataset of the rows of CSV files named by its input" }],
  ["ExperimentalCSVDataset", { category: "file-read", reason: "dataset of the rows of CSV files named by its input" }],
  ["LMDBDataset", { category: "file-read", reason: "dataset of the records of LMDB files named by its input" }],
  ["ExperimentalLMDBDataset", { category: "file-read", reason: "dataset of the records of LMDB files named by its input" }],
  ["SqlDataset", { category: "file-read", reason: "dataset of the rows of an SQL query against a database file" }],
  ["ExperimentalSqlDataset", { category: "file-read", reason: "dataset of the rows of an SQL query against a database file" }],
  ["LoadDataset", { category: "file-read", reason: "loads a saved dataset from a directory given by its input" }],
  ["SnapshotChunkDataset", { category: "file-read", reason: "reads a dataset snapshot chunk file" }],
  ["SnapshotDatasetReader", { category: "file-read", reason: "reads dataset snapshot files" }],
  ["SnapshotNestedDatasetReader", { category: "file-read", reason: "reads dataset snapshot files" }],
  ["ListSnapshotChunksDataset", { category: "file-read", reason: "lists the chunk files of a dataset snapshot directory" }],
  ["DecodeProtoV2", { category: "file-read", reason: "loads protobuf descriptors from a file when descriptor_source names one", condition: "proto-descriptor-file" }],
  ["EncodeProto", { category: "file-read", reason: "loads protobuf descriptors from a file when descriptor_source names one", condition: "proto-descriptor-file" }],

  // --- Network.
  ["DataServiceDataset", { category: "network", reason: "connects to a tf.data service at an address given by its input" }],
  ["DataServiceDatasetV2", { category: "network", reason: "connects to a tf.data service at an address given by its input" }],
  ["DataServiceDatasetV3", { category: "network", reason: "connects to a tf.data service at an address given by its input" }],
  ["DataServiceDatasetV4", { category: "network", reason: "connects to a tf.data service at an address given by its input" }],
  ["RegisterDataset", { category: "network", reason: "registers a dataset with a tf.data service at an address given by its input" }],
  ["RegisterDatasetV2", { category: "network", reason: "registers a dataset with a tf.data service at an address given by its input" }],
  ["RemoteCall", { category: "network", reason: "runs a function on a remote task named by its target input" }],
  ["FileSystemSetConfiguration", { category: "network", reason: "changes the configuration (endpoints, credentials) of a file system plugin for the whole process" }],

  // --- Debugger ops: dump tensors to file:// or grpc:// debug URLs.
  ["DebugIdentity", { category: "debug", reason: "tfdbg op that publishes tensors to the file:// or grpc:// URLs in its debug_urls attribute" }],
  ["DebugNanCount", { category: "debug", reason: "tfdbg op that publishes NaN counts to the URLs in its debug_urls attribute" }],
  ["DebugNumericSummary", { category: "debug", reason: "tfdbg op that publishes tensor summaries to the URLs in its debug_urls attribute" }],
  ["DebugIdentityV2", { category: "debug", reason: "tfdbg v2 op that writes tensors to the dump_root directory in its attributes" }],
  ["DebugIdentityV3", { category: "debug", reason: "tfdbg op that publishes tensors to the URLs in its debug_urls attribute" }],
  ["Copy", { category: "debug", reason: "debugger copy op whose debug_ops_spec can publish tensors to debug URLs" }],
  ["CopyHost", { category: "debug", reason: "debugger copy op whose debug_ops_spec can publish tensors to debug URLs" }],
];

export const RISKY_TF_OPS: ReadonlyMap<string, RiskyOp> = new Map(entries);

/**
 * Internal ops (reserved "_" names) that are registered by TensorFlow's core but left out of the registry dump,
 * and that optimised or instantiated graphs contain (grappler fusions, function plumbing). Not "custom".
 */
export const INTERNAL_TF_OPS: ReadonlyMap<string, string> = new Map([
  ["_Arg", "function argument node of an instantiated function body"],
  ["_Retval", "function return node of an instantiated function body"],
  ["_DeviceArg", "device-placed function argument"],
  ["_DeviceRetval", "device-placed function return"],
  ["_ListToArray", "function plumbing: list argument to array"],
  ["_ArrayToList", "function plumbing: array argument to list"],
  ["_If", "lowered functional If"],
  ["_While", "lowered functional While"],
  ["_FusedConv2D", "grappler fusion of Conv2D with bias/activation (frozen optimised graphs)"],
  ["_FusedDepthwiseConv2dNative", "grappler fusion of DepthwiseConv2dNative with bias/activation"],
  ["_FusedMatMul", "grappler fusion of MatMul with bias/activation"],
  ["_FusedBatchNormEx", "grappler fusion of FusedBatchNorm with side input/activation"],
  ["_HostCast", "host-memory Cast"],
  ["_UnaryOpsComposition", "grappler fusion of a chain of unary element-wise ops"],
  ["_ParallelConcatStart", "ParallelConcat lowering"],
  ["_ParallelConcatUpdate", "ParallelConcat lowering"],
]);

const STANDARD = new Set(STANDARD_TF_OPS);

/** True when the op is part of stock TensorFlow (registry or reviewed internal op). */
export function isStandardOp(op: string): boolean {
  return STANDARD.has(op) || INTERNAL_TF_OPS.has(op);
}
