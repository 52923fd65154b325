/**
 * The subset of the ONNX schema the analyzer decodes. Field numbers come from onnx/onnx.proto (ONNX 1.23,
 * Apache-2.0, see PROVENANCE.md). Fields not listed are skipped unread: doc strings, value infos and type protos,
 * metadata, sparse dims, and above all tensor payloads (raw_data and typed data are recorded as Blobs, never read).
 */
import { defineMessage, type MessageSchema } from "../protobuf/schema.js";

export const MAX_NAME_BYTES = 4096;

/** message ModelProto. */
export const ModelProto: MessageSchema = defineMessage("ModelProto", {
  1: { kind: "int", key: "irVersion" },
  2: { kind: "string", key: "producerName", maxBytes: MAX_NAME_BYTES },
  3: { kind: "string", key: "producerVersion", maxBytes: MAX_NAME_BYTES },
  7: { kind: "message", key: "graph", schema: () => GraphProto, stream: true },
  8: { kind: "message", key: "opsetImport", repeated: true, keep: 10_000, schema: () => OperatorSetIdProto },
  20: { kind: "message", key: "trainingInfo", repeated: true, schema: () => TrainingInfoProto, stream: true },
  25: { kind: "message", key: "functions", repeated: true, schema: () => FunctionProto, stream: true },
});

/** message OperatorSetIdProto { string domain = 1; int64 version = 2; }. */
export const OperatorSetIdProto: MessageSchema = defineMessage("OperatorSetIdProto", {
  1: { kind: "string", key: "domain", maxBytes: MAX_NAME_BYTES },
  2: { kind: "int", key: "version" },
});

/** message GraphProto. */
export const GraphProto: MessageSchema = defineMessage("GraphProto", {
  1: { kind: "message", key: "node", repeated: true, schema: () => NodeProto, stream: true },
  2: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
  5: { kind: "message", key: "initializer", repeated: true, schema: () => TensorProto, stream: true },
  15: { kind: "message", key: "sparseInitializer", repeated: true, schema: () => SparseTensorProto, stream: true },
});

/** message NodeProto. */
export const NodeProto: MessageSchema = defineMessage("NodeProto", {
  3: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
  4: { kind: "string", key: "opType", maxBytes: MAX_NAME_BYTES },
  5: { kind: "message", key: "attribute", repeated: true, schema: () => AttributeProto, stream: true },
  7: { kind: "string", key: "domain", maxBytes: MAX_NAME_BYTES },
  8: { kind: "string", key: "overload", maxBytes: MAX_NAME_BYTES },
});

/** message AttributeProto: only what can hold tensors or graphs (If/Loop/Scan bodies). */
export const AttributeProto: MessageSchema = defineMessage("AttributeProto", {
  1: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
  5: { kind: "message", key: "t", schema: () => TensorProto, stream: true },
  6: { kind: "message", key: "g", schema: () => GraphProto, stream: true },
  10: { kind: "message", key: "tensors", repeated: true, schema: () => TensorProto, stream: true },
  11: { kind: "message", key: "graphs", repeated: true, schema: () => GraphProto, stream: true },
  22: { kind: "message", key: "sparseTensor", schema: () => SparseTensorProto, stream: true },
  23: { kind: "message", key: "sparseTensors", repeated: true, schema: () => SparseTensorProto, stream: true },
});

/** message TensorProto. */
export const TensorProto: MessageSchema = defineMessage("TensorProto", {
  1: { kind: "int", key: "dims", repeated: true, keep: 1024 },
  2: { kind: "int", key: "dataType" },
  4: { kind: "blob", key: "floatData", repeated: true },
  8: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
  9: { kind: "blob", key: "rawData" },
  10: { kind: "blob", key: "doubleData", repeated: true },
  13: { kind: "message", key: "externalData", repeated: true, keep: 64, schema: () => StringStringEntryProto },
  14: { kind: "int", key: "dataLocation" },
});

/** message StringStringEntryProto { string key = 1; string value = 2; }. */
export const StringStringEntryProto: MessageSchema = defineMessage("StringStringEntryProto", {
  1: { kind: "string", key: "key", maxBytes: MAX_NAME_BYTES },
  2: { kind: "string", key: "value", maxBytes: 16 * 1024 },
});

/** message SparseTensorProto { TensorProto values = 1; TensorProto indices = 2; … }. */
export const SparseTensorProto: MessageSchema = defineMessage("SparseTensorProto", {
  1: { kind: "message", key: "values", schema: () => TensorProto, stream: true },
  2: { kind: "message", key: "indices", schema: () => TensorProto, stream: true },
});

/** message FunctionProto (model-local functions). */
export const FunctionProto: MessageSchema = defineMessage("FunctionProto", {
  1: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
  7: { kind: "message", key: "node", repeated: true, schema: () => NodeProto, stream: true },
  9: { kind: "message", key: "opsetImport", repeated: true, keep: 10_000, schema: () => OperatorSetIdProto },
  10: { kind: "string", key: "domain", maxBytes: MAX_NAME_BYTES },
  11: { kind: "message", key: "attributeProto", repeated: true, schema: () => AttributeProto, stream: true },
  13: { kind: "string", key: "overload", maxBytes: MAX_NAME_BYTES },
});

/** message TrainingInfoProto { GraphProto initialization = 1; GraphProto algorithm = 2; … }. */
export const TrainingInfoProto: MessageSchema = defineMessage("TrainingInfoProto", {
  1: { kind: "message", key: "initialization", schema: () => GraphProto, stream: true },
  2: { kind: "message", key: "algorithm", schema: () => GraphProto, stream: true },
});

/** TensorProto.DataLocation.EXTERNAL. */
export const DATA_LOCATION_EXTERNAL = 1;

/**
 * Bits per element of each TensorProto.DataType with a fixed size (STRING = 8 and UNDEFINED = 0 have none).
 * Sub-byte types (4-bit, 2-bit) are packed, the last byte padded.
 */
export const DATA_TYPE_BITS: ReadonlyMap<number, number> = new Map([
  [1, 32], // FLOAT
  [2, 8], // UINT8
  [3, 8], // INT8
  [4, 16], // UINT16
  [5, 16], // INT16
  [6, 32], // INT32
  [7, 64], // INT64
  [9, 8], // BOOL
  [10, 16], // FLOAT16
  [11, 64], // DOUBLE
  [12, 32], // UINT32
  [13, 64], // UINT64
  [14, 64], // COMPLEX64
  [15, 128], // COMPLEX128
  [16, 16], // BFLOAT16
  [17, 8], // FLOAT8E4M3FN
  [18, 8], // FLOAT8E4M3FNUZ
  [19, 8], // FLOAT8E5M2
  [20, 8], // FLOAT8E5M2FNUZ
  [21, 4], // UINT4
  [22, 4], // INT4
  [23, 4], // FLOAT4E2M1
  [24, 8], // FLOAT8E8M0
  [25, 2], // UINT2
  [26, 2], // INT2
]);
