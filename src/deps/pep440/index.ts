export { baseVersion, compareVersions, isValidVersion, normalizeVersion, parseVersion, versionsEqual, type Pep440Version } from "./version.js";
export { allows, clauseAllows, parseSpecifierSet, satisfies, type AllowOptions, type SpecifierClause, type SpecifierOperator, type SpecifierSet } from "./specifier.js";
export { commonVersions, describeInterval, intervalContains, type VersionBound, type VersionInterval } from "./intersect.js";
export { intersectIntervals, specifierHull } from "./hull.js";
