export {
  DEFAULT_IGNORE_PATHS,
  DEFAULT_SHARD_SIZE,
  HASH_ALGORITHMS,
  ignorePathsFromCli,
  normalizeIgnorePath,
  resolveSerializationOptions,
  type HashAlgorithm,
  type SerializationOptions,
} from "./options.js";
export {
  diffManifests,
  hashModel,
  resourcePath,
  serializationFor,
  serializationOptionsFromPredicate,
  subjectDigest,
  type HashProgress,
  type Manifest,
  type ResourceDigest,
} from "./manifest.js";
export { compareCodePoints, comparePaths } from "./order.js";
