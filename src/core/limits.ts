/** Parser limits. Hitting any of them is a finding (`scanner/limit-exceeded`), never a silent stop. */
export interface ScanLimits {
  /** Decompressed bytes of one member held in memory. */
  maxMemberBytes: number;
  /** Decompressed bytes across one top-level path (all members, all depths). */
  maxTotalBytes: number;
  /** Largest decompressed/compressed ratio, checked once a member has produced `ratioGraceBytes`. */
  maxCompressionRatio: number;
  ratioGraceBytes: number;
  /** Containers nested inside containers. */
  maxDepth: number;
  /** Members in one container. */
  maxMembers: number;
  /** Pickle memo entries. */
  maxPickleMemo: number;
  /** Pickle stack + mark nesting. */
  maxPickleNesting: number;
  /** Pickles found inside pickles (bytes handed to pickle.loads, base64 blobs…). */
  maxNestedPickles: number;
  /** Wall-clock time for one top-level path, in milliseconds. */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<ScanLimits> = Object.freeze({
  // A benign file of up to 2 GiB (a legacy torch checkpoint read whole, a pickle, a decompressed joblib stream)
  // passes with the defaults: limits bound the scanner, not legitimate model size.
  maxMemberBytes: 2 * 1024 * 1024 * 1024,
  maxTotalBytes: 8 * 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
  ratioGraceBytes: 16 * 1024 * 1024,
  maxDepth: 8,
  maxMembers: 50_000,
  // Past this the machine goes on without tracking values (pickle/memo-overflow, low): a 50 MB pickle of a
  // million small dicts memoizes about two million.
  maxPickleMemo: 4_000_000,
  maxPickleNesting: 10_000,
  maxNestedPickles: 64,
  timeoutMs: 120_000,
});
