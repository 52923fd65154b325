/**
 * The subset of TensorFlow's protobuf schema the analyzer decodes. Field numbers come from TensorFlow's
 * .proto files (Apache-2.0, see PROVENANCE.md): tensorflow/core/protobuf/saved_model.proto, meta_graph.proto,
 * saver.proto; tensorflow/core/framework/graph.proto, node_def.proto, function.proto, op_def.proto,
 * attr_value.proto, tensor.proto. Fields not listed are skipped unread (tensor contents, shapes, signatures,
 * the object graph, debug info).
 *
 * A SavedModel folder holds saved_model.pb (this schema), variables/ (checkpoint data: an SSTable index and raw
 * tensor shards, no graph and nothing executable) and assets/ (files the graph reads, e.g. vocabularies).
 */
import { defineMessage, type MessageSchema } from "../protobuf/schema.js";

/** Longest op / node / function name decoded; longer names are reported, not decoded. */
export const MAX_NAME_BYTES = 4096;
/** Longest attribute string decoded (paths, URLs, debug specs). */
export const MAX_ATTR_STRING_BYTES = 4096;

/** saved_model.proto: message SavedModel. */
export const SavedModel: MessageSchema = defineMessage("SavedModel", {
  1: { kind: "int", key: "schemaVersion" },
  2: { kind: "message", key: "metaGraphs", repeated: true, schema: () => MetaGraphDef, stream: true },
});

/** meta_graph.proto: message MetaGraphDef (also the root of TF1 `.meta` files). */
export const MetaGraphDef: MessageSchema = defineMessage("MetaGraphDef", {
  2: { kind: "message", key: "graphDef", schema: () => GraphDef, stream: true },
  3: { kind: "message", key: "saverDef", schema: () => SaverDef },
  4: { kind: "message", key: "collectionDef", repeated: true, keep: 100_000, schema: () => CollectionEntry },
  6: { kind: "message", key: "assetFileDef", repeated: true, keep: 100_000, schema: () => AssetFileDef },
});

/** map<string, CollectionDef> entry. TF1 SavedModels list their assets in the "saved_model_assets" collection. */
export const CollectionEntry: MessageSchema = defineMessage("CollectionEntry", {
  1: { kind: "string", key: "key", maxBytes: MAX_NAME_BYTES },
  2: { kind: "message", key: "value", schema: () => CollectionDef },
});

/** meta_graph.proto: message CollectionDef — only any_list (5); node, bytes, int64 and float lists are skipped. */
export const CollectionDef: MessageSchema = defineMessage("CollectionDef", {
  5: { kind: "message", key: "anyList", schema: () => AnyList },
});

/** CollectionDef.AnyList { repeated google.protobuf.Any value = 1; }. */
export const AnyList: MessageSchema = defineMessage("AnyList", {
  1: { kind: "message", key: "value", repeated: true, keep: 100_000, schema: () => AnyAsset },
});

/**
 * google.protobuf.Any { string type_url = 1; bytes value = 2; }. The value is a serialised message of the type
 * the URL names; the analyzer decodes it as an AssetFileDef afterwards, only when type_url says it is one.
 */
export const AnyAsset: MessageSchema = defineMessage("Any", {
  1: { kind: "string", key: "typeUrl", maxBytes: MAX_NAME_BYTES },
  2: { kind: "blob", key: "value" },
});

/** Largest serialised AssetFileDef decoded from a collection. */
export const MAX_ASSET_DEF_BYTES = 64 * 1024;

/** saver.proto: message SaverDef. */
export const SaverDef: MessageSchema = defineMessage("SaverDef", {
  1: { kind: "string", key: "filenameTensorName", maxBytes: MAX_NAME_BYTES },
  2: { kind: "string", key: "saveTensorName", maxBytes: MAX_NAME_BYTES },
  3: { kind: "string", key: "restoreOpName", maxBytes: MAX_NAME_BYTES },
});

/** meta_graph.proto: message AssetFileDef { TensorInfo tensor_info = 1; string filename = 2; }. */
export const AssetFileDef: MessageSchema = defineMessage("AssetFileDef", {
  1: { kind: "message", key: "tensorInfo", schema: () => TensorInfo },
  2: { kind: "string", key: "filename", maxBytes: MAX_NAME_BYTES },
});

/** meta_graph.proto: message TensorInfo { string name = 1; … }. */
export const TensorInfo: MessageSchema = defineMessage("TensorInfo", {
  1: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
});

/** graph.proto: message GraphDef (also the root of frozen-graph `.pb` files). */
export const GraphDef: MessageSchema = defineMessage("GraphDef", {
  1: { kind: "message", key: "node", repeated: true, schema: () => NodeDef, stream: true },
  2: { kind: "message", key: "library", schema: () => FunctionDefLibrary, stream: true },
});

/** function.proto: message FunctionDefLibrary. */
export const FunctionDefLibrary: MessageSchema = defineMessage("FunctionDefLibrary", {
  1: { kind: "message", key: "function", repeated: true, schema: () => FunctionDef, stream: true },
});

/** function.proto: message FunctionDef { OpDef signature = 1; repeated NodeDef node_def = 3; … }. */
export const FunctionDef: MessageSchema = defineMessage("FunctionDef", {
  1: { kind: "message", key: "signature", schema: () => OpDefName },
  3: { kind: "message", key: "nodeDef", repeated: true, schema: () => NodeDef, stream: true },
});

/** op_def.proto: message OpDef { string name = 1; … } — only the name. */
export const OpDefName: MessageSchema = defineMessage("OpDef", {
  1: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
});

/** node_def.proto: message NodeDef. */
export const NodeDef: MessageSchema = defineMessage("NodeDef", {
  1: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
  2: { kind: "string", key: "op", maxBytes: MAX_NAME_BYTES },
  3: { kind: "string", key: "input", repeated: true, keep: 4, maxBytes: MAX_NAME_BYTES },
  5: { kind: "message", key: "attr", repeated: true, keep: 10_000, schema: () => AttrEntry },
});

/** map<string, AttrValue> entry: { string key = 1; AttrValue value = 2; }. */
export const AttrEntry: MessageSchema = defineMessage("AttrEntry", {
  1: { kind: "string", key: "key", maxBytes: MAX_NAME_BYTES },
  2: { kind: "message", key: "value", schema: () => AttrValue },
});

/** attr_value.proto: message AttrValue (oneof value). */
export const AttrValue: MessageSchema = defineMessage("AttrValue", {
  1: { kind: "message", key: "list", schema: () => ListValue },
  2: { kind: "string", key: "s", maxBytes: MAX_ATTR_STRING_BYTES },
  8: { kind: "message", key: "tensor", schema: () => TensorProto },
  9: { kind: "string", key: "placeholder", maxBytes: MAX_NAME_BYTES },
  10: { kind: "message", key: "func", schema: () => NameAttrList },
});

/** attr_value.proto: message AttrValue.ListValue. */
export const ListValue: MessageSchema = defineMessage("ListValue", {
  2: { kind: "string", key: "s", repeated: true, keep: 64, maxBytes: MAX_ATTR_STRING_BYTES },
  9: { kind: "message", key: "func", repeated: true, keep: 10_000, schema: () => NameAttrList },
});

/** attr_value.proto: message NameAttrList { string name = 1; map<string, AttrValue> attr = 2; }. */
export const NameAttrList: MessageSchema = defineMessage("NameAttrList", {
  1: { kind: "string", key: "name", maxBytes: MAX_NAME_BYTES },
  2: { kind: "message", key: "attr", repeated: true, keep: 10_000, schema: () => AttrEntry },
});

/** tensor.proto: message TensorProto — the dtype and the first string values (file paths in Const nodes). */
export const TensorProto: MessageSchema = defineMessage("TensorProto", {
  1: { kind: "int", key: "dtype" },
  8: { kind: "string", key: "stringVal", repeated: true, keep: 2, maxBytes: MAX_ATTR_STRING_BYTES },
});

/** types.proto: DataType.DT_STRING. */
export const DT_STRING = 7;
