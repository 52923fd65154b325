/** The bytes detection looks at: the start and the end of a file, never more. */
export interface Sniff {
  /** Up to SNIFF_HEAD_BYTES from offset 0. */
  head: Buffer;
  /** Up to SNIFF_TAIL_BYTES ending at the end of the file (zip directories live there). */
  tail: Buffer;
  size: number;
  /** File name, a hint only: used to break ties between formats whose bytes look alike. */
  name: string;
}

export const SNIFF_HEAD_BYTES = 64 * 1024;
export const SNIFF_TAIL_BYTES = 64 * 1024 + 22;
