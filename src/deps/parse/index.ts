/** Python dependency files → DependencyFile (src/deps/types.ts). */
export { parseDependencyFile, parseDependencyText, type ParseDependencyFileOptions } from "./parse.js";
export { findDependencyFiles, type FindDependencyFilesOptions } from "./find.js";
export { normalizePackageName } from "./name.js";
export { DEFAULT_DEPENDENCY_LIMITS, type DependencyParseLimits } from "./limits.js";
